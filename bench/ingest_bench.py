"""Ingest throughput: 1,000,000 message events across 2,000 members.

Runs each store in its own process (settings are per process): a fresh
SQLite file, then a fresh PostgreSQL database when one is reachable.
Prints events per second and peak memory; memory should not grow with the
number of events, so a second, smaller run is printed beside each for comparison.

    python bench/ingest_bench.py [--events N] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

With ``--recognition`` (issue 8) it measures what recognising check-ins and 接龙 on the
way in costs ``shequn import``: the same stream ingested with and without
``ImportRecognition.tee`` (plus its ``finish``), each in a fresh store, alternating, on a
generated chat whose members check in and run 接龙 chains and on the real exports in
``../shared/data/real`` (read in place, one batch per file as ``shequn import`` does).

    python bench/ingest_bench.py --recognition [--events N] [--repeat R] [--real-repeat R]
        [--pg URL|--pg ""]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

MEMBERS = 2_000
GROUPS = 10
WORDS = "今天 大家 分享 一下 这个 问题 怎么 解决 谢谢 群主 明天 活动 报名 good thanks".split()  # noqa: SIM905


def events(n: int, seed: int = 7, activities: bool = False) -> Iterator[object]:
    """A deterministic stream: joins for every member, then n messages with replies and mentions.

    ``activities``: some texts are what an active Chinese group posts (``activity_text``).
    """
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
    chains: dict[int, list[str]] = {}
    for i in range(n):
        m = (i * 7919 + i // 3) % MEMBERS
        text = texts[i % 4096]
        if activities:
            text = activity_text(i, m, text, chains)
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


# --- issue 8: check-in and 接龙 recognition on the way in ---------------------------

CHECKINS = ("打卡", "今日打卡✅", "签到", "打卡第{n}天", "晨跑打卡", "#打卡 读书30分钟", "已签到")


def activity_text(i: int, m: int, text: str, chains: dict[int, list[str]]) -> str:
    """3% check-ins in members' shapes, 0.5% 接龙 posts (each group runs one chain: every
    post repeats the list with one line more, a new chain after 30 lines), 0.5% numbered
    answers that are no chain; the rest unchanged."""
    r = i % 200
    if r < 6:
        return CHECKINS[(i // 200 + m) % len(CHECKINS)].format(n=i % 30 + 1)
    if r == 7:
        lines = chains.setdefault(m % GROUPS, [])
        if len(lines) >= 30:
            lines.clear()
        lines.append(f"成员{m} +1" if i % 3 else f"成员{m}")
        body = "\n".join(f"{k}. {line}" for k, line in enumerate(lines, 1))
        return f"#接龙 第{i // 60_000}期读书会\n时间：周六 19:00\n{body}"
    if r == 9:
        return f"1. {text}\n2. {text}"
    return text


def real_files() -> list[Path]:
    """The real exports shequn imports (IRC, Telegram, Slack), as ``shequn import`` walks them."""
    real = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"
    if not real.is_dir():
        raise SystemExit(f"no real exports at {real}")
    irc = sorted((real / "irc-ubuntu").rglob("*.raw.txt"))
    return [
        *irc,
        *sorted((real / "telegram-tgif").rglob("exported.json")),
        real / "slack" / "testarchive.zip",
    ]


def recognition_child(source: str, n: int, tee: bool) -> None:
    """Ingest the generated chat or the real exports into a fresh store, with or without the
    tee; print JSON figures (the tee's construction and ``finish`` are inside the time)."""
    import resource

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zoneinfo import ZoneInfo

    from shequn.chat.ingest import finish_batch, ingest, start_batch
    from shequn.community.actions import get_or_create_community
    from shequn.importers.base import ImportOptions
    from shequn.importers.detect import detect
    from shequn.importers.registry import load
    from shequn.playbook.jielong_import import ImportRecognition

    community = get_or_create_community("bench")
    totals = {"events": 0, "messages": 0, "checkins": 0, "jielong_chains": 0, "finish": 0.0}
    if source == "generated":
        work = [("generated", lambda: events(n, activities=True))]
    else:
        work = [(str(p), lambda p=p: load(detect(p)).read(p, ImportOptions(tz=ZoneInfo("UTC"))))
                for p in real_files()]  # fmt: skip
    cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    t0 = time.perf_counter()
    for name, read in work:
        batch = start_batch(community, name, source)
        recognition = ImportRecognition(community) if tee else None
        stream = recognition.tee(read()) if recognition is not None else read()
        stats = ingest(stream, community, batch)
        finish_batch(batch, stats)
        totals["events"] += stats.events
        totals["messages"] += stats.messages
        if recognition is not None:
            t1 = time.perf_counter()
            found = recognition.finish(batch.pk).as_dict()
            totals["finish"] += time.perf_counter() - t1
            totals["checkins"] += found["checkins"]
            totals["jielong_chains"] += found["jielong_chains"]
    seconds = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu = use.ru_utime + use.ru_stime - cpu0  # both threads; less swayed by other jobs
    print(json.dumps({**totals, "seconds": seconds, "per_second": totals["events"] / seconds,
                      "cpu_us_per_event": cpu / totals["events"] * 1e6}))  # fmt: skip


def tee_cost(n: int) -> None:
    """The tee alone, no store writes: CPU µs per event over materialised streams, overall
    and for each kind of message (an ordinary one, a check-in, a 接龙 post)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from shequn.community.actions import get_or_create_community
    from shequn.events import MessagePosted
    from shequn.playbook.jielong_import import ImportRecognition

    community = get_or_create_community("bench")
    stream = list(events(n, activities=True))
    posts = [e for e in stream if isinstance(e, MessagePosted)]
    kinds = {
        "all": stream,
        "ordinary": [e for e in posts if not e.text.startswith(("#接龙", "1. "))
                     and not any(c in e.text for c in ("打卡", "签到"))],
        "checkin": [e for e in posts if any(c in e.text for c in ("打卡", "签到"))],
        "jielong": [e for e in posts if e.text.startswith("#接龙")],
    }  # fmt: skip
    out: dict[str, float] = {}
    for name, part in kinds.items():
        best = float("inf")
        for _ in range(3):  # CPU time: other jobs on the machine sway wall time
            t0 = time.process_time()
            for _event in part:
                pass
            bare = time.process_time() - t0
            recognition = ImportRecognition(community)
            t0 = time.process_time()
            for _event in recognition.tee(part):
                pass
            best = min(best, time.process_time() - t0 - bare)
        out[name] = best / max(1, len(part)) * 1e6
        out[f"{name}_share"] = len(part) / len(stream)
    print(json.dumps({"events": len(stream), "us_per_event": out["all"], "by_kind": out}))


def recognition_run(store: str, url: str, argv: list[str]) -> dict[str, float]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", tempfile.mkdtemp(prefix="shequn-bench-"))
    out = subprocess.run([sys.executable, __file__, *argv], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{store} child failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def recognition_pair(store: str, url_for: Callable[[], str | None], source: str, n: int,
                     repeat: int) -> None:  # fmt: skip
    """Alternating plain and teed runs (fresh store each); medians and the cost in percent."""
    per: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    last: dict[str, float] = {}
    for _ in range(repeat):
        for tee in (False, True):
            url = url_for()
            if url is None:
                return
            argv = ["--recognition-child", source, "--events", str(n)] + (["--tee"] if tee else [])
            last = recognition_run(store, url, argv)
            per[tee].append(last["per_second"])
            cpu[tee].append(last["cpu_us_per_event"])
            label = "with recognition" if tee else "plain"
            found = ""
            if tee:
                found = (f"  finish {last['finish']:.2f} s, {last['checkins']:,.0f} check-ins, "
                         f"{last['jielong_chains']:,.0f} chains")  # fmt: skip
            rate = (f"{last['seconds']:6.1f} s {last['per_second']:>9,.0f}/s "
                    f"{last['cpu_us_per_event']:5.1f} µs CPU/event")  # fmt: skip
            print(f"  {store:10} {source:9} {label:17} {last['events']:>9,.0f} {rate}{found}",
                  flush=True)  # fmt: skip
    plain, teed = statistics.median(per[False]), statistics.median(per[True])
    print(f"{store} {source}: median {plain:,.0f}/s plain, {teed:,.0f}/s with recognition: "
          f"cost {100 * (1 - teed / plain):+.1f}% of throughput", flush=True)  # fmt: skip
    plain_cpu, teed_cpu = statistics.median(cpu[False]), statistics.median(cpu[True])
    print(f"{store} {source}: median CPU {plain_cpu:.1f} µs/event plain, {teed_cpu:.1f} with "
          f"recognition: {100 * (teed_cpu / plain_cpu - 1):+.1f}% CPU", flush=True)  # fmt: skip


def recognition_main(args: argparse.Namespace) -> None:
    cost = recognition_run("sqlite", f"sqlite:///{tempfile.mkdtemp()}/b.sqlite3",
                           ["--tee-cost", str(min(args.events, 200_000))])  # fmt: skip
    print(f"tee alone: {cost['us_per_event']:.2f} µs per event ({cost['events']:,.0f} events)")
    kinds = cost["by_kind"]
    assert isinstance(kinds, dict)
    for name in ("ordinary", "checkin", "jielong"):
        print(
            f"  {name:9} {kinds[name]:8.2f} µs each ({100 * kinds[name + '_share']:.2f}% of events)"
        )

    def sqlite() -> str:
        return f"sqlite:///{tempfile.mkdtemp(prefix='shequn-bench-')}/bench.sqlite3"

    if args.real_repeat:
        recognition_pair("sqlite", sqlite, "real", 0, args.real_repeat)
    recognition_pair("sqlite", sqlite, "generated", args.events, args.repeat)
    if args.pg:
        recognition_pair("postgresql", lambda: fresh_pg(args.pg), "generated", args.events,
                         args.repeat)  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--child", type=int)
    p.add_argument("--recognition", action="store_true", help="issue 8: recognition's cost")
    p.add_argument("--repeat", type=int, default=3, help="pairs per store (generated chat)")
    p.add_argument("--real-repeat", type=int, default=2, help="pairs on the real exports")
    p.add_argument("--recognition-child", choices=("generated", "real"))
    p.add_argument("--tee", action="store_true")
    p.add_argument("--tee-cost", type=int)
    args = p.parse_args()
    if args.child is not None:
        child(args.child)
        return
    if args.recognition_child:
        recognition_child(args.recognition_child, args.events, args.tee)
        return
    if args.tee_cost:
        tee_cost(args.tee_cost)
        return
    if args.recognition:
        recognition_main(args)
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
