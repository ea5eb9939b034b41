"""A small kit for testing rules through the real engine.

    performed = asyncio.run(feed(engine, joined(1, "u1")))

``feed`` hands events to the engine one by one, as a connector would, and
returns what was performed; the audit log holds the rest (dry-run, failed).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import connections

from shequn.events import Action, Event
from shequn.playbook.engine import Engine


async def feed(engine: Engine, *events: Event) -> list[Action]:
    """Handle ``events`` in order; every action performed, in order.

    The engine's database work runs in asgiref's worker thread; its connections
    are closed at the end so that a test database can be flushed and dropped.
    """
    performed: list[Action] = []
    try:
        for event in events:
            performed.extend(await engine.handle(event))
    finally:
        await sync_to_async(connections.close_all)()
    return performed
