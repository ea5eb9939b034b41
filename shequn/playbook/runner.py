"""``shequn run``: every configured connector's event stream and the scheduler, one loop.

Connectors are configured per group in ``Group.settings["connector"]``:
``{"kind": "<registry name>", "name": "<optional, defaults to kind>", ...options}``,
validated by the kind's pydantic model (``Connector.Settings``); secrets are
named there, never written (see ``shequn.connectors.settings``). Groups naming
the same connector share one instance (one bot account seeing several groups).
Events are handled in order, as many per database round as the connector has
ready (``live.py``); the connector's cursor is saved after each round (in the
round's last transaction, with its last events), so a restart resumes where the
last run stopped. SIGTERM or SIGINT stops taking new events, lets those taken
finish, saves the cursors and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.db import connections
from pydantic import ValidationError

from shequn.community.models import Community, Group
from shequn.connectors import registry
from shequn.connectors.base import Connector, ConnectorError
from shequn.connectors.settings import ConnectorSettings, explain
from shequn.events import Event
from shequn.playbook import actions
from shequn.playbook.engine import Engine
from shequn.playbook.live import LiveStore, handle_batch, live_engine
from shequn.playbook.scheduler import bare_engine, run_scheduler
from shequn.playbook.wal import checkpoint_while
from shequn.repage import live_page_warning

log = logging.getLogger(__name__)

#: Most events handled in one database round (bounds each event's wait for its round).
BATCH = 256
#: Seconds a thread may keep the GIL while another waits for it, while the runner runs.
SWITCH_INTERVAL = 0.001

#: Events taken from a connector, each with the connector's cursor after it.
Taken = list[tuple[Event, str | None]]
Queue = asyncio.Queue[tuple[Event, str | None]]


class RunnerError(Exception):
    """The store's connector configuration cannot be run as written."""


@dataclass
class Configured:
    """One connector as the store's groups configure it."""

    cls: type[Connector]
    settings: ConnectorSettings
    community: Community
    groups: list[str] = field(default_factory=list)
    where: str = ""


@dataclass
class Source:
    """One connector, the name its cursor is saved under, and the engine its events go to."""

    name: str
    connector: Connector
    engine: Engine
    live: LiveStore | None = None
    cursor: str | None = None  # after the last event handled

    def __post_init__(self) -> None:
        self.cursor = self.connector.cursor


def _where(group: Group) -> str:
    return f"group {group.name!r} ({group.platform}/{group.external_id})"


def _configured(group: Group, conf: dict[str, Any]) -> Configured:
    """The validated connector settings of one group; RunnerError names group and field."""
    where = _where(group)
    kind = conf.get("kind")
    if not isinstance(kind, str) or not kind:
        raise RunnerError(f"{where}: connector.kind: missing; expected a platform name")
    try:
        cls = registry.load(kind)
    except registry.UnknownConnector as exc:
        raise RunnerError(f"{where}: connector.kind: {exc}") from None
    try:
        settings = cls.Settings.model_validate(conf)
    except ValidationError as exc:
        raise RunnerError(f"{where}: {explain(exc, 'connector.')}") from None
    return Configured(cls, settings, group.community, [group.external_id], where)


def connector_configs() -> dict[str, Configured]:
    """Connector name → its validated settings, community and groups (sync, DB)."""
    found: dict[str, Configured] = {}
    for group in Group.objects.select_related("community").order_by("pk"):
        conf = group.settings.get("connector") if isinstance(group.settings, dict) else None
        if conf is None or conf == {}:
            continue
        if not isinstance(conf, dict):
            raise RunnerError(f"{_where(group)}: connector: expected an object with a kind")
        this = _configured(group, conf)
        name = this.settings.connector_name
        known = found.get(name)
        if known is None:
            found[name] = this
        elif known.community.pk != group.community_id:
            raise RunnerError(f"connector {name!r} is configured in two communities")
        elif known.settings != this.settings:
            raise RunnerError(
                f"connector {name!r}: {this.where} configures it differently from {known.where}"
            )
        else:
            known.groups.append(group.external_id)
    return found


def state_dir() -> Path:
    """Where connectors keep what they must remember between runs (in the data dir)."""
    return Path(django_settings.DATA_DIR) / "connectors"


def build_sources() -> list[Source]:
    """A connector per configured name, resumed from its saved cursor (sync, DB)."""
    engines: dict[int, tuple[Engine, LiveStore]] = {}
    sources: list[Source] = []
    for name, conf in connector_configs().items():
        try:
            connector = conf.cls.from_settings(
                conf.settings, actions.load_cursor(name), state_dir=state_dir(), groups=conf.groups
            )
        except ConnectorError as exc:
            raise RunnerError(f"connector {name!r} ({conf.where}): {exc}") from None
        community = conf.community
        if community.pk not in engines:
            live = LiveStore(community)
            engines[community.pk] = (live_engine(community, live), live)
        engine, live = engines[community.pk]
        engine.connectors[connector.platform] = connector
        sources.append(Source(name, connector, engine, live))
    return sources


