"""The daily digest of one group day of 20,000 messages (issue 8). Target: at most 2 s.

The store (a fresh SQLite file, or PostgreSQL with ``--pg``) gets one group with
500 members and one Beijing day of ``--messages`` messages: Chinese chat drawn from
the demo corpus and from jieba's own dictionary (so few texts repeat and
segmentation does real work), 30% explicit replies, 50 essence marks. Then
``digest_for`` runs ``--runs`` times after jieba's dictionary and IDF table are
loaded (once per process, timed apart), each with the segmentation cache emptied.

    .venv/bin/python bench/digest_bench.py [--messages 20000]
        [--pg postgresql://postgres@127.0.0.1:5432/shequn_h_essence]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from benchstore import open_store

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight in Beijing


def texts(rng: random.Random) -> Iterator[str]:
    """Chat lines: a third from the demo corpus, the rest made of dictionary words."""
    import jieba

    from shequn.demo import corpus

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, encoding="utf-8") as handle:
        words = [line.split()[0] for line in handle if 2 <= len(line.split()[0]) <= 4]
    lines = corpus.CHAT + corpus.QUESTIONS + corpus.ANSWERS + corpus.THANKS
    while True:
        if rng.random() < 1 / 3:
            yield rng.choice(lines)
        else:
            count = rng.randint(1, 3)
            parts = ("".join(rng.choices(words, k=rng.randint(2, 5))) for _ in range(count))
            yield "，".join(parts)


def events(n: int) -> Iterator[object]:
    from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted, ReactionAdded

    rng = random.Random(8)
    people = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(500)]
    for i, who in enumerate(people):
        yield MemberJoined(
            platform="bench", group="g1", group_name="基准群", event_id=f"j{i}",
            at=START - timedelta(days=30), actor=who, member=who, how=JoinHow.LINK,
        )  # fmt: skip
    line = texts(rng)
    step = 86_400 / n
    for i in range(n):
        reply = f"m{rng.randrange(max(i - 50, 0), i)}" if i and rng.random() < 0.3 else None
        yield MessagePosted(
            platform="bench", group="g1", event_id=f"m{i}", at=START + timedelta(seconds=i * step),
            actor=rng.choice(people[:200] if rng.random() < 0.8 else people), text=next(line),
            reply_to=reply,
        )  # fmt: skip
    for k in range(50):  # the admin's stars: essence once roles are set
        yield ReactionAdded(
            platform="bench", group="g1", event_id=f"r{k}", at=START + timedelta(hours=23),
            actor=people[0], message_id=f"m{k * (n // 50)}", emoji="⭐",
        )  # fmt: skip


def fill(n: int) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community, set_member_role
    from shequn.community.models import Account, Group
    from shequn.playbook.essence_history import essence_from_history

    community = get_or_create_community("bench")
    community.time_zone = "Asia/Shanghai"
    community.save()
    ingest(events(n), community)  # type: ignore[arg-type]
    group = Group.objects.get(external_id="g1")
    set_member_role(group, Account.objects.get(external_id="u0"), "admin", by="bench")
    print(f"essence from history: {essence_from_history(group)}")
    return group.pk


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL URL (its database is emptied)")
    args = parser.parse_args()
    store = open_store("shequn-digest-", args.pg)
    t0 = time.perf_counter()
    group_id = fill(args.messages)
    print(f"store filled in {time.perf_counter() - t0:.1f} s ({store})")
    from shequn.analytics import digest_keywords
    from shequn.analytics.digest_load import digest_for

    t0 = time.perf_counter()
    digest_keywords._jieba()
    print(f"jieba dictionary and IDF loaded in {time.perf_counter() - t0:.2f} s (once per process)")
    for run in range(1, args.runs + 1):
        digest_keywords._words.cache_clear()  # every run segments every text again
        t0 = time.perf_counter()
        digest = digest_for(group_id, DAY)
        took = time.perf_counter() - t0
        print(
            f"run {run}: {took:.2f} s: {digest.messages} messages, {digest.speakers} speakers, "
            f"{len(digest.threads)} threads, {len(digest.keywords)} keywords, "
            f"{len(digest.essence)} essence, {len(digest.credited)} credited"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
