"""Console page latency: the demo community plus one group of 1,000,000 messages and 2,000 members.

Targets (issue 5): the overview and the big group's page at p95 <= 300 ms after the
first load; the member list, filtered and paginated, at p95 <= 150 ms.

The store is filled once (untimed) in a child process: ``shequn demo``'s community,
then ingest_bench's deterministic stream put into ONE group of that community,
shifted so that its last message is an hour old (so "silent for N days" splits
the members). A second child signs in as an owner of the community with Django's
test Client and times whole requests (middleware, session, views, templates).
The filled store is kept, one per message count (bench/out/console/ for SQLite;
database ``shequn_console_bench_<N>`` for PostgreSQL, analysed after the load
as autovacuum would), and reused; ``--fresh`` fills it again.

    python bench/console_bench.py [--messages N] [--repeat R]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--fresh]

For PostgreSQL ``--database-url`` names a server and a database to connect to
for creating the bench database beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out", "console")
BIG_GROUP = "console-bench"
OWNER = "bench-owner"
PG_NAME = "shequn_console_bench"
SILENT_DAYS = 7
BUDGET_S = 60.0  # per page: stop repeating a slow page after this long (min. 3 samples)


def big_group_events(n: int) -> Iterator[Any]:
    """ingest_bench's 2,000 joins and n messages, all in one group, ending an hour ago.

    In the last SILENT_DAYS days every third member's messages are said by the
    next member instead, so that a third of the group is silent that long.
    """
    sys.path.insert(0, HERE)
    from ingest_bench import events

    from shequn.events import Actor, MessagePosted

    last = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=20) * max(n - 1, 0)
    shift = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1) - last
    quiet_from = datetime.now(UTC) - timedelta(days=SILENT_DAYS, hours=12)
    for e in events(n):
        event: Any = e
        moved: Any = replace(event, group=BIG_GROUP, group_name="压测大群", at=event.at + shift)
        if isinstance(moved, MessagePosted) and moved.at > quiet_from and moved.actor:
            m = int(moved.actor.id[1:])
            if m % 3 == 0:
                moved = replace(moved, actor=Actor(id=f"u{m + 1}", name=f"成员{m + 1}"))
        yield moved


def stored_messages() -> int:
    """Messages in the bench group of an existing store (0 when absent or unmigrated)."""
    from django.db.utils import DatabaseError

    from shequn.chat.models import Message

    try:
        return Message.objects.filter(group__external_id=BIG_GROUP).count()
    except DatabaseError:
        return 0


def count() -> None:
    """Print how many messages the bench group holds in the store."""
    import django

    django.setup()
    print(json.dumps({"messages": stored_messages()}))


def fill(n: int) -> None:
    """Migrate an empty store; load the demo and the big group of n messages."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from shequn.chat.ingest import ingest
    from shequn.community.models import Community
    from shequn.demo.load import COMMUNITY, load_demo

    t0 = time.perf_counter()
    load_demo()
    t1 = time.perf_counter()
    ingest(big_group_events(n), Community.objects.get(name=COMMUNITY))
    if connection.vendor == "postgresql":  # what autovacuum does within a minute of the load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    t2 = time.perf_counter()
    print(json.dumps({"demo_s": t1 - t0, "ingest_s": t2 - t1}))


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(get: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    response = get()
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.content[:500]!r}")
    return elapsed


def measure_page(client: Any, urls: list[str], repeat: int, warm: bool = True) -> dict[str, Any]:
    """First load of urls[0] (when ``warm``), then ``repeat`` rounds over all urls, in ms."""
    first = timed(lambda: client.get(urls[0])) if warm else None
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        for url in urls:
            samples.append(timed(lambda url=url: client.get(url)))  # type: ignore[misc]
        if time.perf_counter() - started > BUDGET_S and len(samples) >= 3:
            break
    return {
        "first_ms": first,
        "n": len(samples),
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 95),
        "max_ms": max(samples),
    }


def group_page_url(group_id: int) -> str | None:
    """The group page (issue 5, item 3) when it is built; None otherwise."""
    from django.urls import NoReverseMatch, reverse

    for name in ("group", "group_page", "group_detail"):
        try:
            return reverse(name, args=[group_id])
        except NoReverseMatch:
            continue
    return None


