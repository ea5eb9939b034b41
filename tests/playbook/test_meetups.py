"""Meetups (线下活动): sign-up by command and by 接龙, places and waitlist, cancel and
promotion, reminders at the community's local time, attendance → met_offline ties →
the group's exit-test figure, photos after the event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.analytics.frames import Window, load
from shequn.analytics.metrics.exit_test import exit_test
from shequn.chat.ingest import ingest
from shequn.community.models import Account, AuditLog, Community, Group, Link
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, MessageKind, MessagePosted, Send
from shequn.playbook.engine import Engine
from shequn.playbook.meetups import MeetupSignupRule
from shequn.playbook.meetups_actions import (
    MeetupError,
    create_meetup,
    photos,
    sign_up,
    take_attendance,
)
from shequn.playbook.models import Job, Meetup
from shequn.playbook.models import MeetupSignup as Signup
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM
from tests.playbook.test_columns_kit import START, Clock, clock, joined_at, run  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

ZONE = "Asia/Shanghai"
#: Saturday 2026-03-07 19:00 in Shanghai.
STARTS = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)


@pytest.fixture
def group(community: Community, clock: Clock) -> Group:  # noqa: F811
    """g1 of a community in Shanghai, members u1…u5, the meetup rule on."""
    community.time_zone = ZONE
    community.save()
    ingest([joined_at(i, f"u{i}") for i in range(1, 6)], community)
    found = Group.objects.get(community=community, external_id="g1")
    found.settings = {"meetups": {"enabled": True}}
    found.save()
    return found


@pytest.fixture
def engine(community: Community, group: Group) -> tuple[Engine, MemoryConnector]:
    memory = MemoryConnector(platform=PLATFORM)
    return Engine(community, [memory], rules=[MeetupSignupRule]), memory


def hike(group: Group, **values: Any) -> Meetup:
    fields = {"title": "周六徒步", "starts_at": STARTS, "place": "奥森南门", "capacity": 2,
              "remind_hours": [24, 2]}  # fmt: skip
    return create_meetup(group, {**fields, **values}, by="test")


N = iter(range(1000, 100000))


def says(
    who: str, text: str, kind: MessageKind = MessageKind.TEXT, at: datetime | None = None
) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{next(N)}", at=at or START,
        actor=Actor(id=who, name=f"成员{who}"), text=text, kind=kind,
    )  # fmt: skip


def handle(engine: tuple[Engine, MemoryConnector], *events: MessagePosted) -> None:
    asyncio.run(feed(engine[0], *events))


def state(meetup: Meetup) -> dict[str, str]:
    return {s.name: s.status for s in meetup.signups.order_by("position")}


def sent(memory: MemoryConnector) -> list[str]:
    return [a.text for a in memory.performed if isinstance(a, Send)]


def test_command_signup_waitlist_cancel_and_promotion(group: Group, engine: Any) -> None:
    meetup = hike(group)
    handle(engine, says("u1", "报名 周六徒步"), says("u2", "/signup 周六徒步"), says("u3", "报名"))
    handle(engine, says("u1", "报名 周六徒步"))  # twice: still one place
    assert state(meetup) == {"成员u1": "confirmed", "成员u2": "confirmed", "成员u3": "waiting"}
    run(engine[0])
    told = sent(engine[1])
    assert len(told) == 3
    assert "成员u3" in told[2] and "候补第 1 位" in told[2] and "成员u1 已报名" in told[0]

    handle(engine, says("u1", "取消报名 周六徒步"))
    assert state(meetup) == {"成员u1": "cancelled", "成员u2": "confirmed", "成员u3": "confirmed"}
    run(engine[0])
    assert any("成员u3" in t and "周六徒步" in t for t in sent(engine[1])[3:])
    actions = set(AuditLog.objects.filter(group=group).values_list("action", flat=True))
    assert {"MeetupSignedUp", "MeetupCancelled", "MeetupPromoted", "Send"} <= actions

    handle(engine, says("u1", "报名 周六徒步"))  # back, at the end of the line
    assert state(meetup)["成员u1"] == "waiting"


def test_not_commands(group: Group, engine: Any) -> None:
    meetup = hike(group)
    handle(engine, says("u1", "报名表在哪？"), says("u2", "我想报名"), says("u3", "1. 随便写写"))
    assert state(meetup) == {}
    handle(engine, says("u4", "报名 不存在的活动"))
    run(engine[0])
    assert state(meetup) == {} and any("不存在的活动" in t for t in sent(engine[1]))


def test_signup_by_jielong(group: Group, engine: Any) -> None:
    meetup = hike(group, capacity=3)
    chain = "#接龙 周六徒步 19:00\n1. 成员u1\n2. 成员u2 +1\n3. 外部朋友"
    handle(engine, says("u2", chain))
    assert state(meetup) == {"成员u1": "confirmed", "成员u2": "confirmed", "外部朋友": "confirmed"}
    accounts = dict(meetup.signups.values_list("name", "account__external_id"))
    assert accounts == {"成员u1": "u1", "成员u2": "u2", "外部朋友": None}
    handle(engine, says("u4", chain + "\n４．成员u4"))  # the next copy adds one line
    assert state(meetup)["成员u4"] == "waiting" and meetup.signups.count() == 4
    assert set(meetup.signups.values_list("via", flat=True)) == {"jielong"}
    performed = AuditLog.objects.filter(action="MeetupSignup", rule="meetups", outcome="performed")
    assert performed.count() == 2  # the engine audits each chain post it carried out
    handle(engine, says("u5", "#接龙 周日读书会\n1. 成员u5"))  # not this meetup's chain
    assert meetup.signups.count() == 4


def test_reminders_at_local_time(group: Group, engine: Any, clock: Clock) -> None:  # noqa: F811
    meetup = hike(group, remind_hours=[24, 12, 2])  # 24 hours before is past already
    sign_up(meetup, Account.objects.get(external_id="u1"), "", "console", tell=False)
    due = sorted(Job.objects.filter(kind="meetup_remind").values_list("due_at", flat=True))
    assert due == [STARTS - timedelta(hours=12), STARTS - timedelta(hours=2)]
    clock.set(STARTS - timedelta(hours=12, minutes=1))
    run(engine[0])
    assert sent(engine[1]) == []  # not yet
    clock.set(STARTS - timedelta(hours=12))
    run(engine[0])
    assert len(sent(engine[1])) == 1
    text = sent(engine[1])[0]
    assert (
        text.startswith("活动提醒")
        and "2026-03-07 19:00" in text
        and "奥森南门" in text
        and "成员u1" in text
    )
    clock.set(STARTS + timedelta(minutes=1))  # the 2-hour reminder was missed: too late now
    run(engine[0])
    assert len(sent(engine[1])) == 1


def test_attendance_makes_ties_and_the_exit_test_rises(group: Group) -> None:
    meetup = hike(group, capacity=4)
    ids = [sign_up(meetup, Account.objects.get(external_id=f"u{i}"), "", "console",
                   tell=False)[0].pk for i in (1, 2, 3, 4)]  # fmt: skip
    guest, _new = sign_up(meetup, None, "外部朋友", "console", tell=False)  # waiting: full
    window = Window(STARTS - timedelta(days=60), STARTS + timedelta(days=1))

    def figure() -> dict[str, Any]:
        return exit_test(load(group.pk, window)).value

    before = figure()
    assert before["members"] == 5 and before["tied_pairs"] == 0
    assert take_attendance(meetup, set(ids[:3]), user=None, by="test") == 3
    after = figure()
    assert after["tied_pairs"] == 3 and after["tied_share"] > before["tied_share"]
    assert set(Link.objects.values_list("dimension", flat=True)) == {"met_offline"}
    assert take_attendance(meetup, set(ids[:2]), user=None, by="test") == 1  # u3 did not come
    assert figure()["tied_pairs"] == 1
    with pytest.raises(MeetupError) as refused:
        take_attendance(meetup, {guest.pk}, user=None, by="test")
    assert refused.value.field == "attended" and Link.objects.count() == 1
    assert AuditLog.objects.filter(action="MeetupAttendance").count() == 2


def test_photos_after_the_event_are_counted(group: Group, engine: Any) -> None:
    meetup = hike(group)
    image = MessageKind.IMAGE
    handle(
        engine,
        says("u1", "", image, at=STARTS - timedelta(hours=1)),  # before: not the meetup's
        says("u1", "", image, at=STARTS + timedelta(hours=3)),
        says("u2", "", image, at=STARTS + timedelta(hours=20)),
        says("u2", "合影在哪", at=STARTS + timedelta(hours=20)),
        says("u3", "", image, at=STARTS + timedelta(hours=25)),  # more than a day after
    )
    assert photos(meetup) == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "title"),
        ({"starts_at": START - timedelta(hours=1)}, "starts_at"),
        ({"starts_at": datetime(2026, 3, 7, 19, 0)}, "starts_at"),  # naive
        ({"capacity": 0}, "capacity"),
        ({"place": ""}, "place"),
        ({"remind_hours": [0]}, "remind_hours"),
    ],
)
def test_bad_meetup_is_refused(group: Group, values: dict[str, Any], field: str) -> None:
    with pytest.raises(MeetupError) as refused:
        hike(group, **values)
    assert refused.value.field == field
    assert not Meetup.objects.exists() and not Job.objects.exists()


def test_same_title_twice_is_refused(group: Group) -> None:
    hike(group)
    with pytest.raises(MeetupError) as refused:
        hike(group, place="别处")
    assert refused.value.field == "title" and Meetup.objects.count() == 1
    assert Signup.objects.count() == 0


def test_rule_is_pure_and_reads_its_config() -> None:
    """Cancel before sign-up, bots and questions ignored; a blank command refused by name."""
    rule = MeetupSignupRule(MeetupSignupRule.Config.model_validate({"enabled": True}))
    texts = ["取消报名 周六徒步", "／SIGNUP 周六徒步", "报名表呢"]  # full-width slash, capitals
    said: list[Any] = [rule(says("u1", text), None) for text in texts]  # type: ignore[arg-type]
    assert [(a.cancel, a.meetup) for a in said[0]] == [(True, "周六徒步")]
    assert [(a.cancel, a.meetup) for a in said[1]] == [(False, "周六徒步")]
    assert said[2] == []
    bot = MessagePosted(
        platform=PLATFORM, group="g1", event_id="b1", at=START,
        actor=Actor(id="bot", name="bot", is_bot=True), text="报名",
    )  # fmt: skip
    assert rule(bot, None) == []  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="signup_commands"):
        MeetupSignupRule.Config.model_validate({"signup_commands": [" "]})
