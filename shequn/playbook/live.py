"""The live path of ``shequn run``: many events per database round, each answered in order.

Handing events to ``Engine.handle`` one by one costs a thread hop, a transaction
and a fresh ingest directory (every account of the community loaded again) per
event: about 200 events/s. Here the events a connector has ready are taken
together: one hop and one transaction store them one after another (through
``ingest`` with a directory kept between calls) and run the rules on each, in
order. Planning stops at the first event whose rules want something done; that
is committed, carried out on the loop and recorded, and planning goes on with
the next event. So a rule still sees the store exactly as it was after the
events before its own and after their actions, as with ``Engine.handle``.

Kept caches trust the store: the directory is dropped after any error and
re-read every ``REFRESH`` seconds (an import into the same community meanwhile
is seen then); a group's settings are re-read every ``GROUP_TTL`` seconds, so a
setting changed on the dashboard applies within that time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from asgiref.sync import sync_to_async
from django.db import transaction

from shequn.chat.ingest import IngestError, ingest
from shequn.community.directory import Directory
from shequn.community.models import Community, Group
from shequn.events import Event
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.rules import GroupState
from shequn.playbook.state import StoreState

log = logging.getLogger(__name__)

REFRESH = 60.0
GROUP_TTL = 5.0

#: Where planning stopped: the index of the next event, and the actions wanted, if any.
Step = tuple[int, tuple[Group, list[Planned]] | None]


class LiveStore:
    """Stores one community's live events and finds their groups, with kept caches."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self._directory: Directory | None = None
        self._directory_since = 0.0
        self._groups: dict[tuple[str, str], tuple[float, Group]] = {}

    def forget(self) -> None:
        """Drop every cache (after an error: a rollback undid rows they may hold)."""
        self._directory = None
        self._groups.clear()

    def store(self, event: Event) -> bool:
        """Store one event (sync, DB); False when it cannot be (logged; no rule runs)."""
        now = time.monotonic()
        if self._directory is None or now - self._directory_since > REFRESH:
            self._directory = Directory(self.community)
            self._directory_since = now
        try:
            ingest([event], self.community, directory=self._directory)
        except IngestError:
            self.forget()
            log.exception("event %s not stored; no rule runs for it", event.event_id)
            return False
        except BaseException:
            self.forget()
            raise
        return True

    def state(self, event: Event) -> tuple[Group, GroupState] | None:
        """The event's group (re-read every GROUP_TTL s) and a StoreState over it."""
        key = (event.platform, event.group)
        now = time.monotonic()
        hit = self._groups.get(key)
        if hit is not None and now - hit[0] < GROUP_TTL:
            group = hit[1]
        else:
            found = Group.objects.filter(
                community=self.community, platform=event.platform, external_id=event.group
            ).first()
            if found is None:
                return None
            group = found
            self._groups[key] = (now, group)
        return group, StoreState(group)

    def plan(self, engine: Engine, events: Sequence[Event], start: int) -> Step:
        """Store and plan ``events[start:]`` in one transaction, up to the first with actions.

        ``engine`` must read state through ``self.state`` and not ingest by itself
        (``Engine(..., states=live.state, store=False)``).
        """
        try:
            with transaction.atomic():
                for index in range(start, len(events)):
                    event = events[index]
                    if not self.store(event):
                        continue
                    planned = engine.plan(event)
                    if planned is not None and planned[1]:
                        return index + 1, planned
        except BaseException:
            self.forget()
            raise
        return len(events), None


def live_engine(community: Community, live: LiveStore) -> Engine:
    """An engine (without connectors yet) that plans through ``live``."""
    return Engine(community, {}, states=live.state, store=False)


async def handle_batch(live: LiveStore, engine: Engine, events: Sequence[Event]) -> int:
    """Store and answer ``events`` in order; how many actions were performed."""
    plan = sync_to_async(live.plan)
    performed = 0
    start = 0
    while start < len(events):
        start, planned = await plan(engine, events, start)
        if planned is None:
            continue
        group, items = planned
        for item in items:
            performed += len(await engine.carry_out(group, item))
    return performed
