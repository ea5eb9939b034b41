"""Essence (精华): marked by an operator's reply command or reaction, never by a plain member;
found in stored history; counted per member; the digest posted by its job."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from shequn.analytics.digest_load import contributions, digest_for, essence_counts
from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.actions import set_member_role
from shequn.community.models import Account, AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, Event, MarkEssence, MessagePosted, ReactionAdded, Send
from shequn.playbook.engine import Engine
from shequn.playbook.essence import Essence, is_command, same_emoji
from shequn.playbook.essence_history import essence_from_history
from shequn.playbook.essence_jobs import next_post, schedule_digest
from shequn.playbook.models import Essence as EssenceRow
from shequn.playbook.models import Job
from shequn.playbook.scheduler import run_due
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, MakeEngine, audit_rows, joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def said(
    n: int, who: str, text: str, reply_to: str | None = None, at: datetime | None = None
) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{n}", at=at or T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=f"成员{who}"), text=text, reply_to=reply_to,
    )  # fmt: skip


def reacted(n: int, who: str, message: str, emoji: str = "⭐") -> ReactionAdded:
    return ReactionAdded(
        platform=PLATFORM, group="g1", event_id=f"r{n}", at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=f"成员{who}"), message_id=message, emoji=emoji,
    )  # fmt: skip


def members(community: Community, *events: Event, admins: tuple[str, ...] = ("boss",)) -> Group:
    """Store joins of u1, u2 and the admins (given the admin role), then ``events``."""
    ingest(
        [joined(1, "u1"), joined(2, "u2"), *(joined(3 + i, a) for i, a in enumerate(admins))],
        community,
    )
    group = Group.objects.get(external_id="g1")
    for admin in admins:
        set_member_role(group, Account.objects.get(external_id=admin), "admin", by="test")
    if events:
        ingest(list(events), community)
    return group


# --- recognition (pure) ----------------------------------------------------------------


def test_commands_and_emoji_are_recognised_as_written_in_chat() -> None:
    commands = ["/精华", "设为精华", "/essence"]
    for text in (
        "/精华",
        "／精华",
        " 设为精华 ",
        "/ESSENCE",
        "/essence@shequn_bot",
        "/精华 写得好",
    ):
        assert is_command(text, commands), text
    for text in ("精华帖真多", "怎么设为精华？", "/精华帖", "", "好 /精华"):
        assert not is_command(text, commands), text
    assert same_emoji("⭐️", ["⭐"]) and same_emoji("👍🏽", ["👍"]) and not same_emoji("❤️", ["⭐"])


# --- live: the rule through the engine ------------------------------------------------------


def test_an_admins_reply_command_and_star_mark_essence(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine({"essence": {"enabled": True}}, rules=(Essence,))
    group = members(community, said(10, "u1", "分享一个好方法"), said(11, "u2", "再分享一个"))
    performed = asyncio.run(
        feed(engine, said(12, "boss", "/精华", reply_to="m10"), reacted(13, "boss", "m11", "⭐️"))
    )
    assert [(type(a), a.message_id, a.how) for a in performed] == [  # type: ignore[attr-defined]
        (MarkEssence, "m10", "command"),
        (MarkEssence, "m11", "reaction"),
    ]
    assert memory.performed == []  # the store did it, not the platform
    rows = EssenceRow.objects.filter(group=group).order_by("message_external_id")
    assert [(e.message_external_id, e.how, e.marked_by.external_id) for e in rows] == [  # type: ignore[union-attr]
        ("m10", "command", "boss"),
        ("m11", "reaction", "boss"),
    ]
    audited = [
        (r.action, r.outcome, r.details.get("via"))
        for r in audit_rows(community)
        if r.rule == "essence"
    ]
    assert audited == [("MarkEssence", AuditLog.Outcome.PERFORMED, "store")] * 2


def test_a_plain_members_star_or_command_marks_nothing(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"essence": {"enabled": True}}, rules=(Essence,))
    group = members(community, said(10, "u1", "分享一个好方法"))
    performed = asyncio.run(
        feed(engine, reacted(11, "u2", "m10"), said(12, "u2", "/精华", reply_to="m10"))
    )
    assert performed == []
    assert not EssenceRow.objects.filter(group=group).exists()


def test_marking_twice_keeps_one_mark_and_other_emoji_do_nothing(
    make_engine: MakeEngine, community: Community
) -> None:
    settings = {"essence": {"enabled": True, "reactions": ["👍"]}}
    engine, _memory = make_engine(settings, rules=(Essence,))
    group = members(community, said(10, "u1", "好文"))
    asyncio.run(feed(engine, reacted(11, "boss", "m10", "⭐"), reacted(12, "boss", "m10", "👍")))
    asyncio.run(feed(engine, said(13, "boss", "设为精华", reply_to="m10")))  # not configured
    assert [(e.how) for e in EssenceRow.objects.filter(group=group)] == ["reaction"]


def test_the_rule_is_off_unless_switched_on(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine({}, rules=(Essence,))
    members(community, said(10, "u1", "好文"))
    assert asyncio.run(feed(engine, reacted(11, "boss", "m10"))) == []


# --- history ---------------------------------------------------------------------------------


def test_history_marks_by_operators_reply_commands_and_reactions(community: Community) -> None:
    group = members(
        community,
        said(10, "u1", "第一篇好文"),
        said(11, "u2", "第二篇好文"),
        said(12, "u1", "普通聊天"),
        said(13, "boss", "/精华 写得好", reply_to="m10"),
        said(14, "u2", "/精华", reply_to="m12"),  # a plain member: no mark
        said(15, "boss", "精华帖真多", reply_to="m12"),  # not a command
        reacted(16, "boss", "m11", "🌟"),
        reacted(17, "u1", "m12", "⭐"),  # a plain member: no mark
    )
    found = essence_from_history(group)
    assert (found.by_command, found.by_reaction, found.stored) == (1, 1, 2)
    marks = EssenceRow.objects.filter(group=group).order_by("message_external_id")
    assert [(e.message_external_id, e.how, e.event_id) for e in marks] == [
        ("m10", "history", "m13"),
        ("m11", "history", f"reaction:m11:{Account.objects.get(external_id='boss').pk}"),
    ]
    assert essence_from_history(group).stored == 0  # idempotent
    assert [r.action for r in audit_rows(community) if r.action == "essence.history"] == [
        "essence.history"
    ]


# --- counts for the tier suggestion ----------------------------------------------------------


def test_essence_counts_and_contributions_per_person(community: Community) -> None:
    group = members(
        community,
        said(10, "u1", "第一篇好文"),
        said(11, "u1", "第二篇好文", at=T0 + timedelta(hours=2)),  # not a continuation of m10
        said(12, "u2", "写得真好", reply_to="m10"),
        said(13, "boss", "/精华", reply_to="m10"),
        said(14, "boss", "/精华", reply_to="m11", at=T0 + timedelta(hours=2, minutes=1)),
        said(15, "u2", "学到了", reply_to="m11", at=T0 + timedelta(hours=2, minutes=2)),
    )
    essence_from_history(group)
    person = {a: Account.objects.get(external_id=a).person_id for a in ("u1", "u2", "boss")}
    assert essence_counts(community) == essence_counts(community.pk) == {person["u1"]: 2}
    table = contributions(community.pk, T0, T0 + timedelta(days=1))
    rows = {r["person_id"]: r for r in table.iter_rows(named=True)}
    assert (rows[person["u1"]]["essence"], rows[person["u1"]]["threads"]) == (2, 2)
    assert rows[person["u2"]]["replies"] == 2
    assert person["boss"] not in rows  # "/精华" is a command, not a reply
    assert rows[person["u1"]]["points"] == 2 * 3 + 2 * 2


# --- the day in the community's zone ----------------------------------------------------------


def test_the_digest_day_is_the_communitys_day(community: Community) -> None:
    community.time_zone = "Asia/Shanghai"
    community.save()
    late = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 in Beijing, 1 March
    early = datetime(2026, 3, 1, 16, 1, tzinfo=UTC)  # 00:01 in Beijing, 2 March
    group = members(
        community, said(10, "u1", "晚安", at=late), said(11, "u2", "晚安", reply_to="m10", at=early)
    )
    first, second = digest_for(group.pk, date(2026, 3, 1)), digest_for(group.pk, date(2026, 3, 2))
    assert (first.messages, second.messages) == (1, 1)
    assert first.zone == "Asia/Shanghai" and first.threads == []
    # The answer on 2 March continues a thread of 1 March: counted that day, marked as such.
    [thread] = second.threads
    assert (thread.opening.id, thread.replies, thread.participants, thread.continues) == (
        Message.objects.get(external_id="m11").pk, 1, 2, True,
    )  # fmt: skip


# --- the posted digest -------------------------------------------------------------------------


def test_the_digest_job_posts_through_the_connector_and_plans_the_next(
    community: Community,
) -> None:
    community.time_zone = "Asia/Shanghai"
    community.save()
    group = members(
        community,
        said(10, "u1", "请问向量数据库怎么选？"),
        said(11, "u2", "用Milvus", reply_to="m10"),
    )
    group.settings = {"essence": {"digest": True, "digest_at": "21:30", "digest_day": "yesterday"}}
    group.save()
    now = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Beijing: next post 21:30 today
    job = schedule_digest(group, now)
    assert job is not None and job.payload == {"day": "2026-03-01"}
    assert job.due_at == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert schedule_digest(group, now) == job  # planned once
    Job.objects.filter(pk=job.pk).update(due_at=datetime(2020, 1, 1, tzinfo=UTC))
    memory = MemoryConnector(platform=PLATFORM)
    engine = Engine(community, [memory])

    async def go() -> int:
        try:
            return await run_due("w1", lambda c: engine)
        finally:
            await sync_to_async(connections.close_all)()

    # connectorx shares the SQLite file: no connection of this thread may stay open meanwhile.
    connections.close_all()
    assert asyncio.run(go()) == 1
    posted = [a for a in memory.performed if isinstance(a, Send)]
    assert len(posted) == 1 and "向量数据库" in posted[0].text and "成员u2" in posted[0].text
    assert [r.action for r in audit_rows(community) if r.action == "Digest"] == ["Digest"]
    following = Job.objects.get(kind="digest", state=Job.State.PENDING)
    planned = next_post(Group.objects.select_related("community").get(pk=group.pk), timezone.now())
    assert planned is not None and following.payload == {"day": planned[1].isoformat()}
    assert following.due_at == planned[0]


def test_no_digest_is_planned_when_digests_are_off(community: Community) -> None:
    group = members(community)
    assert schedule_digest(group, datetime(2026, 3, 2, tzinfo=UTC)) is None
