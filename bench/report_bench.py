"""Full report on a group of 1,000,000 messages and 2,000 members: load + metrics + HTML.

Target: at most 5 s and under 1 GB peak memory, on SQLite and on PostgreSQL.
The store is filled once per engine (untimed) with ingest_bench's event stream
put into ONE group; the report then runs in a fresh process whose peak RSS is
its own.

    python bench/report_bench.py [--events N] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace

HERE = os.path.dirname(os.path.abspath(__file__))


def fill(n: int) -> None:
    """Migrate the store named by the environment and ingest n messages into one group."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sys.path.insert(0, HERE)
    from ingest_bench import events

    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community

    one_group = (replace(e, group="g0") for e in events(n))  # type: ignore[type-var]
    ingest(one_group, get_or_create_community("bench"))


def report() -> None:
    """Time one full report of the bench group; print JSON figures."""
    import resource

    import django

    django.setup()
    from shequn.analytics.frames import Window, load
    from shequn.analytics.report.build import compute
    from shequn.analytics.report.html import render
    from shequn.community.models import Group

    group = Group.objects.get(external_id="g0")
    from datetime import UTC, datetime

    t0 = time.perf_counter()
    frames = load(
        group.pk, Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    )
    t1 = time.perf_counter()
    result = compute(frames)
    t2 = time.perf_counter()
    html = render(result, "zh-hans")
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "messages": frames.messages.height,
                "load_s": t1 - t0,
                "metrics_s": t2 - t1,
                "html_s": t3 - t2,
                "total_s": t3 - t0,
                "peak_rss_mb": peak,
                "html_mb": len(html) / 1e6,
                "verdict": result.verdict,
                "slowest": sorted(result.timings.items(), key=lambda kv: -kv[1])[:4],
            }
        )
    )


def child(mode: str, url: str, n: int) -> dict[str, object]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", tempfile.mkdtemp(prefix="shequn-bench-"))
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--events", str(n)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if mode == "report" else {}


def fresh_pg(admin_url: str) -> str | None:
    try:
        import psycopg

        name = f"shequn_report_bench_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return admin_url.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--child")
    args = p.parse_args()
    if args.child == "fill":
        return fill(args.events)
    if args.child == "report":
        return report()
    stores = [("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='shequn-bench-')}/r.sqlite3")]
    pg = fresh_pg(args.pg)
    if pg:
        stores.append(("postgresql", pg))
    for name, url in stores:
        child("fill", url, args.events)
        r = child("report", url, args.events)
        print(
            f"{name:10} {r['messages']:>9,} messages  load {r['load_s']:.2f} s  metrics "
            f"{r['metrics_s']:.2f} s  html {r['html_s']:.2f} s  total {r['total_s']:.2f} s  "
            f"peak RSS {r['peak_rss_mb']:.0f} MB  slowest {r['slowest']}",
            flush=True,
        )


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
