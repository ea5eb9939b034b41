"""The live check-in rule: once per community day, the streak reply, photos, points, replay."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shequn.community.models import AuditLog, Community, Group, PointsEntry
from shequn.community.points_actions import balance
from shequn.events import Actor, Award, Event, MessageKind, MessagePosted, Reply, Send
from shequn.playbook.checkin_jobs import (
    KIND,
    leaderboard_text,
    post_leaderboard,
    rank,
    schedule_leaderboard,
)
from shequn.playbook.checkin_rule import CheckinRule
from shequn.playbook.engine import Planned
from shequn.playbook.models import Job
from shequn.playbook.points import InvitePoints
from shequn.playbook.replay import replay
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, MakeEngine
from tests.playbook.test_replay import live_decisions, replayed, run_live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

RULES = (CheckinRule,)
#: 2026-03-01 00:00 in Beijing is 2026-02-28 16:00 UTC.
BJ_MIDNIGHT = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)


def post(
    n: int, who: str, text: str, at: datetime, kind: MessageKind = MessageKind.TEXT
) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{n}", at=at,
        actor=Actor(id=who, name=f"成员{who}"), text=text, kind=kind,
    )  # fmt: skip


def on(**fields: Any) -> dict[str, Any]:
    return {"checkin": {"enabled": True, **fields}}


def replies(actions: list[Any]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Reply)]


@pytest.fixture(autouse=True)
def shanghai(community: Community) -> None:
    community.time_zone = "Asia/Shanghai"
    community.save()


def test_once_per_community_day_across_the_shanghai_midnight(make_engine: MakeEngine) -> None:
    engine, _ = make_engine(on(reply_template="{streak}/{longest}/{month}"), rules=RULES)
    events = [
        post(1, "u1", "打卡", BJ_MIDNIGHT - timedelta(minutes=30)),  # 23:30 on Feb 28
        post(2, "u1", "签到", BJ_MIDNIGHT - timedelta(minutes=10)),  # same day: no answer
        post(3, "u1", "/checkin", BJ_MIDNIGHT + timedelta(minutes=30)),  # 00:30 on Mar 1
        post(4, "u1", "打卡", BJ_MIDNIGHT + timedelta(hours=7)),  # Mar 1 again
    ]
    performed = asyncio.run(feed(engine, *events))
    # One UTC day, two community days; the new day starts a new month too.
    assert replies(performed) == ["1/1/1", "2/2/1"]
    assert [a.message_id for a in performed if isinstance(a, Reply)] == ["m1", "m3"]


def test_streak_reply_text(make_engine: MakeEngine) -> None:
    template = "{name}|{streak}|{longest}|{month}|{total}|{points}"
    engine, _ = make_engine(on(reply_template=template, points_per_checkin=2), rules=RULES)
    noon = BJ_MIDNIGHT + timedelta(hours=12)
    days = [0, 1, 2, 4, 5]  # Mar 1-3, then a gap, then Mar 5-6
    events = [post(i, "u1", "今日打卡✅", noon + timedelta(days=d)) for i, d in enumerate(days)]
    events.append(post(9, "u1", "打卡这个功能怎么用？", noon + timedelta(days=6)))  # a question
    texts = replies(asyncio.run(feed(engine, *events)))
    assert texts[-1] == "成员u1|2|3|5|5|2"
    assert texts[0] == "成员u1|1|1|1|1|2"
    Group.objects.filter(external_id="g1").update(settings=on())
    texts = replies(asyncio.run(feed(engine, post(20, "u2", "签到", noon + timedelta(days=6)))))
    assert texts == ["成员u2 打卡成功！已连续打卡 1 天，最长连续 1 天，本月第 1 次。"]


def test_a_photo_with_the_keyword_checks_in(make_engine: MakeEngine) -> None:
    engine, _ = make_engine(on(), rules=RULES)
    at = BJ_MIDNIGHT + timedelta(hours=8)
    events = [
        post(1, "u1", "晨跑打卡", at, MessageKind.IMAGE),
        post(2, "u2", "", at, MessageKind.IMAGE),  # a photo alone is not a check-in
        post(3, "u3", "打卡", at, MessageKind.VOICE),
    ]
    performed = asyncio.run(feed(engine, *events))
    assert [a.message_id for a in performed if isinstance(a, Reply)] == ["m1"]
    group = Group.objects.get(external_id="g1")
    Group.objects.filter(pk=group.pk).update(settings=on(photo_with_keyword=False))
    later = post(4, "u4", "晨跑打卡", at, MessageKind.IMAGE)
    assert asyncio.run(feed(engine, later)) == []


def test_points_within_the_daily_cap_and_never_twice(make_engine: MakeEngine) -> None:
    settings = {**on(points_per_checkin=3, daily_cap=4), "invite_points": {"enabled": True}}
    engine, _ = make_engine(settings, rules=(CheckinRule, InvitePoints))
    at = BJ_MIDNIGHT + timedelta(hours=9)
    first = post(1, "u1", "打卡", at)
    asyncio.run(feed(engine, first, first))  # the same event twice
    asyncio.run(feed(engine, post(2, "u1", "打卡", at + timedelta(days=1))))
    entries = PointsEntry.objects.order_by("created_at", "pk")
    assert [(e.points, e.source) for e in entries] == [(3, "g1:m1"), (3, "g1:m2")]
    person = entries[0].person
    assert balance(person) == 6
    # An award of the same source again (a replay carried out, a retry) adds nothing.
    group = Group.objects.get(external_id="g1")
    award = Award(
        platform=PLATFORM, group="g1", rule="checkin", member=Actor(id="u1", name=""),
        points=3, source="g1:m2",
    )  # fmt: skip
    asyncio.run(engine.carry_out(group, Planned("checkin", award, False, "m2")))
    # Another award the same day: only what the cap leaves (4 - 3 = 1).
    extra = Award(
        platform=PLATFORM, group="g1", rule="bonus", member=Actor(id="u1", name=""),
        points=5, source="x1", at=at + timedelta(days=1, hours=3),
    )  # fmt: skip
    asyncio.run(engine.carry_out(group, Planned("bonus", extra, False, "x1")))
    assert balance(person) == 7
    assert PointsEntry.objects.get(source="x1").points == 1
    assert AuditLog.objects.filter(action="points").count() == 3


def test_leaderboard_content_and_job(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine(on(leaderboard_at="21:00", leaderboard_top=2), rules=RULES)
    noon = BJ_MIDNIGHT + timedelta(hours=12)
    plan = {"u1": [0, 1, 2], "u2": [1, 2], "u3": [0, 2], "u4": []}
    events: list[Event] = []
    for who, days in plan.items():
        for d in days:
            events.append(post(len(events) + 1, who, "打卡", noon + timedelta(days=d)))
    events.append(post(99, "u4", "大家好", noon))
    asyncio.run(feed(engine, *events))
    group = Group.objects.get(external_id="g1")
    # Top 2: u3 ties with u2 but the board stops at two lines (names break ties).
    assert leaderboard_text(group, date(2026, 3, 3)).splitlines() == [
        "2026-03 打卡榜",
        "1. 成员u1 本月打卡 3 天（连续 3 天）",
        "2. 成员u2 本月打卡 2 天（连续 2 天）",
    ]
    assert leaderboard_text(group, date(2026, 4, 1)) == ""  # a new month, nobody yet
    job = schedule_leaderboard(group, noon + timedelta(days=2))
    assert job is not None and job.kind == KIND and job.payload == {"day": "2026-03-03"}
    assert job.due_at == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 21:00 in Beijing
    before = len(memory.performed)
    asyncio.run(post_leaderboard(job, lambda c: engine))
    sent = [a for a in memory.performed[before:] if isinstance(a, Send)]
    assert len(sent) == 1 and sent[0].text.startswith("2026-03 打卡榜\n1. 成员u1")
    assert AuditLog.objects.filter(action="Send", rule="checkin").count() == 1
    # The next post is planned (from now: no backlog of stale boards after downtime).
    assert Job.objects.filter(kind=KIND, state=Job.State.PENDING).exclude(pk=job.pk).count() == 1


def test_leaderboard_by_points(make_engine: MakeEngine) -> None:
    engine, _ = make_engine(on(leaderboard_by="points", points_per_checkin=2), rules=RULES)
    now = datetime.now(UTC)
    asyncio.run(feed(engine, post(1, "u1", "打卡", now), post(2, "u2", "签到", now)))
    group = Group.objects.get(external_id="g1")
    local = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    text = leaderboard_text(group, local)
    assert text.splitlines()[1:] == ["1. 成员u1 2 分", "1. 成员u2 2 分"]


def test_rank_shares_places() -> None:
    scores = {"a": 3, "b": 2, "c": 2, "d": 1, "e": 0}
    assert rank(scores, 10) == [(1, "a", 3), (2, "b", 2), (2, "c", 2), (4, "d", 1)]
    assert rank(scores, 2) == [(1, "a", 3), (2, "b", 2)]


def test_replay_gives_the_live_check_in_decisions(community: Community) -> None:
    noon = BJ_MIDNIGHT + timedelta(hours=12)
    events: list[Event] = []
    for day in range(4):
        for who in ("u1", "u2"):
            if who == "u2" and day == 1:
                continue
            at = noon + timedelta(days=day, minutes=len(events))
            events.append(post(len(events) + 1, who, f"打卡 第{day + 1}天", at))
            events.append(post(len(events) + 1, who, "签到", at + timedelta(hours=1)))
    events.append(post(100, "u3", "晨跑打卡", noon + timedelta(days=5), MessageKind.IMAGE))
    settings = {"g1": {**on(), "invite_points": {"enabled": True}}}
    run_live(community, settings, events, PLATFORM, rules=(CheckinRule, InvitePoints))
    group = Group.objects.get(external_id="g1")
    # The ledger's own audit lines ("points") are the store's work, not the rules' decisions.
    live = [row for row in live_decisions(community, group) if row[1] != "points"]
    result = replay(group, group.settings, rules=(CheckinRule, InvitePoints), keep=True)
    assert replayed(result.decisions) == live
    assert sum(1 for row in live if row[1] == "Reply") == 8  # 4 + 3 + 1


def test_check_ins_before_the_rule_was_on_count_towards_the_streak(
    make_engine: MakeEngine,
) -> None:
    engine, _ = make_engine({"checkin": {"enabled": False}}, rules=RULES)
    noon = BJ_MIDNIGHT + timedelta(hours=12)
    history = [post(i, "u1", "打卡", noon + timedelta(days=i)) for i in range(3)]
    assert asyncio.run(feed(engine, *history)) == []  # stored, not answered
    Group.objects.filter(external_id="g1").update(settings=on(reply_template="{streak}/{total}"))
    today = post(7, "u1", "#打卡 跑步5公里", noon + timedelta(days=3))
    assert replies(asyncio.run(feed(engine, today))) == ["4/4"]
