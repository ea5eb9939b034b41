"""The welcome rule, alone (pure) and through the engine (store, audit, connector)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from shequn.community.models import AuditLog, Community
from shequn.events import Actor, MessagePosted, Send
from shequn.playbook.models import Greeting
from shequn.playbook.testing import feed
from shequn.playbook.welcome import DEFAULT_TEMPLATE, Welcome, WelcomeConfig
from tests.playbook.conftest import T0, MakeEngine, audit_rows, joined, left

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

TEMPLATE = "欢迎 {name} 来到{group}！请按格式自我介绍。"


class State:
    """A GroupState by hand, for testing the rule without the engine."""

    name = "测试群"
    kind = "social"
    settings: Mapping[str, Any] = {}

    def __init__(self, greeted: set[str] | None = None) -> None:
        self._greeted = greeted or set()

    def member_count(self) -> int:
        return 3

    def greeted(self, member_id: str) -> bool:
        return member_id in self._greeted

    def display_name(self, member_id: str) -> str:
        return "档案名"


def welcome(**config: Any) -> Welcome:
    return Welcome(WelcomeConfig(enabled=True, **config))


# --- the rule alone ---------------------------------------------------------------


def test_rule_greets_by_name_with_template() -> None:
    actions = welcome(template=TEMPLATE)(joined(1, "u1", "小王"), State())
    assert actions == [
        Send(
            platform="test",
            group="g1",
            rule="welcome",
            reason="小王 joined",
            text="欢迎 小王 来到测试群！请按格式自我介绍。",
        )
    ]


def test_rule_default_template_is_the_intro_format() -> None:
    (action,) = welcome()(joined(1, "u1", "小王"), State())
    assert isinstance(action, Send)
    assert action.text == DEFAULT_TEMPLATE.format(name="小王")
    assert "需要资源：" in action.text


def test_rule_skips_bots_greeted_members_and_other_events() -> None:
    rule = welcome()
    assert rule(joined(1, "bot", bot=True), State()) == []
    assert rule(joined(1, "u1"), State(greeted={"u1"})) == []
    message = MessagePosted(
        platform="test", group="g1", event_id="m1", at=T0, actor=Actor(id="u1"), text="hi"
    )
    assert rule(message, State()) == []


def test_rule_falls_back_to_stored_name_and_keeps_a_broken_template() -> None:
    nameless = joined(1, "u1")
    nameless = type(nameless)(**{**_fields(nameless), "member": Actor(id="u1")})
    (action,) = welcome(template="hi {name} {oops}")(nameless, State())
    assert isinstance(action, Send)
    assert action.text == "hi {name} {oops}"
    (action,) = welcome(template="hi {name}")(nameless, State())
    assert isinstance(action, Send)
    assert action.text == "hi 档案名"


def test_config_defaults_off() -> None:
    config = WelcomeConfig()
    assert (config.enabled, config.dry_run, config.template) == (False, False, DEFAULT_TEMPLATE)


def _fields(event: object) -> dict[str, Any]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}  # type: ignore[attr-defined]


# --- through the engine -----------------------------------------------------------


def test_engine_greets_with_configured_template(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine({"welcome": {"enabled": True, "template": TEMPLATE}})
    performed = asyncio.run(feed(engine, joined(1, "u1", "小王")))
    assert [a.text for a in performed if isinstance(a, Send)] == [
        "欢迎 小王 来到测试群！请按格式自我介绍。"
    ]
    assert memory.performed == performed
    (row,) = audit_rows(community)
    assert (row.action, row.rule, row.outcome, row.target) == ("Send", "welcome", "performed", "u1")
    assert row.reason == "小王 joined"
    assert Greeting.objects.filter(account__external_id="u1").count() == 1


def test_engine_disabled_does_nothing(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine({"welcome": {"enabled": False}})
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []
    assert memory.performed == []
    assert audit_rows(community) == []


def test_engine_without_settings_does_nothing(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine({})
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []


def test_engine_dry_run_audits_without_performing(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine({"welcome": {"enabled": True, "dry_run": True}})
    assert asyncio.run(feed(engine, joined(1, "u1", "小王"))) == []
    assert memory.performed == []
    (row,) = audit_rows(community)
    assert (row.action, row.rule, row.outcome) == ("Send", "welcome", AuditLog.Outcome.DRY_RUN)
    assert row.details["action"]["text"].startswith("欢迎 小王")
    assert not Greeting.objects.exists()


def test_engine_greets_once_for_repeated_join_and_rejoin(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"welcome": {"enabled": True}})
    first = joined(1, "u1")
    performed = asyncio.run(feed(engine, first, first, joined(2, "u1"), left(3, "u1")))
    performed += asyncio.run(feed(engine, joined(4, "u1")))
    assert len(performed) == 1
    assert len(audit_rows(community)) == 1


def test_engine_greets_each_member(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine({"welcome": {"enabled": True, "template": "{name}"}})
    performed = asyncio.run(feed(engine, joined(1, "u1", "甲"), joined(2, "u2", "乙")))
    assert [a.text for a in performed if isinstance(a, Send)] == ["甲", "乙"]


def test_engine_never_greets_bots(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine({"welcome": {"enabled": True}})
    assert asyncio.run(feed(engine, joined(1, "bot", "机器人", bot=True))) == []
    assert audit_rows(community) == []
