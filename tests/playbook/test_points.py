"""The points ledger: invite points, taken back when the invitee leaves soon; once per source."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from shequn.community.models import Community, Group, Person, PointsEntry
from shequn.community.points_actions import award, balance, take_back
from shequn.events import Actor, Event, JoinHow, MemberJoined, MemberLeft
from shequn.playbook.points import InvitePoints
from shequn.playbook.replay import replay
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, MakeEngine
from tests.playbook.test_replay import live_decisions, replayed, run_live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

INVITER = Actor(id="inv", name="邀请人")
RULES = (InvitePoints,)


def invited(n: int, who: str, at_days: float) -> MemberJoined:
    member = Actor(id=who, name=f"成员{who}")
    return MemberJoined(
        platform=PLATFORM, group="g1", group_name="测试群", event_id=f"j{n}",
        at=T0 + timedelta(days=at_days), actor=INVITER, member=member,
        how=JoinHow.INVITE, inviter=INVITER,
    )  # fmt: skip


def gone(n: int, who: str, at_days: float) -> MemberLeft:
    member = Actor(id=who, name=f"成员{who}")
    return MemberLeft(
        platform=PLATFORM, group="g1", event_id=f"l{n}", at=T0 + timedelta(days=at_days),
        actor=member, member=member,
    )  # fmt: skip


def on(**fields: Any) -> dict[str, Any]:
    return {"invite_points": {"enabled": True, "invite_points": 5, "claw_back_days": 3, **fields}}


def ledger() -> list[tuple[int, str]]:
    return [(e.points, e.source) for e in PointsEntry.objects.order_by("created_at", "pk")]


def inviter_person() -> Person:
    return Person.objects.get(accounts__external_id=INVITER.id)


def test_invite_points_taken_back_when_the_invitee_leaves_soon(make_engine: MakeEngine) -> None:
    engine, _ = make_engine(on(), rules=RULES)
    events = [
        invited(1, "a", 0),
        invited(2, "b", 0.5),
        gone(3, "a", 2),  # within 3 days: taken back
        gone(4, "b", 10),  # later: kept
        gone(5, "a", 2.5),  # left twice: nothing more
    ]
    asyncio.run(feed(engine, *events))
    assert ledger() == [(5, "invite:a"), (5, "invite:b"), (-5, "invite:a:left")]
    assert balance(inviter_person()) == 5


def test_a_rejoin_earns_nothing_more_and_an_unrewarded_invite_is_not_taken_back(
    make_engine: MakeEngine,
) -> None:
    engine, _ = make_engine(on(enabled=False), rules=RULES)
    asyncio.run(feed(engine, invited(1, "a", 0)))  # the rule was off: no reward
    Group.objects.filter(external_id="g1").update(settings=on())
    asyncio.run(feed(engine, gone(2, "a", 1)))
    assert ledger() == []  # nothing to take back (the Award was decided, the ledger said no)
    asyncio.run(feed(engine, invited(3, "a", 20), gone(4, "a", 30), invited(5, "a", 40)))
    assert ledger() == [(5, "invite:a")]  # once per invitee, however often they come back


def test_ledger_writes_once_per_source(community: Community) -> None:
    person = Person.objects.create(community=community, number=1, display_name="甲")
    first = award(person, 3, rule="r", source="e1")
    assert first is not None and first.points == 3
    assert award(person, 3, rule="r", source="e1") is None
    assert award(person, 3, rule="other", source="e1") is not None  # another rule's source
    assert take_back(person, rule="r", source="e1:back", earlier="e1") is not None
    assert take_back(person, rule="r", source="e1:back", earlier="e1") is None
    assert take_back(person, rule="r", source="e9:back", earlier="e9") is None
    assert balance(person) == 3
    with pytest.raises(ValueError, match="source"):
        award(person, 1, rule="r", source="")


def test_daily_cap_counts_the_community_day(community: Community) -> None:
    person = Person.objects.create(community=community, number=1, display_name="甲")
    late = T0.replace(hour=15, minute=30)  # 23:30 in Beijing
    assert award(person, 4, rule="r", source="a", cap=5, zone="Asia/Shanghai", at=late)
    capped = award(person, 4, rule="r", source="b", cap=5, zone="Asia/Shanghai", at=late)
    assert capped is not None and capped.points == 1
    full = award(person, 4, rule="r", source="c", cap=5, zone="Asia/Shanghai", at=late)
    assert full is not None and full.points == 0  # written, so "c" never earns later
    next_day = late + timedelta(hours=1)  # 00:30 in Beijing, same UTC day
    fresh = award(person, 4, rule="r", source="d", cap=5, zone="Asia/Shanghai", at=next_day)
    assert fresh is not None and fresh.points == 4


def test_replay_gives_the_live_invite_decisions(community: Community) -> None:
    events: list[Event] = [invited(1, "a", 0), invited(2, "b", 1), gone(3, "a", 2), gone(4, "b", 9)]
    run_live(community, {"g1": on()}, events, PLATFORM, rules=RULES)
    group = Group.objects.get(external_id="g1")
    live = [row for row in live_decisions(community, group) if row[1] != "points"]
    result = replay(group, group.settings, rules=RULES, keep=True)
    assert replayed(result.decisions) == live
    assert [row[1:3] for row in live] == [("Award", "inv"), ("Award", "inv"), ("Award", "inv")]
