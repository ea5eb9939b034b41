"""The moderation rule through the real engine (store, audit log, memory connector), and undo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shequn.community.actions import set_member_role
from shequn.community.models import Account, Community, Group
from shequn.connectors.base import ConnectorError
from shequn.events import (
    Actor,
    Delete,
    MessageKind,
    MessagePosted,
    Mute,
    Remove,
    Warn,
)
from shequn.playbook.engine import Engine
from shequn.playbook.moderation.rule import DEFAULT_WARN, Moderation, ModerationConfig
from shequn.playbook.state import StoreState
from tests.playbook.conftest import PLATFORM, T0, MakeEngine, audit_rows, joined
from tests.playbook.moderation_kit import (
    AD,
    Outcome,
    ladder_rows,
    moderation,
    names,
    run,
    said,
    second_group,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

# --- config and the rule alone ----------------------------------------------------------


def test_config_defaults() -> None:
    config = ModerationConfig()
    assert not config.enabled and not config.dry_run
    assert config.ladder == ["warn", "mute", "remove"]
    assert set(config.exempt_roles) == {"owner", "admin", "assistant", "monitor", "kol"}
    assert config.threshold == 4 and config.delete_message and config.blacklist


def test_config_rejects_unknown_signal_and_bad_ladder() -> None:
    with pytest.raises(ValidationError, match="unknown signal linx"):
        ModerationConfig(weights={"linx": 1})
    with pytest.raises(ValidationError, match="ladder"):
        ModerationConfig.model_validate({"ladder": ["warn", "shout"]})
    with pytest.raises(ValidationError, match="threshold"):
        ModerationConfig.model_validate({"threshold": 0})


# --- the ladder through the engine -------------------------------------------------------


def test_ladder_warn_mute_remove(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine(moderation(mute_minutes=30))
    run(engine, joined(1, "u1", "小广"))
    first = run(engine, said(2, "u1", AD))
    assert names(first) == ["Delete", "Warn"]
    delete, warn = first
    assert isinstance(delete, Delete) and delete.message_id == "g1-m2"
    assert isinstance(warn, Warn) and warn.member.id == "u1"
    assert warn.text.startswith("成员u1，本群禁止广告和刷屏（")
    assert "联系方式" in warn.text and "广告用语" in warn.text
    assert "g1-m2" in warn.reason and "contact_id[" in warn.reason
    assert "keyword[兼职]" in warn.reason
    # A new engine (as after a restart): the strikes come from the audit log.
    engine2 = Engine(community, [memory], rules=engine.rules)
    second = run(engine2, said(3, "u1", AD + " 再发"))
    assert names(second) == ["Delete", "Mute"]
    assert isinstance(second[1], Mute) and second[1].duration == timedelta(minutes=30)
    third = run(engine2, said(4, "u1", "加微信 vx_99999 日赚500"))
    assert names(third) == ["Delete", "Remove"]
    rows = ladder_rows(community)
    assert [(r.action, r.rule, r.target, r.outcome) for r in rows] == [
        ("Warn", "moderation", "u1", Outcome.PERFORMED),
        ("Mute", "moderation", "u1", Outcome.PERFORMED),
        ("Remove", "moderation", "u1", Outcome.PERFORMED),
    ]
    assert [r.details["event_id"] for r in rows] == ["g1-m2", "g1-m3", "g1-m4"]
    assert memory.performed == first + second + third


def test_ladder_moves_on_where_the_platform_cannot_mute(
    make_engine: MakeEngine, community: Community
) -> None:
    can = {"Send", "Reply", "Delete", "Warn", "Remove", "Notify"}
    engine, _memory = make_engine(moderation(), capabilities=can)
    first, second, third = (run(engine, said(n, "u1", AD + "!" * n)) for n in (1, 2, 3))
    assert names(first) == ["Delete", "Warn"]
    assert names(second) == ["Delete", "Notify"]  # the mute became a notice to operators
    assert names(third) == ["Delete", "Remove"]
    mute = next(r for r in audit_rows(community) if r.action == "Mute")
    assert mute.outcome == Outcome.FAILED and mute.details["error"]["permanent"]


def test_a_passing_failure_is_not_a_strike(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation(), fail={"Warn": ConnectorError("timeout")})
    run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"))
    rows = ladder_rows(community)
    assert [(r.action, r.outcome) for r in rows] == [("Warn", Outcome.FAILED)] * 2


def test_ordinary_talk_is_left_alone(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine(moderation())
    run(
        engine,
        joined(1, "u1"),
        said(2, "u1", "大家好，我是做SaaS的"),
        said(3, "u1", "我在微信上看到一篇文章 https://mp.weixin.qq.com/s/abc"),
        said(4, "u1", "我现在在做兼职，挺累的"),
        said(5, "u1", "有事打我电话 13812345678"),
    )
    assert memory.performed == []
    assert audit_rows(community) == []


def test_no_delete_and_a_custom_ladder(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine(moderation(delete_message=False, ladder=["warn", "remove"]))
    performed = run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"), said(3, "u1", AD + "!!"))
    assert names(performed) == ["Warn", "Remove", "Remove"]


def test_exempt_roles_are_never_touched(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine(moderation())
    run(engine, joined(1, "boss"), joined(2, "kol"), joined(3, "u1"))
    group = Group.objects.get(external_id="g1")
    for who, role in (("boss", "owner"), ("kol", "kol")):
        account = Account.objects.get(community=community, external_id=who)
        set_member_role(group, account, role, "test")
    before = len(audit_rows(community))
    assert run(engine, said(4, "boss", AD), said(5, "kol", "t.me/joinchat/AbC")) == []
    assert len(audit_rows(community)) == before
    assert names(run(engine, said(6, "u1", AD))) == ["Delete", "Warn"]
    assert memory.performed[-1].member.id == "u1"  # type: ignore[attr-defined]


def test_exempt_roles_can_be_narrowed(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation(exempt_roles=["owner"]))
    run(engine, joined(1, "kol"))
    account = Account.objects.get(community=community, external_id="kol")
    set_member_role(Group.objects.get(external_id="g1"), account, "kol", "test")
    assert names(run(engine, said(2, "kol", AD))) == ["Delete", "Warn"]


def test_bots_are_left_alone(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine(moderation())
    bot = MessagePosted(
        platform=PLATFORM, group="g1", event_id="b1", at=T0, actor=Actor(id="bot", is_bot=True),
        text=AD,
    )  # fmt: skip
    assert run(engine, bot) == []


def test_dry_run_decides_and_logs_but_performs_nothing(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(moderation(dry_run=True))
    performed = run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"), said(3, "u1", AD + "?"))
    assert performed == [] and memory.performed == []
    rows = audit_rows(community)
    assert [(r.action, r.outcome) for r in rows] == [
        ("Delete", Outcome.DRY_RUN),
        ("Warn", Outcome.DRY_RUN),
        ("Delete", Outcome.DRY_RUN),
        ("Mute", Outcome.DRY_RUN),
        ("Delete", Outcome.DRY_RUN),
        ("Remove", Outcome.DRY_RUN),
    ]
    assert all("g1-m" in r.reason for r in rows)


# --- newcomers -------------------------------------------------------------------------


def test_newcomer_first_message_with_a_link_or_image(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine(moderation())
    run(engine, joined(1, "old"), said(2, "old", "早上好"))
    # The old member's channel link is a tip; a newcomer's first message with one is an ad.
    later = 5 * 24 * 60
    assert run(engine, said(later, "old", "推荐这个频道 t.me/python_zh")) == []
    run(engine, joined(later + 1, "new"))
    performed = run(engine, said(later + 2, "new", "推荐这个频道 t.me/python_zh"))
    assert names(performed) == ["Delete", "Warn"]
    assert "channel[t.me/python_zh], newcomer[first message]" in performed[1].reason
    # A QR code image as a first message; a plain one is not an ad.
    run(engine, joined(later + 3, "img"), joined(later + 4, "pic"))
    qr = run(engine, said(later + 5, "img", "扫码加我", kind=MessageKind.IMAGE))
    assert names(qr) == ["Delete", "Warn"]
    assert "qr_image[扫码]" in qr[1].reason and "newcomer[first message]" in qr[1].reason
    assert run(engine, said(later + 6, "pic", "[图片]", kind=MessageKind.IMAGE)) == []


def test_newcomer_plain_link_or_intro_phone_is_not_an_ad(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine(moderation())
    run(engine, joined(1, "dev"), joined(2, "biz"))
    assert run(engine, said(3, "dev", "how do I fix this? https://pastebin.com/abc")) == []
    intro = "自我介绍：我是王伟，在深圳做供应链，电话 138 1234 5678"
    assert run(engine, said(4, "biz", intro)) == []


def test_a_late_first_message_is_not_a_newcomers(make_engine: MakeEngine) -> None:
    engine, _memory = make_engine(moderation(newcomer_hours=1))
    run(engine, joined(1, "lurker"))
    assert run(engine, said(3 * 60, "lurker", "推荐这个频道 t.me/python_zh")) == []


# --- flood -------------------------------------------------------------------------------


def test_flood(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation(flood_messages=5, flood_seconds=10))
    calm = [said(i, "u1", f"第{i}句", seconds=i * 5) for i in range(1, 8)]
    assert run(engine, *calm) == []  # 7 messages, 5 s apart: never 5 in 10 s
    burst = [said(100 + i, "u2", f"刷{i}", seconds=100 + i) for i in range(1, 11)]
    performed = run(engine, *burst)
    assert names(performed) == ["Warn", "Mute"]  # the 5th and the 10th message
    assert "flood: 5 messages within 10s" in performed[0].reason
    assert "g1-m105" in performed[0].reason and "g1-m110" in performed[1].reason
    assert isinstance(performed[0], Warn) and "刷屏" in performed[0].text


# --- across the community's groups -------------------------------------------------------


def test_same_text_across_groups(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation())
    second_group(community)
    text = "好消息！新品上市，全场五折，详情 https://shop.example.com/sale"
    assert run(engine, said(1, "u1", text, group="g2")) == []  # a link (1): not yet an ad
    performed = run(engine, said(2, "u2", text, group="g1"))  # link + cross_group (3)
    assert names(performed) == ["Delete", "Warn"]
    assert "cross_group[also in 1 other group(s)]" in performed[1].reason
    # Outside the window the same text is new again.
    assert run(engine, said(5 * 60, "u3", text, group="g1")) == []


def test_blacklist_across_groups(make_engine: MakeEngine, community: Community) -> None:
    engine, memory = make_engine(moderation(ladder=["remove"]))
    second_group(community)
    run(engine, joined(1, "spam"))
    assert names(run(engine, said(2, "spam", AD))) == ["Delete", "Remove"]
    # Joining the community's other group: removed at once.
    (removed,) = run(engine, joined(3, "spam", group="g2"))
    assert isinstance(removed, Remove) and removed.group == "g2"
    assert removed.reason.startswith("blacklisted")
    # Speaking first in a third group without a known join: removed too (and the message).
    Group.objects.create(
        community=community, platform=PLATFORM, external_id="g3", name="三群",
        settings=moderation(),
    )  # fmt: skip
    performed = run(engine, said(4, "spam", "hello", group="g3"))
    assert names(performed) == ["Delete", "Remove"]
    # Others are not affected.
    assert run(engine, joined(5, "someone", group="g2")) == []
    assert StoreState(Group.objects.get(external_id="g2")).blacklisted("moderation", "spam")
    assert not memory.fail


def test_blacklist_can_be_switched_off(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation(ladder=["remove"]))
    second_group(community, blacklist=False)
    run(engine, said(1, "spam", AD))
    assert run(engine, joined(2, "spam", group="g2")) == []


def test_warn_template_with_a_broken_field_is_used_as_written() -> None:
    rule = Moderation(ModerationConfig(enabled=True, warn_text="请勿发广告 {oops}"))
    state = _State()
    (warn,) = [a for a in rule(said(1, "u1", AD), state) if isinstance(a, Warn)]
    assert warn.text == "请勿发广告 {oops}"
    assert DEFAULT_WARN.format(name="x", what="y").startswith("x，")


class _State:
    """A GroupState by hand: a member who has spoken before, no history elsewhere."""

    name = "测试群"
    kind = "social"
    settings: dict[str, Any] = {}

    def member_count(self) -> int:
        return 1

    def greeted(self, member_id: str) -> bool:
        return False

    def display_name(self, member_id: str) -> str:
        return ""

    def role(self, member_id: str) -> str:
        return "member"

    def joined_at(self, member_id: str) -> None:
        return None

    def message_count(self, member_id: str, since: Any, until: Any, exclude: str = "") -> int:
        return 0 if since is not None else 5

    def same_text_groups(self, text: str, since: Any, until: Any) -> int:
        return 0

    def strikes(self, rule: str, member_id: str) -> int:
        return 0

    def blacklisted(self, rule: str, member_id: str) -> bool:
        return False