def owner_client() -> Any:
    """A test Client signed in as an owner of the demo community."""
    from django.contrib.auth.models import User
    from django.test import Client

    from shequn.community.actions import grant_staff
    from shequn.community.models import Community
    from shequn.demo.load import COMMUNITY

    user, _ = User.objects.get_or_create(username=OWNER)
    grant_staff(user, Community.objects.get(name=COMMUNITY), "owner", by="bench")
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def pages(repeat: int) -> None:
    """Time every page; print one JSON object of figures."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a kept store made by an older schema catches up
    from shequn.chat.models import Message
    from shequn.community.models import Community, Group
    from shequn.demo.load import COMMUNITY
    from shequn.web.member_queries import member_list, parse_filters

    client = owner_client()
    community = Community.objects.get(name=COMMUNITY)
    group = Group.objects.get(external_id=BIG_GROUP)
    members = f"/communities/{community.pk}/members/"
    filtered = f"{members}?group={group.pk}&silent={SILENT_DAYS}"
    results: dict[str, Any] = {
        "load_before": os.getloadavg()[0],  # the machine is shared: say how busy it was
        "messages": Message.objects.filter(group=group).count(),
        "groups": Group.objects.filter(community=community).count(),
        "persons": community.persons.count(),
    }
    results["overview"] = measure_page(client, ["/"], repeat)
    results["report"] = measure_page(client, [f"/groups/{group.pk}/report/"], repeat)
    page_url = group_page_url(group.pk)
    if page_url:
        results["group page"] = measure_page(client, [page_url], repeat)
    pages_ = [f"{filtered}&page={k}" for k in (1, 2, 5, 10)]
    results["members filtered"] = measure_page(client, pages_, max(repeat // 4, 3))
    plain = [f"{members}?page={k}" for k in (1, 2, 20, 40)]
    results["members all"] = measure_page(client, plain, max(repeat // 4, 3))
    query = {"group": str(group.pk), "silent": str(SILENT_DAYS)}
    results["filtered count"] = member_list(community, parse_filters(query)).count()
    results["load_after"] = os.getloadavg()[0]
    print(json.dumps(results))


def child(mode: str, env: dict[str, str], args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-4000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def pg_store(admin_url: str, name: str, drop: bool) -> str:
    """The bench database beside ``admin_url``, created when missing (dropped first if ``drop``)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if drop:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


TARGETS = {
    "overview": 300,
    "report": 300,
    "group page": 300,
    "members filtered": 150,
    "members all": 150,
}


def table(store: str, r: dict[str, Any]) -> str:
    lines = [
        f"{store}: {r['messages']:,} messages in the big group, {r['groups']} groups, "
        f"{r['persons']:,} members; filtered list has {r['filtered count']:,} rows; "
        f"load average {r.get('load_before', 0):.1f} before, {r.get('load_after', 0):.1f} after "
        f"({os.cpu_count()} cores)",
        "| page | first load | samples | p50 | p95 | max | target p95 | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, target in TARGETS.items():
        if name not in r:
            continue
        f = r[name]
        first = "—" if f["first_ms"] is None else f"{f['first_ms']:,.0f} ms"
        verdict = "met" if f["p95_ms"] <= target else "**not met**"
        lines.append(
            f"| {name} | {first} | {f['n']} | {f['p50_ms']:,.1f} ms | {f['p95_ms']:,.1f} ms "
            f"| {f['max_ms']:,.1f} ms | {target} ms | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=20, help="timed loads per page after the first")
    p.add_argument("--database-url", help="a PostgreSQL server to run on (default: SQLite)")
    p.add_argument(
        "--fresh", action="store_true", help="fill the store again even if it holds data"
    )
    p.add_argument("--child")
    args = p.parse_args()
    if args.child == "count":
        return count()
    if args.child == "fill":
        return fill(args.messages)
    if args.child == "pages":
        return pages(args.repeat)
    common = ["--messages", str(args.messages), "--repeat", str(args.repeat)]
    store, url = open_store(args.database_url, args.messages, args.fresh)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", OUT)
    if child("count", env, common)["messages"] != args.messages:
        store, url = open_store(args.database_url, args.messages, fresh=True)
        filled = child("fill", env, common)
        print(
            f"filled {store}: demo {filled['demo_s']:.1f} s, big group {filled['ingest_s']:.1f} s"
        )
    print(table(store, child("pages", env, common)), flush=True)


def open_store(database_url: str | None, messages: int, fresh: bool) -> tuple[str, str]:
    """(name, URL) of the bench store for this many messages; emptied first when ``fresh``."""
    if database_url:
        return "PostgreSQL", pg_store(database_url, f"{PG_NAME}_{messages}", drop=fresh)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"console-{messages}.sqlite3")
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    return "SQLite", f"sqlite:///{path}"


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
