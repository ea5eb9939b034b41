"""Words a member writes to the bot directly (``DirectMessage``) reach the rules that asked.

They answer an elimination notice (an appeal, as soon as it arrives), and they are
never stored as one of the group's messages (so analytics and replay never see them).
"""

from __future__ import annotations

import asyncio

import pytest

from shequn.chat.models import Message
from shequn.community.models import Community
from shequn.events import Actor, DirectMessage
from shequn.playbook.models import EliminationNotice, Job
from shequn.playbook.testing import feed
from tests.playbook.conftest import audit_rows
from tests.playbook.elimination_kit import NOW, PLATFORM, build, days, join, policy, run, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]
State = EliminationNotice.State


def direct(who: str, text: str, n: int = 1) -> DirectMessage:
    return DirectMessage(
        platform=PLATFORM, group="g1", event_id=f"dm{n}", at=NOW + days(1), actor=Actor(id=who),
        text=text,
    )  # fmt: skip


def test_a_direct_reply_to_a_notice_is_an_appeal_at_once(community: Community) -> None:
    events = [join("u1"), join("u2"), say("u2", NOW - days(1)), say("u1", NOW - days(45))]
    group, engine, _ = build(community, policy(), events)
    run(group, engine, NOW)  # u1 gets a notice

    stored = Message.objects.count()
    asyncio.run(feed(engine, direct("u2", "我也想说两句"), direct("u1", "出差中<b>，别踢我", 2)))

    notice = EliminationNotice.objects.get()
    assert (notice.state, notice.appeal_text) == (State.APPEALED, "出差中<b>，别踢我")
    assert Message.objects.count() == stored  # private: not one of the group's messages
    told = Job.objects.get(kind="notify")  # the operators hear of it through the engine
    assert "出差中<b>，别踢我" in told.payload["text"] and told.group_id == group.pk
    actions = [(r.action, r.target) for r in audit_rows(community)]
    assert actions[-2:] == [("EliminationAppeal", "u1"), ("Appeal", "u1")]  # u2 had no notice
    assert run(group, engine, NOW + days(5)).removed == []


def test_a_direct_message_without_an_open_notice_does_nothing(community: Community) -> None:
    _, engine, _ = build(community, policy(), [join("u1")])
    assert asyncio.run(feed(engine, direct("u1", "你好"))) == []
    assert not audit_rows(community) and not Message.objects.exists()
