"""The engine: rules in order, failures contained, every action in the audit log."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, ClassVar

import pytest

from shequn.community.models import AuditLog, Community, Group, Membership
from shequn.connectors.base import ConnectorError
from shequn.events import Action, Event, MemberJoined, Mute, Notify, Send, Warn
from shequn.playbook.engine import Engine
from shequn.playbook.rules import GroupState
from shequn.playbook.testing import feed
from shequn.playbook.welcome import Welcome
from tests.playbook.conftest import MakeEngine, audit_rows, joined
from tests.playbook.rule_kit import Boom, KitRule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

Outcome = AuditLog.Outcome


class Silence(KitRule):
    """Mutes every newcomer for an hour (a platform may not be able to)."""

    name: ClassVar[str] = "silence"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MemberJoined):
            return []
        return [
            Mute(
                platform=event.platform,
                group=event.group,
                reason=f"{state.member_count()} members; newcomers wait",
                member=event.member,
                duration=timedelta(hours=1),
            )
        ]


ON: dict[str, Any] = {"enabled": True}


def test_failing_rule_is_audited_and_next_rule_runs(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"boom": ON, "welcome": ON}, rules=(Boom, Welcome))
    performed = asyncio.run(feed(engine, joined(1, "u1"), joined(2, "u2")))
    assert [type(a) for a in performed] == [Send, Send]
    rows = audit_rows(community)
    assert [(r.rule, r.action, r.outcome) for r in rows] == [
        ("boom", "rule", Outcome.FAILED),
        ("welcome", "Send", Outcome.PERFORMED),
        ("boom", "rule", Outcome.FAILED),
        ("welcome", "Send", Outcome.PERFORMED),
    ]
    assert rows[0].details["error"]["message"] == "boom"
    assert rows[0].target == "j1"


def test_bad_config_fails_only_that_rule(make_engine: MakeEngine, community: Community) -> None:
    settings = {"welcome": {"enabled": True, "dry_run": "not a bool"}, "silence": ON}
    engine, _memory = make_engine(settings, rules=(Welcome, Silence))
    performed = asyncio.run(feed(engine, joined(1, "u1")))
    assert [type(a) for a in performed] == [Mute]
    assert [(r.rule, r.outcome) for r in audit_rows(community)] == [
        ("welcome", Outcome.FAILED),
        ("silence", Outcome.PERFORMED),
    ]


def test_unsupported_action_becomes_notify(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine({"silence": ON}, rules=(Silence,), capabilities={"Send", "Notify"})
    performed = asyncio.run(feed(engine, joined(1, "u1")))
    (notice,) = performed
    assert isinstance(notice, Notify)
    assert notice.rule == "silence"
    assert "Mute" in notice.text
    assert memory.performed == [notice]
    mute, notify = audit_rows(community)
    assert (mute.action, mute.rule, mute.outcome) == ("Mute", "silence", Outcome.FAILED)
    assert mute.details["error"]["type"] == "Unsupported"
    assert mute.target == "u1"
    assert (notify.action, notify.rule, notify.outcome) == ("Notify", "silence", Outcome.PERFORMED)


def test_unsupported_notify_is_left_in_the_audit_log(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"silence": ON}, rules=(Silence,), capabilities={"Send"})
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []
    mute, notify = audit_rows(community)
    assert mute.outcome == Outcome.FAILED
    assert (notify.action, notify.outcome, notify.details["via"]) == (
        "Notify",
        "performed",
        "audit",
    )


def test_connector_error_is_audited_and_engine_goes_on(
    make_engine: MakeEngine, community: Community
) -> None:
    refused = ConnectorError("rate limited")
    engine, memory = make_engine({"welcome": ON}, fail={"Send": refused})
    assert asyncio.run(feed(engine, joined(1, "u1"), joined(2, "u2"))) == []
    rows = audit_rows(community)
    assert [(r.action, r.outcome) for r in rows] == [("Send", Outcome.FAILED)] * 2
    assert rows[0].details["error"] == {
        "type": "ConnectorError",
        "message": "rate limited",
        "permanent": False,
    }
    # A greeting that failed is not remembered: the next join event of u1 tries again.
    memory.fail.clear()
    assert len(asyncio.run(feed(engine, joined(3, "u1")))) == 1
    assert asyncio.run(feed(engine, joined(4, "u1"))) == []


def test_missing_connector_is_a_failure(community: Community, make_engine: MakeEngine) -> None:
    make_engine({"welcome": ON})
    engine = Engine(community, {})
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []
    (row,) = audit_rows(community)
    assert row.outcome == Outcome.FAILED
    assert "no connector" in row.details["error"]["message"]


def test_every_action_is_audited_with_its_rule(
    make_engine: MakeEngine, community: Community
) -> None:
    settings = {"welcome": ON, "silence": ON, "boom": ON}
    engine, _memory = make_engine(settings, rules=(Welcome, Boom, Silence))
    events = [joined(n, f"u{n}") for n in range(1, 4)]
    performed = asyncio.run(feed(engine, *events))
    rows = [r for r in audit_rows(community) if r.action != "rule"]
    assert len(rows) == len(performed) == 6
    assert [(r.rule, r.action) for r in rows[:2]] == [("welcome", "Send"), ("silence", "Mute")]
    assert all(r.reason and r.group is not None for r in rows)
    assert rows[1].details["action"]["duration"] == 3600.0
    assert [a.rule for a in performed] == ["welcome", "silence"] * 3


def test_events_are_stored(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine({})
    asyncio.run(feed(engine, joined(1, "u1"), joined(2, "u2")))
    assert Membership.objects.filter(group__community=community).count() == 2


def test_a_changed_rule_setting_applies_to_the_next_event(
    make_engine: MakeEngine, community: Community
) -> None:
    """Rules are kept built per settings, but a change on the dashboard is seen at once."""
    engine, memory = make_engine({"welcome": {"enabled": True, "template": "你好 {name}"}})
    asyncio.run(feed(engine, joined(1, "u1"), joined(2, "u2")))
    Group.objects.filter(community=community).update(
        settings={"welcome": {"enabled": True, "template": "欢迎 {name}"}}
    )
    asyncio.run(feed(engine, joined(3, "u3")))
    Group.objects.filter(community=community).update(settings={"welcome": {"enabled": False}})
    asyncio.run(feed(engine, joined(4, "u4")))
    texts = [a.text for a in memory.performed if isinstance(a, Send)]
    assert texts == ["你好 成员u1", "你好 成员u2", "欢迎 成员u3"]


class Caution(KitRule):
    """Warns every newcomer (a platform may not be able to reach a member directly)."""

    name: ClassVar[str] = "caution"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MemberJoined):
            return []
        text = "请先阅读群规，谢谢配合。"
        return [
            Warn(
                platform=event.platform,
                group=event.group,
                reason="新人",
                member=event.member,
                text=text,
            )
        ]


def test_an_undeliverable_warning_reaches_the_operators_word_for_word(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"caution": ON}, rules=(Caution,), capabilities={"Notify"})
    (notice,) = asyncio.run(feed(engine, joined(1, "u1")))
    assert isinstance(notice, Notify)
    assert notice.text.startswith("caution wanted Warn")
    assert notice.text.endswith("\n请先阅读群规，谢谢配合。")
