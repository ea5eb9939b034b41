"""``shequn run``: every configured connector's event stream and the scheduler, one loop.

Connectors are configured per group in ``Group.settings["connector"]``:
``{"kind": "<registry name>", "name": "<optional, defaults to kind>", ...options}``.
Groups naming the same connector share one instance (one bot account seeing
several groups); its cursor is saved under that name after every handled event,
so a restart resumes where the last run stopped. SIGTERM or SIGINT stops taking
new events, lets the current one finish, saves the cursors and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from shequn.community.models import Community, Group
from shequn.connectors import registry
from shequn.connectors.base import Connector
from shequn.events import Event
from shequn.playbook import actions
from shequn.playbook.engine import Engine
from shequn.playbook.scheduler import bare_engine, run_scheduler

log = logging.getLogger(__name__)


class RunnerError(Exception):
    """The store's connector configuration cannot be run as written."""


@dataclass
class Source:
    """One connector, the name its cursor is saved under, and the engine its events go to."""

    name: str
    connector: Connector
    engine: Engine


def connector_configs() -> dict[str, tuple[dict[str, Any], Community]]:
    """Connector name → (its settings, its community), from the groups that configure one."""
    found: dict[str, tuple[dict[str, Any], Community]] = {}
    for group in Group.objects.select_related("community").order_by("pk"):
        conf = group.settings.get("connector") if isinstance(group.settings, dict) else None
        if not isinstance(conf, dict) or not conf.get("kind"):
            continue
        name = str(conf.get("name") or conf["kind"])
        if name in found and found[name][1].pk != group.community_id:
            raise RunnerError(f"connector {name!r} is configured in two communities")
        found.setdefault(name, (conf, group.community))
    return found


def build_sources() -> list[Source]:
    """A connector per configured name, resumed from its saved cursor (sync, DB)."""
    engines: dict[int, Engine] = {}
    sources: list[Source] = []
    for name, (conf, community) in connector_configs().items():
        try:
            cls = registry.load(str(conf["kind"]))
        except registry.UnknownConnector as exc:
            raise RunnerError(f"connector {name!r}: {exc}") from None
        options = {k: v for k, v in conf.items() if k not in {"kind", "name"}}
        connector = cls(actions.load_cursor(name), **options)
        engine = engines.setdefault(community.pk, Engine(community, {}))
        engine.connectors[connector.platform] = connector
        sources.append(Source(name, connector, engine))
    return sources


class Runner:
    """Pumps each source's events through its engine and runs the scheduler beside them."""

    def __init__(self, sources: list[Source], worker: str, interval: float = 1.0) -> None:
        self.sources = sources
        self.worker = worker
        self.interval = interval
        self.handled = 0
        self.engines = {s.engine.community.pk: s.engine for s in sources}

    @classmethod
    def from_store(cls, worker: str, interval: float = 1.0) -> Runner:
        """A runner for every connector the store's groups configure (sync, DB)."""
        return cls(build_sources(), worker, interval)

    def engine_for(self, community: Community) -> Engine:
        """The engine acting for ``community``; one without connectors if none is configured."""
        return self.engines.get(community.pk) or bare_engine(community)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then finish the current events and save every cursor."""
        tasks = [asyncio.create_task(self.pump(source, stop)) for source in self.sources]
        tasks.append(
            asyncio.create_task(run_scheduler(stop, self.worker, self.interval, self.engine_for))
        )
        try:
            await asyncio.gather(*tasks)
        finally:
            await sync_to_async(self.save_cursors)()
            await sync_to_async(connections.close_all)()

    async def pump(self, source: Source, stop: asyncio.Event) -> None:
        """Hand ``source``'s events to its engine, saving the cursor after each one."""
        stream = source.connector.events()
        try:
            async for event in _until(stream, stop):
                await source.engine.handle(event)
                self.handled += 1
                await sync_to_async(self.save_cursor)(source)
        except Exception:
            log.exception("connector %s stopped", source.name)
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

    def save_cursor(self, source: Source) -> None:
        """Remember where ``source`` stands (sync, DB)."""
        connector = source.connector
        actions.save_cursor(source.name, connector.platform, connector.cursor)

    def save_cursors(self) -> None:
        """Save every source's cursor (on shutdown; each was already saved per event)."""
        for source in self.sources:
            self.save_cursor(source)


async def _until(stream: AsyncIterator[Event], stop: asyncio.Event) -> AsyncIterator[Event]:
    """The events of ``stream`` until it ends or ``stop`` is set while waiting for one.

    An event that arrived is always handed on (the connector's cursor has moved
    past it); only the wait for the next one is cut short.
    """
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            following = asyncio.ensure_future(anext(stream))
            await asyncio.wait({following, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not following.done():
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await following
                return
            try:
                yield following.result()
            except StopAsyncIteration:
                return
    finally:
        stopping.cancel()


def default_worker() -> str:
    """This process's name among the engines sharing a store: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def serve(worker: str, interval: float) -> None:
    """Build the runner from the store and run it until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = await sync_to_async(Runner.from_store)(worker, interval)
    if runner.sources:
        names = ", ".join(s.name for s in runner.sources)
        print(f"shequn run: connectors {names}; scheduler on ({worker})", flush=True)
    else:
        print(f"shequn run: no connectors configured; scheduler only ({worker})", flush=True)
    await runner.run(stop)
    print("shequn run: stopped, cursors saved", flush=True)


def run_command(args: argparse.Namespace) -> int:
    """Entry point of ``shequn run``; 0 after a clean shutdown, 2 on bad configuration."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        asyncio.run(serve(args.worker or default_worker(), args.interval))
    except RunnerError as exc:
        print(f"shequn run: {exc}", file=sys.stderr)
        return 2
    return 0
