"""The elimination preview (``plan_sweep``: every member's facts and verdict) on a big group.

One group of MEMBERS members and N messages over the last 120 days, ending now;
a third of the members fall silent 40 days ago, and every tenth message is a
check-in, so that both criteria (silent 30 days, fewer than 2 check-ins last
month) are judged. The store is filled untimed in a child process (a fresh
SQLite file in bench/out/elimination/, or ``--database-url`` for a PostgreSQL
server: database ``shequn_elimination_bench`` beside the one named); then the
preview is timed ``--repeat`` times and its SQL queries counted.

    python bench/elimination_bench.py [--messages N] [--repeat R] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out", "elimination")
MEMBERS = 5_000
PG_NAME = "shequn_elimination_bench"


def stream(n: int, now: datetime) -> Iterator[Any]:
    """Joins 200 days ago, then n messages up to now; members 0, 3, 6 … silent for 40 days."""
    from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted

    actors = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(MEMBERS)]
    joined = now - timedelta(days=200)
    for i, a in enumerate(actors):
        yield MemberJoined(platform="bench", group="big", event_id=f"j{i}", at=joined, actor=a,
                           member=a, how=JoinHow.LINK)  # fmt: skip
    start, quiet_from = now - timedelta(days=120), now - timedelta(days=40)
    step = (now - start) / max(n, 1)
    for i in range(n):
        at = start + step * i
        m = (i * 7919) % MEMBERS
        if at > quiet_from and m % 3 == 0:
            m += 1  # the silent third: someone else speaks instead
        text = "今日打卡✅" if i % 10 == 0 else "今天 大家 分享 一下 这个 问题"
        yield MessagePosted(platform="bench", group="big", event_id=str(i), at=at,
                            actor=actors[m % MEMBERS], text=text)  # fmt: skip


def child(n: int, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Group
    from shequn.playbook.elimination_store import plan_sweep

    call_command("migrate", verbosity=0)
    now = datetime.now(UTC)
    community = get_or_create_community("bench")
    t0 = time.perf_counter()
    ingest(stream(n, now), community)
    fill = time.perf_counter() - t0
    group = Group.objects.get(external_id="big")
    group.settings = {"elimination": {"enabled": True, "min_checkins": {"ordinary": 2}}}
    group.save()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            plan = plan_sweep(group.pk, now)
        times.append(time.perf_counter() - t0)
    silent = sum(1 for _a, v in plan.new if v.criterion == "silent")
    out = {"fill_s": fill, "times": times, "queries": len(queries.captured_queries),
           "noticed": len(plan.new), "silent": silent}  # fmt: skip
    print(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=300_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--database-url")
    p.add_argument("--child", action="store_true")
    args = p.parse_args()
    if args.child:
        return child(args.messages, args.repeat)
    if args.database_url:
        sys.path.insert(0, HERE)
        from console_bench import pg_store

        store, url = "PostgreSQL", pg_store(args.database_url, PG_NAME, drop=True)
    else:
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, f"elimination-{args.messages}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        store, url = "SQLite", f"sqlite:///{path}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", OUT)
    command = [sys.executable, __file__, "--child", "--messages", str(args.messages)]
    done = subprocess.run([*command, "--repeat", str(args.repeat)], env=env, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-2000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    shown = ", ".join(f"{t * 1000:.0f}" for t in r["times"])
    filled = f"filled in {r['fill_s']:.0f} s"
    print(f"{store}: {MEMBERS:,} members, {args.messages:,} messages ({filled}); "
          f"preview {shown} ms; {r['queries']} queries; {r['noticed']} would be noticed "
          f"({r['silent']} silent)")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
