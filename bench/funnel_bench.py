"""The free → trial → paid funnel and a reward sweep on a big community (issue 9, items 3 and 6).

One community of MEMBERS members over 300 days: everyone joins one of two free
groups (70% invited by an earlier member), 30% later join the trial group, 8%
the paid group, 3% buy a course instead (paid orders, half of them referred);
10% of stays end; MESSAGES messages in the free groups; 20,000 recorded ties.
The store is filled untimed (a fresh SQLite file, or ``--database-url`` for an
emptied PostgreSQL database), then timed ``--repeat`` times:

- **funnel**: ``community_funnel`` (Arrow-native reads + every table and the seeds);
- **funnel, compute only**: ``funnel`` on frames already read;
- **reward sweep**: ``evaluate`` of an invitee rule (3 who stayed 7 days, claw-back
  30) and of a referred-purchase rule, the first run granting, the rest granting nothing.

    python bench/funnel_bench.py [--members N] [--repeat R] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

MEMBERS = 50_000
MESSAGES = 300_000
START = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = START + timedelta(days=330)


def events(members: int, messages: int) -> Iterator[Any]:
    """Joins, leaves and free-group messages of the bench community (seeded)."""
    from shequn.events import Actor, JoinHow, MemberJoined, MemberLeft, MessagePosted

    rng = random.Random(9)
    actors = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(members)]
    free_at: list[tuple[str, datetime]] = []
    for i in range(members):
        at = START + timedelta(days=300 * i / members, minutes=rng.random())
        by = actors[rng.randrange(max(0, i - 3000), i)] if i and rng.random() < 0.7 else None
        free = f"free{i % 2}"
        yield MemberJoined(platform="bench", group=free, event_id=f"j{i}", at=at,
                           actor=by or actors[i], member=actors[i],
                           how=JoinHow.INVITE if by else JoinHow.LINK, inviter=by)  # fmt: skip
        free_at.append((free, at))
        if rng.random() < 0.10:
            gone = at + timedelta(days=rng.uniform(0.1, 60))
            yield MemberLeft(platform="bench", group=free, event_id=f"l{i}", at=gone,
                             actor=actors[i], member=actors[i])  # fmt: skip
        for group, share, later in (("trial", 0.30, 10), ("paid", 0.08, 30)):
            if rng.random() < share:
                when = at + timedelta(days=rng.uniform(1, later))
                yield MemberJoined(platform="bench", group=group, event_id=f"{group}{i}",
                                   at=when, actor=actors[i], member=actors[i],
                                   how=JoinHow.LINK)  # fmt: skip
    for n in range(messages):
        # Half the messages from a few talkative members, half from anyone.
        i = rng.randrange(members) if n % 2 else int(rng.paretovariate(1.2)) * 7 % members
        group, at = free_at[i]
        yield MessagePosted(platform="bench", group=group, event_id=f"m{n}",
                            at=at + timedelta(hours=rng.uniform(0.1, 24 * 40)),
                            actor=actors[i], text="今天 大家 分享 一下")  # fmt: skip


def fill(members: int, messages: int) -> int:
    """Fill the store; the community's id."""
    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import (
        Account,
        Group,
        Link,
        Offer,
        OfferKind,
        Order,
        OrderSource,
        OrderStatus,
    )

    community = get_or_create_community("漏斗社群")
    stream = sorted(events(members, messages), key=lambda e: e.at)
    ingest(stream, community)
    for kind in ("free", "trial", "paid"):
        Group.objects.filter(community=community, external_id__startswith=kind).update(kind=kind)
    person = dict(Account.objects.filter(community=community).values_list("external_id", "person"))
    rng = random.Random(11)
    course = Offer.objects.create(community=community, name="课程", kind=OfferKind.COURSE,
                                  price=Decimal("199"))  # fmt: skip
    sellers = [person[f"u{n}"] for n in range(max(members // 50, 1))]  # referrals concentrate
    Order.objects.bulk_create(
        Order(community=community, offer=course, person_id=person[f"u{i}"],
              referrer_id=rng.choice(sellers) if rng.random() < 0.5 else None,
              external_id=f"o{i}", amount=course.price, status=OrderStatus.PAID,
              source=OrderSource.IMPORT, ordered_at=START + timedelta(days=300 * i / members),
              paid_at=START + timedelta(days=300 * i / members + 5))
        for i in rng.sample(range(members), members * 3 // 100)
    )  # fmt: skip
    pairs = {tuple(sorted(rng.sample(range(members), 2))) for _ in range(20_000)}
    Link.objects.bulk_create(
        Link(community=community, person_a_id=min(person[f"u{a}"], person[f"u{b}"]),
             person_b_id=max(person[f"u{a}"], person[f"u{b}"]), dimension="friend",
             first_seen=START, last_seen=START)
        for a, b in pairs
    )  # fmt: skip
    return community.pk


def timed(repeat: int, run: Callable[[], object]) -> tuple[float, float, object]:
    """Best and median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from bench.benchstore import open_store

    store = open_store("shequn-funnel-", args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    cid = fill(args.members, args.messages)
    print(f"{store}: filled in {time.perf_counter() - began:.1f} s")
    report(cid, args.repeat)


def report(cid: int, repeat: int) -> None:
    """Print the timings and the funnel's headline numbers."""
    from shequn.analytics.funnel import funnel
    from shequn.analytics.funnel_load import community_funnel, load_funnel_input
    from shequn.community.models import Community
    from shequn.community.reward_models import RewardRule
    from shequn.playbook.rewards import evaluate

    best, median, result = timed(repeat, lambda: community_funnel(cid, AS_OF))
    print(f"funnel (read + compute): best {best:.2f} s, median {median:.2f} s")
    print(f"  totals {result.totals}, seeds {result.seeds.height}")  # type: ignore[attr-defined]
    frames = load_funnel_input(cid, AS_OF)
    best, median, _ = timed(repeat, lambda: funnel(frames))
    print(f"funnel (compute only): best {best:.2f} s, median {median:.2f} s")
    community = Community.objects.get(pk=cid)
    for measure, threshold in (("invitees", 3), ("purchases", 2)):
        rule = RewardRule.objects.create(community=community, name=measure, measure=measure,
                                         threshold=threshold, repeat=True, points=5)  # fmt: skip
        began = time.perf_counter()
        first = evaluate(rule, AS_OF)
        once = time.perf_counter() - began
        best, median, _ = timed(repeat, lambda rule=rule: evaluate(rule, AS_OF))
        print(f"reward sweep ({measure}): first run {once:.2f} s granting "
              f"{len(first.granted)}; again best {best:.2f} s, median {median:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
