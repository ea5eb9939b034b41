"""Ingest throughput: 1,000,000 message events across 2,000 members.

Runs each store in its own process (settings are per process): a fresh
SQLite file, then a fresh PostgreSQL database when one is reachable.
Prints events per second and peak memory; memory should not grow with the
number of events, so a second, smaller run is printed beside each for comparison.

    python bench/ingest_bench.py [--events N] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

MEMBERS = 2_000
GROUPS = 10
WORDS = "今天 大家 分享 一下 这个 问题 怎么 解决 谢谢 群主 明天 活动 报名 good thanks".split()  # noqa: SIM905


def events(n: int, seed: int = 7) -> Iterator[object]:
    """A deterministic stream: joins for every member, then n messages with replies and mentions."""
    from shequn.events import Actor, JoinHow, MemberJoined, Mention, MessagePosted

    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    actors = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(MEMBERS)]
    for i, actor in enumerate(actors):
        group = f"g{i % GROUPS}"
        inviter = actors[i - GROUPS] if i >= GROUPS else None
        yield MemberJoined(
            platform="bench",
            group=group,
            event_id=f"join-{i}",
            at=start,
            actor=actor,
            member=actor,
            how=JoinHow.INVITE,
            inviter=inviter,
        )
    step = timedelta(seconds=20)
    # Texts and choices are drawn ahead so the benchmark times ingest, not random().
    texts = [" ".join(rng.choices(WORDS, k=rng.randrange(3, 15))) for _ in range(4096)]
    draws = [rng.random() for _ in range(8192)]
    for i in range(n):
        m = (i * 7919 + i // 3) % MEMBERS
        text = texts[i % 4096]
        r = draws[i % 8192]
        reply = str(i - 1 - i % 37) if i > 50 and r < 0.2 else None
        mentions = (Mention(id=f"u{(m * 31) % MEMBERS}"),) if r > 0.95 else ()
        yield MessagePosted(
            platform="bench",
            group=f"g{m % GROUPS}",
            event_id=str(i),
            at=start + step * i,
            actor=actors[m],
            text=text,
            reply_to=reply,
            mentions=mentions,
        )


def child(n: int) -> None:
    """Migrate the store named by the environment, ingest n events, print JSON figures."""
    import resource

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community

    community = get_or_create_community("bench")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    stats = ingest(events(n), community)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "events": stats.events,
                "messages": stats.messages,
                "seconds": seconds,
                "per_second": stats.events / seconds,
                "peak_rss_mb": peak / 1024,
                "rss_growth_mb": (peak - rss_before) / 1024,
            }
        )
    )


def run(store: str, url: str, n: int) -> dict[str, float]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", tempfile.mkdtemp(prefix="shequn-bench-"))
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{store} child failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{store:10} {n:>9,} events  {result['seconds']:7.1f} s  "
        f"{result['per_second']:>9,.0f} events/s  peak RSS {result['peak_rss_mb']:6.0f} MB "
        f"(+{result['rss_growth_mb']:.0f} MB during ingest)",
        flush=True,
    )
    return result


def fresh_pg(admin_url: str) -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    name = f"shequn_bench_{os.getpid()}"
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--child", type=int)
    args = p.parse_args()
    if args.child is not None:
        child(args.child)
        return
    for n in (args.events // 5, args.events):
        tmp = tempfile.mkdtemp(prefix="shequn-bench-")
        run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", n)
    for n in (args.events // 5, args.events):
        url = fresh_pg(args.pg)
        if url is None:
            break
        run("postgresql", url, n)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
