"""Referral tree and fission quality of a big community, against a naive ORM version of the same.

One community of MEMBERS members and 4 stays each (200,000 joins) in 20 groups
over 300 days: 85% of first joins are referrals by an earlier member (a tree
about a dozen levels deep), 10% of stays end (a third of those within a day),
300,000 messages (3% check-ins, 400 advertisers posting an ad right after
joining), 1,500 paid orders. The store is filled untimed in a child process (a
fresh SQLite file in bench/out/growth/, or ``--database-url`` for a PostgreSQL
server: database ``shequn_h1_bench`` beside the one named, dropped first).

Timed, ``--repeat`` times each, in the same process:

- **shequn**: ``read_growth`` (Arrow-native reads, SQL aggregates) + ``summarise``
  (tree, outcomes, quality per inviter, campaign and channel, fraud signals);
- **naive ORM**: the same tree and per-inviter scores from ORM rows (``values_list``
  iterators) and Python dicts, with the same check-in and ad recognisers. Its
  scores are checked against shequn's, so both compute the same thing.

    python bench/growth_bench.py [--members N] [--repeat R] [--database-url URL] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out", "growth")
MEMBERS = 50_000
STAYS_EACH = 4
GROUPS = 20
MESSAGES = 300_000
PG_NAME = "shequn_h1_bench"
START = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = START + timedelta(days=330)
AD = "兼职刷单日赚300，加微信 vx_{n} 详情 https://bit.ly/{n}"


def events(members: int) -> Iterator[Any]:
    """Joins, leaves and messages of the bench community, in time order (seeded)."""
    from shequn.events import Actor, JoinHow, LeaveHow, MemberJoined, MemberLeft, MessagePosted

    rng = random.Random(7)
    actors = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(members)]
    out: list[Any] = []
    first_day = [300 * i / members for i in range(members)]
    stays: list[tuple[int, int, datetime]] = []
    for i in range(members):
        groups = rng.sample(range(GROUPS), STAYS_EACH)
        inviter = rng.randrange(max(0, i - 5000), i) if i and rng.random() < 0.85 else None
        for k, g in enumerate(groups):
            at = START + timedelta(days=first_day[i] + k * rng.uniform(0, 20), minutes=rng.random())
            by = inviter if k == 0 or rng.random() < 0.5 else None
            how = JoinHow.INVITE if by is not None else rng.choice((JoinHow.LINK, JoinHow.QR))
            out.append(MemberJoined(platform="bench", group=f"g{g}", event_id=f"j{i}-{k}", at=at,
                                    actor=actors[by] if by is not None else actors[i],
                                    member=actors[i], how=how,
                                    inviter=actors[by] if by is not None else None))  # fmt: skip
            stays.append((i, g, at))
            if rng.random() < 0.10:
                gone = at + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.33
                                      else rng.uniform(240, 1400))  # fmt: skip
                out.append(MemberLeft(platform="bench", group=f"g{g}", event_id=f"l{i}-{k}",
                                      at=gone, actor=actors[i], member=actors[i],
                                      how=LeaveHow.LEFT))  # fmt: skip
    advertisers = set(rng.sample(range(members), 400))
    for n in range(MESSAGES):
        i, g, at = stays[rng.randrange(len(stays))]
        when = at + timedelta(hours=rng.uniform(0.1, 24 * 30))
        text = f"打卡 第{n % 30 + 1}天" if n % 33 == 0 else "今天 大家 分享 一下 这个 问题"
        if i in advertisers and n % 2 == 0:
            when, text = at + timedelta(minutes=10), AD.format(n=n)
        out.append(MessagePosted(platform="bench", group=f"g{g}", event_id=f"m{n}", at=when,
                                 actor=actors[i], text=text))  # fmt: skip
    out.sort(key=lambda e: e.at)
    return iter(out)


def fill(members: int) -> int:
    from decimal import Decimal

    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Offer, Order, Person

    community = get_or_create_community("bench")
    ingest(events(members), community)
    offer = Offer.objects.create(community=community, name="课程", kind="course", price=Decimal(99))
    buyers = Person.objects.filter(community=community).order_by("?")[:1500]
    Order.objects.bulk_create(
        Order(community=community, offer=offer, person=p, external_id=f"o{p.pk}", source="import",
              amount=Decimal(99), status="paid", ordered_at=AS_OF - timedelta(days=5),
              paid_at=AS_OF - timedelta(days=5))
        for p in buyers
    )  # fmt: skip
    return community.pk


def shequn_growth(community_id: int, split: list[float]) -> dict[int, float]:
    """Per-inviter scores; appends the seconds spent reading the store to ``split``."""
    from shequn.analytics.growth.load import read_growth
    from shequn.analytics.growth.summary import summarise

    t0 = time.perf_counter()
    frames = read_growth(community_id, AS_OF)
    split.append(time.perf_counter() - t0)
    table = summarise(frames).inviter_table
    return dict(zip(table["inviter_person_id"].to_list(), table["score"].to_list(), strict=True))


Key = tuple[int, int]  # (group, person)
Stay = tuple[int, int, int, int | None, datetime | None, datetime | None, str]


def naive_orm(community_id: int) -> dict[int, float]:
    """The same tree and per-inviter scores, from ORM rows and Python dicts."""
    import polars as pl

    from shequn.analytics.growth import recognise
    from shequn.analytics.growth.frames import UTC_US
    from shequn.chat.models import Message
    from shequn.community.models import Membership, Order

    rows = Membership.objects.filter(account__community_id=community_id).values_list(
        "id", "group_id", "account__person_id", "inviter__person_id", "joined_at",
        "first_seen_at", "left_at", "left_how", "account__is_bot",
    )  # fmt: skip
    stays: list[Stay] = [(s, g, p, i, j or f, left, how) for s, g, p, i, j, f, left, how, bot
                         in rows.iterator(chunk_size=20_000) if not bot]  # fmt: skip
    last: dict[Key, datetime] = {}
    messages = Message.objects.filter(group__community_id=community_id, sender__isnull=False)
    for g, p, at in (
        messages.exclude(kind="system")
        .values_list("group_id", "sender__person_id", "at")
        .iterator(chunk_size=20_000)
    ):
        if (g, p) not in last or at > last[(g, p)]:
            last[(g, p)] = at
    paid = Order.objects.filter(community_id=community_id, status="paid")
    bought: dict[int, list[datetime]] = defaultdict(list)
    for p, at in paid.values_list("person_id", "paid_at"):
        bought[p].append(at)
    # The same recognisers as shequn's (they need the stays' join times as a frame).
    starts = pl.DataFrame(
        [{"group_id": g, "person_id": p, "joined_at": j} for _, g, p, _, j, _, _ in stays],
        schema={"group_id": pl.Int64, "person_id": pl.Int64, "joined_at": UTC_US},
    )
    found, configs = recognise.candidates(community_id)
    steps, removals = recognise.moderation_steps(community_id)
    ads = by_key([*recognise.recognised_ads(found, starts).iter_rows(), *steps.iter_rows()])
    naive_tree(stays)
    outcomes = Outcomes(last, by_key(recognise.checkins(found, configs).iter_rows()), ads,
                        by_key(removals.iter_rows()), bought)  # fmt: skip
    return naive_scores(stays, outcomes)


def by_key(events: Any) -> dict[Key, list[datetime]]:
    index: dict[Key, list[datetime]] = defaultdict(list)
    for g, p, at in events:
        index[(g, p)].append(at)
    return index


def first_order(s: Stay) -> tuple[bool, datetime, int]:
    return (s[4] is None, s[4] or START, s[0])


def naive_tree(stays: list[Stay]) -> dict[int, int]:
    """person → depth, breadth-first from the people nobody brought."""
    first: dict[int, Stay] = {}
    for s in sorted(stays, key=first_order):
        first.setdefault(s[2], s)
    children: dict[int, list[int]] = defaultdict(list)
    depth: dict[int, int] = {}
    for p, s in first.items():
        parent = s[3]
        if parent is None or parent == p:
            depth[p] = 0
        else:
            children[parent].append(p)
    level = list(depth)
    while level:
        below = []
        for p in level:
            for c in children.get(p, ()):
                if c not in depth:
                    depth[c] = depth[p] + 1
                    below.append(c)
        level = below
    return depth


class Outcomes:
    """What the naive version looks up per stay."""

    def __init__(self, last: dict[Key, datetime], checked: dict[Key, list[datetime]],
                 ads: dict[Key, list[datetime]], removed: dict[Key, list[datetime]],
                 bought: dict[int, list[datetime]]) -> None:  # fmt: skip
        self.last, self.checked, self.ads, self.removed = last, checked, ads, removed
        self.bought = bought


def naive_scores(stays: list[Stay], o: Outcomes) -> dict[int, float]:
    """Outcomes per invitation and the documented score, one Python loop."""
    seen: set[tuple[int, int]] = set()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, g, p, i, j, left, how in sorted(stays, key=first_order):
        if i is None or i == p or (i, p) in seen:
            continue
        seen.add((i, p))
        c = counts[i]
        c["n"] += 1

        def after(at: datetime, j: datetime | None = j) -> bool:
            return j is None or at >= j

        lasted = (left - j) if (left and j) else None
        for days in (7, 30):
            span = timedelta(days=days)
            if j is not None and (AS_OF - j >= span or (lasted is not None and lasted < span)):
                c[f"e{days}"] += 1
                c[f"s{days}"] += int(lasted is None or lasted >= span)
        c["spoke"] += int((g, p) in o.last and after(o.last[(g, p)]))
        c["checked"] += int(any(after(at) for at in o.checked.get((g, p), ())))
        c["bought"] += int(any(after(at) for at in o.bought.get(p, ())))
        moderated = how == "removed" and any(after(at) for at in o.removed.get((g, p), ()))
        c["ad"] += int(moderated or any(after(at) for at in o.ads.get((g, p), ())))
        c["quick"] += int(lasted is not None and lasted < timedelta(days=1))
    return {i: score(c) for i, c in counts.items()}


def score(c: dict[str, int]) -> float:
    n = c["n"]
    good = [(0.2, c["s7"], c["e7"]), (0.2, c["s30"], c["e30"]), (0.3, c["spoke"], n),
            (0.1, c["checked"], n), (0.2, c["bought"], n)]  # fmt: skip
    judged = [(w, k / (b + 1)) for w, k, b in good if b > 0]
    total = sum(w for w, _ in judged)
    value = sum(w * r for w, r in judged) / total if total else 0.0
    return round(100 * (value - 1.5 * c["ad"] / (n + 1) - 0.5 * c["quick"] / (n + 1)), 1)


def child(members: int, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from shequn.community.models import Community

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    kept = Community.objects.filter(name="bench").values_list("pk", flat=True).first()
    community_id = kept or fill(members)  # --reuse: a store filled by an earlier run
    filled = time.perf_counter() - t0
    ours, naive, reads, cpu = [], [], [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        got = shequn_growth(community_id, reads)
        ours.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)  # this process only (all its threads)
        t0 = time.perf_counter()
        want = naive_orm(community_id)
        naive.append(time.perf_counter() - t0)
    differ = [k for k in set(got) | set(want) if abs(got.get(k, 1e9) - want.get(k, -1e9)) > 0.11]
    out = {"fill_s": filled, "reused": bool(kept), "ours": ours, "reads": reads, "cpu": cpu,
           "naive": naive, "inviters": len(got), "differ": len(differ)}  # fmt: skip
    print(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=MEMBERS)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--database-url")
    p.add_argument("--child", action="store_true")
    p.add_argument("--reuse", action="store_true", help="time the store an earlier run filled")
    args = p.parse_args()
    if args.child:
        return child(args.members, args.repeat)
    if args.database_url:
        sys.path.insert(0, HERE)
        from console_bench import pg_store

        store, url = "PostgreSQL", pg_store(args.database_url, PG_NAME, drop=not args.reuse)
    else:
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, f"growth-{args.members}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix) and not args.reuse:
                os.remove(path + suffix)
        store, url = "SQLite", f"sqlite:///{path}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shequn.settings", SHEQUN_DATABASE_URL=url)
    env.setdefault("SHEQUN_DATA_DIR", OUT)
    command = [sys.executable, __file__, "--child", "--members", str(args.members)]
    done = subprocess.run([*command, "--repeat", str(args.repeat)], env=env, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    parts = zip(r["ours"], r["reads"], r["cpu"], strict=True)
    ours = ", ".join(f"{t:.2f} ({read:.2f} reading, {cpu:.2f} CPU)" for t, read, cpu in parts)
    filled = "an earlier run's store" if r["reused"] else f"filled in {r['fill_s']:.0f} s"
    naive = ", ".join(f"{t:.2f}" for t in r["naive"])
    load = os.getloadavg()[0]
    print(f"{store} (load average {load:.1f} on {os.cpu_count()} cores): "
          f"{args.members:,} members, {args.members * STAYS_EACH:,} joins, "
          f"{MESSAGES:,} messages ({filled}); {r['inviters']:,} inviters\n"
          f"  shequn (Arrow + polars): {ours} s\n  naive ORM: {naive} s\n"
          f"  inviters whose scores differ: {r['differ']}")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
