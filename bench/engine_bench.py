"""The live engine: events through ``shequn run``'s path, without and with a homeserver.

(a) No homeserver: the memory connector is the event source. 200,000 message events
    across 100 groups, with 2,000 joins among them (the welcome rule greets each),
    go through the runner exactly as ``shequn run`` handles a connector's stream:
    ingest, the group's rules, the greeting performed and audited, the cursor saved.
    First as fast as the engine takes them (throughput), then offered at steady
    ``--rates`` (default 2,000 and 5,000 events/s; ``--paced-events`` each) to
    measure each event's latency, from being handed to the source to its round
    being done (stored, answered, cursor saved).
(b) With Synapse (``tests/connectors/synapse.py``): the time from a member asking to
    join until the bot's greeting reaches another member's client, over 50 joins.

    python bench/engine_bench.py [--events N] [--rates R1,R2] [--joins 50] [--skip-synapse]
                                 [--sqlite-page-size 4096]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GROUPS = 100
MEMBERS_PER_JOIN = 100  # one join every this many events, until every member joined
MEMBERS = 2_000


def setup_django(data_dir: str, url: str) -> None:
    os.environ["SHEQUN_DATA_DIR"] = data_dir
    os.environ["SHEQUN_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequn.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def stream(n: int, prefix: str) -> list[Any]:
    """``n`` messages in GROUPS groups from MEMBERS members, each joining before speaking."""
    from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted

    start = datetime(2026, 1, 1, tzinfo=UTC)
    members = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(MEMBERS)]
    out: list[Any] = []
    joined = 0
    for i in range(n):
        at = start + timedelta(milliseconds=10 * i)
        if i % MEMBERS_PER_JOIN == 0 and joined < MEMBERS:
            member = members[joined]
            out.append(
                MemberJoined(
                    platform="bench", group=f"g{joined % GROUPS}", event_id=f"{prefix}j{joined}",
                    at=at, actor=member, member=member, how=JoinHow.LINK,
                )
            )  # fmt: skip
            joined += 1
        speaker = (i * 7919) % max(joined, 1)
        out.append(
            MessagePosted(
                platform="bench", group=f"g{speaker % GROUPS}", event_id=f"{prefix}m{i}",
                at=at, actor=members[speaker], text=f"第{i}条消息 hello",
            )
        )  # fmt: skip
    return out


def prepare_store() -> None:
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Group

    community = get_or_create_community("bench")
    connector = {"kind": "memory", "name": "bench", "platform": "bench"}
    Group.objects.bulk_create(
        Group(
            community=community, platform="bench", external_id=f"g{g}", name=f"群{g}",
            settings={"connector": connector, "welcome": {"enabled": True}},
        )
        for g in range(GROUPS)
    )  # fmt: skip


async def pump(events: Sequence[Any], rate: float | None) -> tuple[float, list[float], int]:
    """Run ``shequn run``'s runner over ``events``; (seconds, latencies, actions performed)."""
    from asgiref.sync import sync_to_async

    from shequn.connectors.memory import MemoryConnector
    from shequn.playbook.runner import Runner

    runner = await sync_to_async(Runner.from_store)("bench", 3600.0)
    [source] = runner.sources
    memory = source.connector
    assert isinstance(memory, MemoryConnector)
    fed: dict[str, float] = {}
    latencies: list[float] = []

    def observe(done: Sequence[Any]) -> None:
        now = time.perf_counter()
        latencies.extend(now - fed[e.event_id] for e in done)

    runner.observe = observe
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    # Start-up (caches read, the heap settled) is no event's wait: feeding starts after it.
    ready = asyncio.create_task(runner.ready.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        task.result()
        raise SystemExit("the runner stopped before it was ready")
    start = time.perf_counter()
    if rate is None:
        for event in events:
            fed[event.event_id] = start
        memory.feed(*events)
    else:
        await feed_steadily(memory, events, rate, fed)
    while runner.handled < len(events):
        if task.done():
            task.result()
            raise SystemExit("the runner stopped early")
        await asyncio.sleep(0.001)
    seconds = time.perf_counter() - start
    stop.set()
    await task
    return seconds, latencies, len(memory.performed)


async def feed_steadily(
    memory: Any, events: Sequence[Any], rate: float, fed: dict[str, float]
) -> None:
    """Hand ``events`` to the source at ``rate`` per second, a millisecond's worth at a time."""
    start = time.perf_counter()
    sent = 0
    while sent < len(events):
        due = min(len(events), int((time.perf_counter() - start) * rate) + 1)
        if due > sent:
            now = time.perf_counter()
            for event in events[sent:due]:
                fed[event.event_id] = now
            memory.feed(*events[sent:due])
            sent = due
        await asyncio.sleep(0.001)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(
    label: str, n: int, seconds: float, latencies: list[float], performed: int, cpu: float
) -> None:
    """One line of figures; ``cpu``: this process's CPU seconds (both threads), steadier
    than wall time on a shared machine."""
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"{label:<34} {n:>8,} events {seconds:7.1f} s {n / seconds:>8,.0f} events/s   "
        f"latency p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {max(latencies) * 1000:7.1f} ms   "
        f"{performed:,} greetings   {n / cpu:>7,.0f} events per CPU-second  "
        f"(load {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def no_homeserver(n: int, rates: list[float], paced: int, url: str | None) -> None:
    data_dir = tempfile.mkdtemp(prefix="shequn-engine-bench-")
    setup_django(data_dir, url or f"sqlite:///{data_dir}/engine.sqlite3")
    from django.db import connection

    from shequn.playbook import actions

    prepare_store()
    print(f"(a) store: {connection.vendor}; {GROUPS} groups, {MEMBERS:,} members", flush=True)
    first = stream(n, "a")
    cpu = time.process_time()
    seconds, latencies, performed = asyncio.run(pump(first, None))
    cpu = time.process_time() - cpu
    report("as fast as it goes", len(first), seconds, latencies, performed, cpu)
    for index, rate in enumerate(rates):
        actions.save_cursor("bench", "bench", None)  # a fresh source: its stream starts at 0
        more = stream(paced, f"r{index}")  # new event ids, same members: no more greetings
        cpu = time.process_time()
        seconds, latencies, performed = asyncio.run(pump(more, rate))
        cpu = time.process_time() - cpu
        label = f"offered at {rate:,.0f} events/s"
        report(label, len(more), seconds, latencies, performed, cpu)


# --- (b) with Synapse -----------------------------------------------------------------


def with_synapse(joins: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.connectors.synapse import launch

    directory = Path(tempfile.mkdtemp(prefix="shequn-bench-synapse-"))
    server = launch(directory)
    try:
        delays = asyncio.run(greeting_delays(server, joins))
    finally:
        server.stop()
    print(
        f"(b) join → greeting seen, {len(delays)} joins: median {statistics.median(delays):.0f} ms,"
        f" p90 {percentile(delays, 0.9):.0f} ms, min {min(delays):.0f}, max {max(delays):.0f} ms",
        flush=True,
    )


async def greeting_delays(server: Any, joins: int) -> list[float]:
    import nio
    from asgiref.sync import sync_to_async

    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Group
    from shequn.playbook.runner import Runner

    def client(user: Any) -> Any:
        c = nio.AsyncClient(server.url, user.user_id)
        c.user_id, c.access_token = user.user_id, user.access_token
        return c

    admin, bot = server.register("admin"), server.register("bot")
    watcher = client(admin)
    created = await watcher.room_create(
        preset=nio.RoomPreset.public_chat, name="迎新", room_version="11",
        power_level_override={"users": {admin.user_id: 100, bot.user_id: 50}},
    )  # fmt: skip
    room = created.room_id
    os.environ["SHEQUN_BENCH_MATRIX_TOKEN"] = bot.access_token
    conf = {"kind": "matrix", "homeserver": server.url, "user_id": bot.user_id,
            "token_env": "SHEQUN_BENCH_MATRIX_TOKEN"}  # fmt: skip
    community = await sync_to_async(get_or_create_community)("bench")
    await sync_to_async(Group.objects.create)(
        community=community, platform="matrix", external_id=room, name="迎新",
        settings={"connector": conf, "welcome": {"enabled": True, "template": "欢迎 {name}"}},
    )  # fmt: skip
    runner = await sync_to_async(Runner.from_store)("bench", 3600.0)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    seen: dict[str, float] = {}
    since = (await watcher.sync(timeout=0)).next_batch
    watching = asyncio.create_task(watch(watcher, room, bot.user_id, since, seen))
    while runner.sources[0].connector.cursor is None:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # the bot's first long poll is under way
    delays: list[float] = []
    for i in range(joins):
        member = server.register(f"member{i}_")
        name = member.user_id[1:].split(":")[0]
        newcomer = client(member)
        start = time.perf_counter()
        await newcomer.join(room)
        while f"欢迎 {name}" not in seen:
            await asyncio.sleep(0.001)
        delays.append((seen[f"欢迎 {name}"] - start) * 1000)
        await newcomer.close()
    watching.cancel()
    stop.set()
    await task
    await watcher.close()
    return delays


async def watch(c: Any, room: str, bot: str, since: str, seen: dict[str, float]) -> None:
    """Long-poll as another member; note when each message of the bot arrives."""
    while True:
        update = await c.sync(timeout=30_000, since=since)
        now = time.perf_counter()
        since = update.next_batch
        joined = update.rooms.join.get(room)
        for event in joined.timeline.events if joined else []:
            if event.sender == bot and isinstance(getattr(event, "body", None), str):
                seen.setdefault(event.body, now)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=200_000, help="message events in (a)")
    p.add_argument(
        "--rates", default="2000,5000", help="offered events/s for latency, comma-separated"
    )
    p.add_argument("--paced-events", type=int, default=50_000, help="message events per rate")
    p.add_argument("--joins", type=int, default=50, help="joins in (b)")
    p.add_argument("--database-url", default=None, help="(a) on this store instead of SQLite")
    p.add_argument("--sqlite-page-size", default=None, help="SHEQUN_SQLITE_PAGE_SIZE for (a)")
    p.add_argument("--skip-synapse", action="store_true", help="only (a)")
    args = p.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if args.sqlite_page_size:
        os.environ["SHEQUN_SQLITE_PAGE_SIZE"] = args.sqlite_page_size
    no_homeserver(args.events, rates, min(args.paced_events, args.events), args.database_url)
    if not args.skip_synapse:
        with_synapse(args.joins)


if __name__ == "__main__":
    main()
