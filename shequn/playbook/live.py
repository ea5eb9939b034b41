"""The live path of ``shequn run``: many events per database round, each answered in order.

Handing events to ``Engine.handle`` one by one costs a thread hop, a transaction
and a fresh ingest directory (every account of the community loaded again) per
event: about 200 events/s. Here the events a connector has ready are taken
together: one hop and one transaction store them one after another (through
``LiveIngest``, which keeps its directory between calls and holds message rows
until someone reads the store) and run the rules on each, in order. Planning
stops at the first event whose rules want something done; that is committed,
carried out on the loop and recorded, and planning goes on with the next event.
So a rule still sees the store exactly as it was after the events before its
own and after their actions, as with ``Engine.handle``: the rows held back are
written before its state answers any question (``FlushingState``), and before
every commit. The round's last transaction also saves the connector's cursor.

Kept caches trust the store: they are dropped after any error and the directory
is re-read every ``REFRESH`` seconds (an import into the same community
meanwhile is seen then; a round that trips over one, say by creating an account
the import just created, is rolled back and planned once more with fresh
caches); a group's settings are re-read every ``GROUP_TTL`` seconds, so a
setting changed on the dashboard applies within that time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, transaction

from shequn.chat.ingest import IngestError, LiveIngest
from shequn.community.models import Community, Group
from shequn.events import DirectMessage, Event
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.rules import GroupState
from shequn.playbook.state import StoreState

log = logging.getLogger(__name__)

REFRESH = 60.0
GROUP_TTL = 5.0

#: Where planning stopped: the index of the next event, and the actions wanted, if any
#: (None: every event was planned and the round's transaction is committed).
Step = tuple[int, tuple[Group, list[Planned]] | None]

#: What a StoreState answers without reading the store (the group is already loaded).
_NO_READ = frozenset({"group", "name", "kind", "settings", "_flush"})


class FlushingState(StoreState):
    """A StoreState that writes the rows held back before its first read of the store."""

    def __init__(self, group: Group, flush: Callable[[], None]) -> None:
        super().__init__(group)
        self._flush: Callable[[], None] | None = flush

    def __getattribute__(self, name: str) -> Any:
        # Every query goes through a method or helper of StoreState, including any
        # added later: flushing on whatever is not known to be free keeps them exact.
        if name not in _NO_READ:
            flush = object.__getattribute__(self, "_flush")
            if flush is not None:
                self._flush = None  # rules do not write: once per event is enough
                flush()
        return object.__getattribute__(self, name)


class LiveStore:
    """Stores one community's live events and finds their groups, with kept caches."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self._feed: LiveIngest | None = None
        self._feed_since = 0.0
        self._groups: dict[tuple[str, str], Group] = {}
        self._groups_since = 0.0

    def forget(self) -> None:
        """Drop every cache (after an error: a rollback undid rows they may hold)."""
        self._feed = None
        self._groups_since = 0.0

    def prime(self) -> LiveIngest:
        """Read the community's accounts, and its live groups with their stays, afresh
        (sync, DB). The runner primes before taking events, so that none waits for it."""
        self.flush()
        feed = self._feed = LiveIngest(self.community)
        # The groups live events arrive for, read at once rather than each at its first
        # event (a stall each, right after every refresh).
        live = Group.objects.filter(community=self.community, settings__has_key="connector")
        feed.directory.load_groups(live)
        self._feed_since = time.monotonic()
        return feed

    def flush(self) -> None:
        """Write what the ingest holds back (sync, DB; in the round's transaction)."""
        if self._feed is not None:
            self._feed.flush()

    def store(self, event: Event) -> bool:
        """Store one event (sync, DB); False when it cannot be (logged; no rule runs)."""
        if isinstance(event, DirectMessage):
            return True  # private to the bot: never one of the group's messages
        feed = self._feed
        if feed is None or time.monotonic() - self._feed_since > REFRESH:
            feed = self.prime()
        try:
            feed.add(event)
        except IngestError:
            if feed.stale:  # what the events before it left was written before it
                self._feed = None
            log.exception("event %s not stored; no rule runs for it", event.event_id)
            return False
        except BaseException:
            self.forget()
            raise
        return True

    def state(self, event: Event) -> tuple[Group, GroupState] | None:
        """The event's group and a FlushingState over it.

        The community's groups are read together, again every GROUP_TTL seconds
        (one query, not one per group); a group new since then is read alone.
        """
        now = time.monotonic()
        if now - self._groups_since > GROUP_TTL:
            groups = Group.objects.filter(community=self.community)
            self._groups = {(g.platform, g.external_id): g for g in groups}
            self._groups_since = now
        key = (event.platform, event.group)
        group = self._groups.get(key)
        if group is None:
            group = Group.objects.filter(
                community=self.community, platform=event.platform, external_id=event.group
            ).first()
            if group is None:
                return None
            self._groups[key] = group
        return group, FlushingState(group, self.flush)

    def plan(
        self, engine: Engine, events: Sequence[Event], start: int, done: Callable[[], None]
    ) -> Step:
        """Store and plan ``events[start:]`` in one transaction, up to the first with actions.

        When none is left with actions, ``done`` runs last in the same transaction
        (the runner saves its cursor there). ``engine`` must read state through
        ``self.state`` and not ingest by itself (``Engine(..., states=live.state,
        store=False)``).
        """
        try:
            with transaction.atomic():
                for index in range(start, len(events)):
                    event = events[index]
                    if not self.store(event):
                        continue
                    planned = engine.plan(event)
                    if planned is not None and planned[1]:
                        self.flush()
                        return index + 1, planned
                self.flush()
                done()
        except BaseException:
            self.forget()
            raise
        return len(events), None


def live_engine(community: Community, live: LiveStore) -> Engine:
    """An engine (without connectors yet) that plans through ``live``."""
    return Engine(community, {}, states=live.state, store=False)


def _nothing() -> None:
    return None


async def handle_batch(
    live: LiveStore, engine: Engine, events: Sequence[Event], done: Callable[[], None] = _nothing
) -> int:
    """Store and answer ``events`` in order, then ``done`` (sync, DB; in the last
    transaction); how many actions were performed."""
    plan = sync_to_async(live.plan)
    performed = 0
    start = 0
    while True:
        try:
            start, planned = await plan(engine, events, start, done)
        except DatabaseError:
            # Most likely rows another process (an import) wrote since the caches were
            # read; they are dropped now, and nothing of this step was kept: once more.
            log.warning("a live round failed in the store; retrying it once", exc_info=True)
            start, planned = await plan(engine, events, start, done)
        if planned is None:
            return performed
        group, items = planned
        for item in items:
            performed += len(await engine.carry_out(group, item))
