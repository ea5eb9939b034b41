"""Replay gives the decisions live gave, from the store, writing nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from shequn.chat.models import Message
from shequn.community.actions import set_member_role
from shequn.community.models import Account, AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.demo.generator import build
from shequn.demo.world import local
from shequn.events import Event, JoinHow, LeaveHow, MemberJoined, MessagePosted, Send
from shequn.playbook.engine import DEFAULT_RULES, Engine
from shequn.playbook.models import Greeting
from shequn.playbook.moderation.rule import Moderation
from shequn.playbook.replay import RecordingConnector, replay
from shequn.playbook.replay_recorder import Decision
from shequn.playbook.rules import RuleType
from shequn.playbook.testing import feed
from shequn.playbook.welcome import Welcome
from tests.playbook.conftest import PLATFORM, T0, joined, left
from tests.playbook.rule_kit import Boom
from tests.playbook.test_memory_state import said

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

Key = tuple[str, str, str, str]
#: Every rule family there is, switched on in these tests (moderation, until it is a default).
EVERY_RULE: tuple[RuleType, ...] = DEFAULT_RULES + tuple(
    rule for rule in (Moderation,) if rule not in DEFAULT_RULES
)
FANS, SOCIAL = "demo-fans@chatroom", "demo-social@chatroom"


def every_rule_on() -> dict[str, Any]:
    """Every rule family, switched on with its defaults."""
    return {rule.name: {"enabled": True} for rule in EVERY_RULE}


def live_decisions(community: Community, group: Group) -> list[Key]:
    """What the live engine decided in ``group``, from the audit log, oldest first."""
    rows = AuditLog.objects.filter(community=community, group=group).order_by("pk")
    # The points ledger audits each line it writes beside the Award that wrote it: a
    # consequence in the store, which a replay (storing nothing) has no reason to show.
    return [
        (r.rule, r.action, r.target, r.reason) for r in rows if r.action not in ("rule", "points")
    ]


def replayed(decisions: Sequence[Decision]) -> list[Key]:
    return [(d.rule, d.action, d.member_id, d.reason) for d in decisions if d.action != "rule"]


def run_live(
    community: Community,
    settings: dict[str, dict[str, Any]],
    events: list[Event],
    platform: str,
    rules: Sequence[RuleType] = DEFAULT_RULES,
) -> None:
    """Create the groups with their settings, then feed the events through the live engine."""
    for key, section in settings.items():
        Group.objects.create(
            community=community, platform=platform, external_id=key, name=key, settings=section
        )
    engine = Engine(community, [MemoryConnector(platform=platform)], rules=rules)
    asyncio.run(feed(engine, *events))


def test_replay_of_the_demo_gives_the_live_decisions(community: Community) -> None:
    cut = local(date(2026, 7, 12), 8 * 3600)  # 2026-07-12 00:00 UTC in the story
    events = [e for e in build().events if e.group in (FANS, SOCIAL) and e.at < cut]
    on = every_rule_on()
    run_live(community, {FANS: on, SOCIAL: on}, events, "wechat", rules=EVERY_RULE)
    stored = (AuditLog.objects.count(), Message.objects.count(), Greeting.objects.count())
    kinds: set[tuple[str, str]] = set()
    for key in (FANS, SOCIAL):
        group = Group.objects.get(external_id=key)
        live = live_decisions(community, group)
        result = replay(group, group.settings, rules=EVERY_RULE, keep=True)
        assert replayed(result.decisions) == live, key
        assert result.events["messages"] == Message.objects.filter(group=group).count()
        kinds |= {row[:2] for row in live}
    # The first advertiser the generator planted is caught, live and replayed.
    assert {("welcome", "Send"), ("moderation", "Delete"), ("moderation", "Warn")} <= kinds
    assert (AuditLog.objects.count(), Message.objects.count(), Greeting.objects.count()) == stored


def test_hand_made_history_in_two_groups_replays_as_lived(community: Community) -> None:
    events: list[Event] = [
        joined(1, "u1", group="g1"),
        joined(2, "u1", group="g2"),
        said(3, "u1", group="g1"),
        joined(4, "u2", group="g2"),
        left(5, "u1", group="g1"),
        said(6, "u2", "大家好", group="g2"),
        joined(7, "u1", group="g1"),  # back in g1: greeted once already
        left(8, "u2", group="g2"),
        joined(9, "u2", group="g2"),  # back in g2: welcome there is dry-run, so greeted again
        joined(10, "bot", bot=True, group="g1"),
    ]
    settings: dict[str, dict[str, Any]] = {
        "g1": {"welcome": {"enabled": True, "template": "欢迎 {name}"}},
        "g2": {"welcome": {"enabled": True, "dry_run": True}},
    }
    run_live(community, settings, events, PLATFORM)
    for key, expected in (("g1", 1), ("g2", 3)):
        group = Group.objects.get(external_id=key)
        live = live_decisions(community, group)
        result = replay(group, group.settings, keep=True)
        assert replayed(result.decisions) == live
        assert len(live) == expected
    g2 = replay(Group.objects.get(external_id="g2"), settings["g2"])
    assert g2.counts == {("welcome", "Send", "dry_run"): 3}


def test_moderation_ladder_blacklist_and_cross_group_replay_as_lived(
    community: Community,
) -> None:
    ad = "加微信 vx_12345 兼职日赚300"
    shared = "看看这个资料 example.com/page 很有用"
    events: list[Event] = [
        joined(1, "u1", group="g1"),
        joined(2, "ad", group="g1"),
        said(3, "u3", "大家好", group="g1"),
        said(4, "ad", ad, group="g1"),  # warn
        said(5, "u3", "我也在", group="g2"),
        said(6, "ad", ad + "!", group="g1"),  # mute
        said(7, "ad", ad + "!!", group="g1"),  # remove
        replace(left(7, "ad", group="g1"), how=LeaveHow.REMOVED),  # the platform reports it
        said(8, "ad", ad, group="g2"),  # first word in g2: blacklisted
        said(11, "u3", shared, group="g1"),  # one link: not enough
        said(12, "u3", shared, group="g2"),  # the same text in another group: an ad
        said(13, "u1", "1", group="g1"),
        replace(said(14, "u1", "2", group="g1"), at=T0 + timedelta(minutes=13, seconds=10)),
        replace(said(15, "u1", "3", group="g1"), at=T0 + timedelta(minutes=13, seconds=20)),
        joined(16, "ad", group="g1"),  # back: blacklisted
    ]
    moderation = {"enabled": True, "newcomer_hours": 0, "flood_messages": 3}
    on = {"welcome": {"enabled": True}, "moderation": moderation}
    run_live(community, {"g1": on, "g2": on}, events, PLATFORM, rules=EVERY_RULE)
    found: dict[str, list[Key]] = {}
    for key in ("g1", "g2"):
        group = Group.objects.get(external_id=key)
        live = live_decisions(community, group)
        assert replayed(replay(group, on, rules=EVERY_RULE, keep=True).decisions) == live
        found[key] = [row for row in live if row[1] not in ("Delete", "Send")]
    assert [(action, who, reason.split(":")[0]) for _rule, action, who, reason in found["g1"]] == [
        ("Warn", "ad", "ad"),
        ("Mute", "ad", "ad"),
        ("Remove", "ad", "ad"),
        ("Warn", "u1", "flood"),
        ("Remove", "ad", "blacklisted"),
    ]
    assert [(action, who) for _rule, action, who, _reason in found["g2"]] == [
        ("Remove", "ad"),
        ("Warn", "u3"),
    ]
    assert "cross_group" in found["g2"][1][3]


def test_since_rebuilds_earlier_state_silently_and_until_stops(community: Community) -> None:
    events = [joined(1, "u1"), left(2, "u1"), joined(5, "u1"), joined(6, "u2"), joined(9, "u3")]
    settings = {"welcome": {"enabled": True}}
    run_live(community, {"g1": settings}, events, PLATFORM)
    group = Group.objects.get(external_id="g1")
    since, until = T0 + timedelta(minutes=4), T0 + timedelta(minutes=8)
    result = replay(group, settings, since=since, until=until, keep=True)
    # u1 was greeted before the window (not reported, but remembered); u3 came after it.
    assert [(d.action, d.member_id) for d in result.decisions] == [("Send", "u2")]
    assert result.events == {"joins": 2}
    assert result.replayed == 4
    assert set(result.members) == {"u2"}


def test_replay_settings_need_not_be_the_stored_ones(community: Community) -> None:
    run_live(community, {"g1": {}}, [joined(1, "u1"), said(2, "u1", "hi")], PLATFORM)
    group = Group.objects.get(external_id="g1")
    assert AuditLog.objects.count() == 0  # nothing was on live
    result = replay(
        group, {"welcome": {"enabled": True, "template": "欢迎 {name} 来到 {group}"}}, keep=True
    )
    (decision,) = result.decisions
    assert (decision.rule, decision.action, decision.outcome) == ("welcome", "Send", "performed")
    assert (decision.member_id, decision.member_name) == ("u1", "成员u1")
    assert decision.text == "欢迎 成员u1 来到 g1"
    assert decision.message == ""
    assert result.examples[("welcome", "Send")] == [decision]


def test_exempt_roles_spare_the_group_owner(community: Community) -> None:
    run_live(community, {"g1": {}}, [joined(1, "boss"), joined(2, "u2")], PLATFORM)
    group = Group.objects.get(external_id="g1")
    set_member_role(group, Account.objects.get(external_id="boss"), "owner", "test")
    on = {"welcome": {"enabled": True, "exempt_roles": ["owner"]}}
    result = replay(group, on, keep=True)
    assert [d.member_id for d in result.decisions] == ["u2"]


def test_a_failing_rule_is_counted_not_audited(community: Community) -> None:
    events = [joined(1, "u1"), said(2, "u1", "在吗")]
    run_live(community, {"g1": {}}, events, PLATFORM)
    group = Group.objects.get(external_id="g1")
    on = {"boom": {"enabled": True}, "welcome": {"enabled": True}}
    result = replay(group, on, rules=(Boom, Welcome), keep=True)
    assert result.counts == {("boom", "rule", "failed"): 2, ("welcome", "Send", "performed"): 1}
    failed = result.decisions[0]
    assert (failed.member_id, failed.author_id, failed.reason) == ("", "u1", "RuntimeError: boom")
    assert result.decisions[2].message == "在吗"
    assert AuditLog.objects.count() == 0


def test_messages_come_back_as_they_were_stored(community: Community) -> None:
    seen: list[Event] = []

    class Spy(Welcome):
        name = "spy"

        def __call__(self, event: Event, state: Any) -> list[Any]:
            seen.append(event)
            return []

    at = T0 + timedelta(minutes=2)
    events: list[Event] = [
        joined(1, "u1", "小王"),
        said(2, "u1", "第一条"),
        replace(said(3, "u2", "同一时刻"), at=at),
        left(2, "u1"),  # at the same instant: after the messages
    ]
    run_live(community, {"g1": {}}, events, PLATFORM)
    replay(Group.objects.get(external_id="g1"), {"spy": {"enabled": True}}, rules=(Spy,))
    assert [(type(e).__name__, e.event_id) for e in seen] == [
        ("MemberJoined", "j1"),
        ("MessagePosted", "m2"),
        ("MessagePosted", "m3"),
        ("MemberLeft", "l2"),
    ]
    join, message = seen[0], seen[1]
    assert isinstance(join, MemberJoined)
    assert (join.member.id, join.member.name, join.how) == ("u1", "小王", JoinHow.LINK)
    assert isinstance(message, MessagePosted)
    assert message.actor is not None
    assert (message.text, message.actor.id, message.at, message.group) == ("第一条", "u1", at, "g1")


def test_recording_connector_claims_everything_and_records() -> None:
    connector = RecordingConnector("wechat")
    send = Send(platform="wechat", group="g", text="hi")
    assert connector.can(send)
    asyncio.run(connector.perform(send))
    assert connector.performed == [send]
