"""MemoryState: what a rule sees mid-replay is what the store would have told it live."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shequn.chat.ingest import ingest
from shequn.community.actions import set_member_role
from shequn.community.models import Account, Community, Group
from shequn.events import (
    Action,
    Actor,
    Event,
    MemberRenamed,
    MessagePosted,
    Mute,
    Remove,
    Send,
    Warn,
)
from shequn.playbook.memory_state import MemoryState
from shequn.playbook.rules import GroupState, RuleConfig, exempt
from shequn.playbook.state import StoreState
from tests.playbook.conftest import PLATFORM, T0, joined, left


def said(n: int, who: str, text: str = "你好", group: str = "g1", name: str = "") -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM,
        group=group,
        event_id=f"m{n}",
        at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=name or f"成员{who}"),
        text=text,
    )


def renamed(n: int, who: str, new: str) -> MemberRenamed:
    return MemberRenamed(
        platform=PLATFORM,
        group="g1",
        event_id=f"r{n}",
        at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=f"成员{who}"),
        new_name=new,
    )


def memory(*events: Event, roles: dict[str, str] | None = None) -> MemoryState:
    state = MemoryState("测试群", "social", {"welcome": {"enabled": True}}, roles=roles)
    for event in events:
        state.observe(event)
    return state


def test_memory_state_is_a_group_state() -> None:
    state: GroupState = memory()  # mypy checks MemoryState against the protocol here
    assert (state.name, state.kind, state.settings) == (
        "测试群",
        "social",
        {"welcome": {"enabled": True}},
    )


def test_counts_members_in_and_out_like_the_store() -> None:
    state = memory(joined(1, "u1"), joined(2, "u2"), said(3, "u3"))
    assert state.member_count() == 3  # u3 spoke without a known join: in the group
    state.observe(left(4, "u2"))
    assert state.member_count() == 2
    state.observe(left(5, "u2"))  # a second leave changes nothing
    state.observe(joined(6, "u1"))  # nor does a join while already in
    assert state.member_count() == 2
    state.observe(joined(7, "u2"))  # coming back opens a new stay
    assert state.member_count() == 3


def test_leave_of_a_member_from_before_the_history_counts_nobody() -> None:
    state = memory(left(1, "old"))
    assert state.member_count() == 0
    assert state.role("old") == "member"
    assert state.display_name("old") == "成员old"


def test_names_follow_joins_and_renames() -> None:
    state = memory(joined(1, "u1", "小王"), said(2, "u2", name="老李"))
    assert state.display_name("u1") == "小王"
    assert state.display_name("u2") == "老李"
    assert state.display_name("nobody") == ""
    state.observe(renamed(3, "u1", "北京-设计-小王"))
    assert state.display_name("u1") == "北京-设计-小王"


def test_roles_come_from_the_store_and_only_for_members() -> None:
    state = memory(joined(1, "u1"), roles={"u1": "admin", "u9": "owner"})
    assert state.role("u1") == "admin"
    assert state.role("u9") == ""  # never seen in the group during the replay (yet)
    state.observe(said(2, "u9"))
    assert state.role("u9") == "owner"
    state.observe(joined(3, "u3"))
    assert state.role("u3") == "member"


def test_greetings_and_actions_are_remembered_as_decided() -> None:
    state = memory(joined(1, "u1"))
    assert not state.greeted("u1")
    state.greet("u1")
    assert state.greeted("u1")
    warn = Warn(platform=PLATFORM, group="g1", member=Actor(id="u1"), text="别发广告")
    state.remember("moderation", warn, "u1", "performed", T0, "m9")
    state.remember(
        "welcome", Send(platform=PLATFORM, group="g1", text="hi"), "", "performed", T0, "j1"
    )
    (entry,) = state.remembered("u1")
    assert (entry.rule, entry.action, entry.outcome, entry.event_id) == (
        "moderation",
        "Warn",
        "performed",
        "m9",
    )


def test_exempt_roles_use_the_state() -> None:
    state = memory(joined(1, "boss"), joined(2, "u2"), roles={"boss": "owner"})
    config = RuleConfig(enabled=True, exempt_roles=["owner", "kol"])
    assert exempt(config, said(3, "boss"), state)
    assert exempt(config, left(4, "boss"), state)
    assert not exempt(config, said(5, "u2"), state)
    assert not exempt(RuleConfig(enabled=True), said(6, "boss"), state)


def test_exempt_roles_are_validated() -> None:
    with pytest.raises(ValueError, match="exempt_roles"):
        RuleConfig.model_validate({"exempt_roles": ["boss"]})


def test_message_counts_windows_and_the_message_being_judged() -> None:
    state = memory(joined(1, "u1"), said(2, "u1"), said(3, "u1"), said(10, "u1"))
    at = T0 + timedelta(minutes=10)
    assert state.message_count("u1", None, at) == 3
    assert state.message_count("u1", None, at, exclude="m10") == 2  # the one being judged
    assert state.message_count("u1", None, at, exclude="m2") == 3  # only the latest is looked up
    assert state.message_count("u1", T0 + timedelta(minutes=3), at) == 2  # both ends count
    assert state.message_count("u1", None, T0 + timedelta(minutes=2, seconds=59)) == 1
    assert state.message_count("nobody", None, at) == 0
    assert state.joined_at("u1") == T0 + timedelta(minutes=1)
    assert state.joined_at("u2") is None


def test_strikes_and_blacklist_come_from_the_rules_own_decisions() -> None:
    state = memory(joined(1, "ad"))
    ad = Actor(id="ad")

    def decided(action: Action, outcome: str = "performed", rule: str = "moderation") -> None:
        state.remember(rule, action, "ad", outcome, T0, "m1")

    decided(Warn(platform=PLATFORM, group="g1", member=ad, text="别发广告"))
    decided(Mute(platform=PLATFORM, group="g1", member=ad, duration=timedelta(hours=1)), "dry_run")
    decided(Mute(platform=PLATFORM, group="g1", member=ad, duration=timedelta(hours=1)), "failed")
    decided(Warn(platform=PLATFORM, group="g1", member=ad, text="x"), rule="other")
    assert state.strikes("moderation", "ad") == 2
    assert not state.blacklisted("moderation", "ad")
    decided(Remove(platform=PLATFORM, group="g1", member=ad))
    assert state.strikes("moderation", "ad") == 3
    assert state.blacklisted("moderation", "ad")
    assert not state.blacklisted("other", "ad")


class Elsewhere:
    """Other groups by hand: one repeats a text, one removed ``gone`` at minute 5."""

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        return 1 if text == "重复的广告内容" else 0

    def removed(self, rule: str, member_id: str, until: datetime) -> bool:
        return member_id == "gone" and until >= T0 + timedelta(minutes=5)


def test_other_groups_are_asked_of_elsewhere_as_of_the_latest_event() -> None:
    alone = memory(said(1, "u1"))
    assert alone.same_text_groups("重复的广告内容", T0, T0 + timedelta(hours=1)) == 0
    assert not alone.blacklisted("moderation", "gone")
    state = MemoryState("测试群", "social", {}, elsewhere=Elsewhere())
    state.observe(said(4, "u1"))
    assert state.same_text_groups("重复的广告内容", T0, T0 + timedelta(hours=1)) == 1
    assert state.same_text_groups("", T0, T0 + timedelta(hours=1)) == 0
    assert not state.blacklisted("moderation", "gone")  # not yet, at minute 4
    state.observe(said(5, "u1"))
    assert state.blacklisted("moderation", "gone")


# --- against the store -----------------------------------------------------------------

HISTORY: list[Event] = [
    joined(1, "u1", "小王"),
    joined(2, "u2", "小李"),
    said(3, "u3", name="路人"),
    said(4, "u1"),
    said(5, "u1", "又一条"),
    said(6, "u3", "我先说了话"),
    left(5, "u2"),
    renamed(6, "u1", "上海-设计-小王"),
    joined(7, "u2", "小李回来了"),
    left(8, "u9"),
    joined(9, "u1"),  # a repeat while in the group
]
ASKED = ["u1", "u2", "u3", "u9", "nobody"]


@pytest.mark.store
@pytest.mark.django_db
def test_memory_state_answers_as_the_store_does_after_each_event(
    community: Community,
) -> None:
    group = Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群"
    )
    state = memory(roles={"u1": "admin"})
    for n, event in enumerate(HISTORY):
        ingest([event], community)
        state.observe(event)
        if n == 0:
            account = Account.objects.get(external_id="u1")
            set_member_role(group, account, "admin", "test")
        stored = StoreState(Group.objects.get(pk=group.pk))
        for who in ASKED:
            assert state.display_name(who) == stored.display_name(who), (event, who)
            assert state.role(who) == stored.role(who), (event, who)
            assert state.joined_at(who) == stored.joined_at(who), (event, who)
            for since in (None, event.at - timedelta(minutes=2), event.at):
                asked = (who, since, event.at)
                assert state.message_count(*asked) == stored.message_count(*asked), asked
                mine = state.message_count(*asked, exclude=event.event_id)
                assert mine == stored.message_count(*asked, exclude=event.event_id), asked
        assert state.member_count() == stored.member_count(), event
