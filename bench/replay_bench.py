"""Replay throughput: every rule family on, over a 1,000,000-message group history.

Target: at least 20,000 messages/s. The store is filled once per run (untimed)
with ingest_bench's event stream put into ONE group (as report_bench does: 2,000
members), with one message in 997 turned into an advertisement so that moderation
has something to act on, one in 400 into a labelled introduction (ritual, windows)
and one in 5,000 into an admin's ``/精华`` reply (essence); five members are admins.
Every rule family of ``DEFAULT_RULES`` is on with the settings a real group would
use (``SETTINGS``): admission with referral and two entry questions, moderation and
welcome at their defaults, the ritual with the nickname pattern, chat windows with
lunch and evening chat hours, holidays and a Wednesday topic window, essence with
its commands; check-ins, invite points, meetups, 接龙, surveys, question routing and
elimination at their defaults. ingest_bench draws its texts from 4,096 sentences; as
real chat rarely repeats itself (and moderation remembers the segmentation of
texts it saw), each message gets three more words by default so that every text
is different (``--texts repeated`` keeps ingest_bench's). The replay then runs in
a fresh process whose peak RSS is its own. Besides wall time it reports messages
per CPU-second of the replay process, which a busy machine disturbs less (on
PostgreSQL the server's own CPU is not in it). SQLite by default (a throw-away file);
``--database-url`` replays on PostgreSQL too, in a fresh database made beside the
one named (and dropped after).

Each store is filled once and replayed ``--runs`` times (2 by default), each replay
in a fresh process; ``--no-sqlite`` replays on PostgreSQL only. The replay shares its
rules among ``SHEQUN_REPLAY_WORKERS`` processes (default: the machine's cores, at most
four; ``SHEQUN_REPLAY_WORKERS=1`` replays in one); CPU and peak RSS include them.

    python bench/replay_bench.py [--messages N] [--texts distinct|repeated] [--runs N]
                                 [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                 [--no-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
#: The throw-away data directory (and SQLite store) of one run; removed at its end.
SCRATCH = os.environ.get("SHEQUN_REPLAY_BENCH_DIR") or tempfile.mkdtemp(prefix="shequn-replay-")
ADS = (
    "加微信 vx_62502 兼职日赚300",
    "免费领取资料 加V: abc12345",
    "兼职刷单日赚500 https://bit.ly/x9",
)
AD_EVERY = 997
INTRO_EVERY, ESSENCE_EVERY = 400, 5_000
ADMINS = ("u1", "u2", "u3", "u4", "u5")
INTRO = "自我介绍：做产品的 {name} 需要资源：设计师 拥有资源：产品经验"
#: Every rule family on, configured as a real group would be (rule name → its section).
SETTINGS: dict[str, dict[str, Any]] = {
    "admission": {
        "enabled": True,
        "referral": True,
        "questions": ["你从哪里知道本群？", "你希望在群里得到什么？"],
    },
    "moderation": {"enabled": True},
    "welcome": {"enabled": True},
    "ritual": {
        "enabled": True,
        "nickname_pattern": "城市-行业-姓名",
        "nickname_example": "北京-互联网-张三",
        "nickname_deadline_hours": 24,
        "unanswered_minutes": 30,
    },
    "windows": {
        "enabled": True,
        "chat_hours": [
            {"start": "12:00", "end": "13:30"},
            {"start": "20:00", "end": "23:00"},
            {"days": ["sat", "sun"], "start": "09:00", "end": "23:00"},
        ],
        "holidays": ["2025-01-01", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02"],
        "topic_windows": [
            {
                "name": "周三晚课",
                "days": ["wed"],
                "start": "19:00",
                "end": "20:00",
                "keywords": ["分享", "问题"],
            },
        ],
    },
    "essence": {"enabled": True, "commands": ["/精华", "设为精华", "/essence"]},
    # The families added since: check-ins with points, invite points, meetup sign-ups by
    # command, 接龙 started by command, survey answers, question routing, and elimination
    # (on events it only takes appeals by direct message; it acts in its sweep).
    "checkin": {"enabled": True},
    "invite_points": {"enabled": True},
    "meetups": {"enabled": True},
    "jielong": {"enabled": True},
    "surveys": {"enabled": True},
    "matching": {"enabled": True},
    "elimination": {"enabled": True},
}


def fill(n: int, texts: str) -> None:
    """Migrate the store named by the environment and ingest the bench group (untimed)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sys.path.insert(0, HERE)
    from ingest_bench import WORDS, events

    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Membership
    from shequn.events import Actor, MessagePosted

    admins = [Actor(id=a, name=f"成员{a[1:]}") for a in ADMINS]

    def one_group() -> Iterator[Any]:
        m = 0  # messages so far; ingest_bench's text is its sentences[m % 4096]
        for event in events(n):
            if isinstance(event, MessagePosted):
                if m % AD_EVERY == 0:
                    event = replace(event, text=ADS[m % len(ADS)])
                elif m % ESSENCE_EVERY == ESSENCE_EVERY // 2:
                    admin = admins[m // ESSENCE_EVERY % len(admins)]
                    event = replace(event, actor=admin, text="/精华", reply_to=str(m - 5))
                elif m % INTRO_EVERY == INTRO_EVERY // 2 and event.actor is not None:
                    event = replace(event, text=INTRO.format(name=event.actor.name))
                elif texts == "distinct":
                    more = (WORDS[m // 4096 // 15**k % 15] for k in range(3))
                    event = replace(event, text=f"{event.text} {''.join(more)}")
                m += 1
            yield replace(event, group="g0")

    ingest(one_group(), get_or_create_community("bench"))
    Membership.objects.filter(account__external_id__in=ADMINS).update(role="admin")


def every_rule() -> tuple[Any, ...]:
    """Every rule family there is (the engine's defaults), each with its section in SETTINGS."""
    from shequn.playbook.engine import DEFAULT_RULES

    missing = sorted({rule.name for rule in DEFAULT_RULES} - set(SETTINGS))
    if missing:
        raise SystemExit(f"SETTINGS has no section for rule(s) {', '.join(missing)}")
    return DEFAULT_RULES


def replay_child() -> None:
    """Replay the bench group with every rule on; print JSON figures."""
    import resource

    import django

    django.setup()
    from django.conf import settings as django_settings

    from shequn.community.models import Group
    from shequn.playbook.replay import replay

    group = Group.objects.select_related("community").get(external_id="g0")
    rules = every_rule()
    settings = {rule.name: SETTINGS[rule.name] for rule in rules}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    recorder = replay(group, settings, rules=rules)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    messages = recorder.events["messages"]
    print(
        json.dumps(
            {
                "rules": [rule.name for rule in rules],
                "events": recorder.replayed,
                "messages": messages,
                "seconds": seconds,
                "per_second": messages / seconds,
                "per_cpu_second": messages / cpu,
                "load_average": os.getloadavg()[0],
                "peak_rss_mb": peak / 1024,
                "workers_peak_rss_mb": workers_peak / 1024,
                "workers": django_settings.REPLAY_WORKERS,
                "cpu_seconds": cpu,
                "rss_growth_mb": (peak - rss_before) / 1024,
                "decisions": {" ".join(k): v for k, v in sorted(recorder.counts.items())},
                "welcome_only_per_second": welcome_only(group, messages),
            }
        )
    )


def cpu_seconds() -> float:
    """CPU time of this process and of its replay workers (once they have ended)."""
    import resource

    own, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def welcome_only(group: Any, messages: int) -> float:
    """Messages/s with only the welcome rule on: the engine, the history and the state."""
    from shequn.playbook.replay import replay
    from shequn.playbook.welcome import Welcome

    t0 = time.process_time()
    replay(group, {"welcome": {"enabled": True}}, rules=(Welcome,))
    return messages / (time.process_time() - t0)


def child(mode: str, url: str, n: int, texts: str = "distinct") -> dict[str, Any]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", SCRATCH)
    env["SHEQUN_REPLAY_BENCH_DIR"] = SCRATCH  # children make no scratch directory of their own
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--messages", str(n), "--texts", texts],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if mode == "replay" else {}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--database-url", help="a PostgreSQL URL: also replay on a fresh database")
    p.add_argument("--texts", choices=["distinct", "repeated"], default="distinct")
    p.add_argument("--runs", type=int, default=2, help="replays of each filled store")
    p.add_argument("--no-sqlite", action="store_true", help="replay on PostgreSQL only")
    p.add_argument("--child")
    args = p.parse_args()
    if args.child == "fill":
        return fill(args.messages, args.texts)
    if args.child == "replay":
        return replay_child()
    sys.path.insert(0, HERE)
    from report_bench import fresh_pg

    stores = [] if args.no_sqlite else [("sqlite", f"sqlite:///{SCRATCH}/replay.sqlite3")]
    pg = fresh_pg(args.database_url) if args.database_url else None
    if pg:
        stores.append(("postgresql", pg))
    try:
        for name, url in stores:
            started = time.perf_counter()
            child("fill", url, args.messages, args.texts)
            took = time.perf_counter() - started
            print(f"{name}: filled in {took:.0f} s ({args.texts} texts)", flush=True)
            for run in range(1, args.runs + 1):
                show(name, run, child("replay", url, args.messages))
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
        if pg:
            drop_pg(args.database_url, pg)


def show(name: str, run: int, r: dict[str, Any]) -> None:
    """Print one replay's figures."""
    print(
        f"{name:10} run {run}: {r['messages']:>9,} messages  {r['seconds']:6.1f} s  "
        f"{r['per_second']:>8,.0f} messages/s with {r['workers']} worker(s) "
        f"({r['per_cpu_second']:,.0f} per CPU-second of the replay and its workers; "
        f"load {r['load_average']:.1f})  peak RSS {r['peak_rss_mb']:.0f} MB "
        f"(+{r['rss_growth_mb']:.0f} MB during replay; a worker {r['workers_peak_rss_mb']:.0f} MB)",
        flush=True,
    )
    print(f"{'':10} rules: {', '.join(r['rules'])}", flush=True)
    print(f"{'':10} decisions: {r['decisions']}", flush=True)
    print(
        f"{'':10} welcome only (engine + history + state): "
        f"{r['welcome_only_per_second']:,.0f} messages per CPU-second",
        flush=True,
    )


def drop_pg(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
