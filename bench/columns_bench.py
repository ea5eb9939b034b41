"""A column's summary and its engagement over a busy group (issue 8, item 1).

The store (a fresh SQLite file, or PostgreSQL with ``--pg``) gets one group with
500 members, 12 daily column posts, and ``--messages`` messages spread over the
12 days (a third of them in the 3 hours after each post, 30% of those replies).
Then ``figures`` (the summary of the latest post) and ``engagement`` (turnout after
all 12 posts) run ``--runs`` times. Both read through aggregate queries on the
(group, at) index, so they should cost milliseconds, not a scan of the group.

    .venv/bin/python bench/columns_bench.py [--messages 200000]
        [--pg postgresql://postgres@127.0.0.1:5432/shequn_h_columns]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from benchstore import open_store

START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
POSTS = 12
WINDOW = timedelta(hours=3)


def events(n: int) -> Iterator[object]:
    from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted

    rng = random.Random(1)
    people = [Actor(id=f"u{i}", name=f"成员{i}") for i in range(500)]
    bot = Actor(id="bot", name="栏目机器人", is_bot=True)
    for i, who in enumerate([*people, bot]):
        yield MemberJoined(
            platform="bench", group="g1", group_name="基准群", event_id=f"j{i}",
            at=START - timedelta(days=30), actor=who, member=who, how=JoinHow.LINK,
        )  # fmt: skip
    for day in range(POSTS):
        yield MessagePosted(
            platform="bench", group="g1", event_id=f"post{day}", actor=bot,
            at=START + timedelta(days=day, seconds=1), text=f"【晨报】\n第{day + 1}期",
        )  # fmt: skip
    for i in range(n):
        day = rng.randrange(POSTS)
        inside = rng.random() < 1 / 3
        offset = rng.random() * (WINDOW if inside else timedelta(hours=20)).total_seconds()
        at = START + timedelta(days=day, seconds=offset + (2 if inside else WINDOW.seconds + 2))
        reply = None
        if inside and rng.random() < 0.3:
            reply = f"post{day}" if rng.random() < 0.3 else f"m{rng.randrange(max(i, 1))}"
        yield MessagePosted(
            platform="bench", group="g1", event_id=f"m{i}", at=at, actor=rng.choice(people),
            text=f"消息{i}", reply_to=reply,
        )  # fmt: skip


def fill(n: int) -> int:
    """The store filled; the column's id (its posts recorded as posted)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from shequn.chat.ingest import ingest
    from shequn.community.actions import get_or_create_community
    from shequn.community.models import Group
    from shequn.playbook.models import Column, ColumnPost

    community = get_or_create_community("bench")
    community.time_zone = "Asia/Shanghai"
    community.save()
    ingest(sorted(events(n), key=lambda e: e.at), community)  # type: ignore[attr-defined]
    group = Group.objects.get(external_id="g1")
    column = Column.objects.create(group=group, name="晨报", schedule="0 8 * * *")
    for day in range(POSTS):
        at = START + timedelta(days=day)
        ColumnPost.objects.create(
            column=column, slot_at=at, sequence=day, status="posted", posted_at=at,
            text=f"【晨报】\n第{day + 1}期",
        )  # fmt: skip
    return column.pk


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL URL (its database is emptied)")
    args = parser.parse_args()
    store = open_store("shequn-columns-", args.pg)
    t0 = time.perf_counter()
    column_id = fill(args.messages)
    print(f"store filled in {time.perf_counter() - t0:.1f} s ({store}, {args.messages} messages)")
    from shequn.playbook.columns_summary import engagement, figures
    from shequn.playbook.models import Column, ColumnPost

    column = Column.objects.select_related("group").get(pk=column_id)
    for run in range(1, args.runs + 1):
        latest = ColumnPost.objects.select_related("column__group").latest("slot_at")
        t0 = time.perf_counter()
        found = figures(latest, 3)
        summary_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        turnout = engagement(column)
        turnout_s = time.perf_counter() - t0
        print(
            f"run {run}: summary {summary_s * 1000:.0f} ms ({found.messages} messages, "
            f"{len(found.speakers)} speakers, {found.replies} replies to the post); "
            f"engagement of {len(turnout)} posts {turnout_s * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