class Runner:
    """Pumps each source's events through its engine and runs the scheduler beside them.

    ``observe``, when set, is called with the events of each finished round (benchmarks);
    ``ready`` is set once start-up is done and events are being taken.
    """

    def __init__(
        self, sources: list[Source], worker: str, interval: float = 1.0, batch: int = BATCH
    ) -> None:
        self.sources = sources
        self.worker = worker
        self.interval = interval
        self.batch = batch
        self.handled = 0
        self.engines = {s.engine.community.pk: s.engine for s in sources}
        self.observe: Callable[[Sequence[Event]], None] | None = None
        self.ready = asyncio.Event()

    @classmethod
    def from_store(cls, worker: str, interval: float = 1.0) -> Runner:
        """A runner for every connector the store's groups configure (sync, DB)."""
        return cls(build_sources(), worker, interval)

    def engine_for(self, community: Community) -> Engine:
        """The engine acting for ``community``; one without connectors if none is configured."""
        return self.engines.get(community.pk) or bare_engine(community)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then finish the events taken and save every cursor."""
        for live in {id(s.live): s.live for s in self.sources if s.live is not None}.values():
            await sync_to_async(live.prime)()
        settle_heap()
        # The loop and the engine's database thread share the GIL. A thread coming back
        # from SQLite (which runs without it) while the other holds it waits up to the
        # switch interval: 5 ms by default, a live round's whole budget at 5,000 events/s.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
        tasks = [asyncio.create_task(self.pump(source, stop)) for source in self.sources]
        tasks.append(
            asyncio.create_task(run_scheduler(stop, self.worker, self.interval, self.engine_for))
        )
        if self.sources:
            tasks.append(asyncio.create_task(checkpoint_while(stop)))
        self.ready.set()
        try:
            await asyncio.gather(*tasks)
        finally:
            sys.setswitchinterval(switch)
            await sync_to_async(self.save_cursors)()
            for source in self.sources:
                with contextlib.suppress(Exception):
                    await source.connector.aclose()
            await sync_to_async(connections.close_all)()

    async def pump(self, source: Source, stop: asyncio.Event) -> None:
        """Hand ``source``'s events to its engine a round at a time, saving the cursor after each.

        A reader task takes events from the connector as they come, with the
        cursor after each; this task handles what has queued up since its last
        round. ``stop`` ends the reader's wait for the next event; what it took
        is still handled.
        """
        queue: Queue = asyncio.Queue(self.batch * 4)
        reader = asyncio.create_task(self._read(source, queue))
        stopper = asyncio.create_task(_cancel_on(stop, reader))
        try:
            while not (queue.empty() and reader.done()):
                taken = await self._take(queue, reader)
                if not taken:
                    continue
                cursor = taken[-1][1]
                await self.handle(source, [event for event, _ in taken], cursor)
                source.cursor = cursor  # only now: the round's transaction is committed
            if not reader.cancelled() and reader.result():
                source.cursor = source.connector.cursor  # all it yielded was handled
        except Exception:
            log.exception("connector %s stopped", source.name)
        finally:
            stopper.cancel()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _take(self, queue: Queue, reader: asyncio.Task[bool]) -> Taken:
        """The events queued now (up to ``batch``), waiting for one unless the reader ended."""
        if queue.empty():
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                return []
            taken = [getter.result()]
        else:
            taken = [queue.get_nowait()]
        while len(taken) < self.batch and not queue.empty():
            taken.append(queue.get_nowait())
        return taken

    async def handle(self, source: Source, events: Sequence[Event], cursor: str | None) -> None:
        """Store and answer one round of events, in order; then save ``cursor`` (the
        connector's after the last of them), in the round's last transaction when live."""
        platform = source.connector.platform

        def save() -> None:
            actions.save_cursor(source.name, platform, cursor)

        if source.live is not None:
            await handle_batch(source.live, source.engine, events, save)
        else:
            for event in events:
                await source.engine.handle(event)
            await sync_to_async(save)()
        self.handled += len(events)
        if self.observe is not None:
            self.observe(events)

    async def _read(self, source: Source, queue: Queue) -> bool:
        """Queue the connector's events, each with the cursor after it, until cancelled.

        True when every event taken from the connector is in the queue (so once
        they are handled, the connector's own cursor may be saved).
        """
        stream = source.connector.events()
        holding = False
        try:
            async for event in stream:
                holding = True
                await queue.put((event, source.connector.cursor))
                holding = False
        except asyncio.CancelledError:
            pass  # stopping
        except Exception:
            log.exception("connector %s stopped", source.name)
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]
        return not holding

    def save_cursor(self, source: Source) -> None:
        """Remember where ``source`` stands: after the last event handled (sync, DB)."""
        actions.save_cursor(source.name, source.connector.platform, source.cursor)

    def save_cursors(self) -> None:
        """Save every source's cursor (on shutdown; each was already saved per round)."""
        for source in self.sources:
            self.save_cursor(source)


def settle_heap() -> None:
    """Keep what start-up built (Django, settings, dictionaries) out of later collections.

    A full collection walks every object alive; with the start-up heap in it, each took
    up to 180 ms on these machines, stalling every event queued behind it. Frozen, those
    objects are never walked again, and the collector runs on what the engine makes.
    """
    gc.collect()
    gc.freeze()


async def _cancel_on(stop: asyncio.Event, task: asyncio.Task[bool]) -> None:
    """Cancel ``task`` (a reader waiting for events) once ``stop`` is set."""
    await stop.wait()
    task.cancel()


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
    warning = await sync_to_async(live_page_warning)()
    if warning is not None and runner.sources:
        print(f"shequn run: {warning}", file=sys.stderr, flush=True)
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
