"""Direct messages live on a real Synapse: the bot writes to a member, and reads the answer.

The bot opens a direct room with the member (a ``Warn``); what the member writes
back there reaches the rules as a ``DirectMessage`` about the group, and is never
stored as one of the group's messages. Two uses: entry questions asked and
answered directly, and an appeal against an elimination notice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.actions import get_or_create_community
from shequn.community.models import AdmissionRequest, AuditLog, Community, Group
from shequn.events import Actor, JoinHow, MemberJoined
from tests.connectors.conftest import synapse  # noqa: F401  (the session's Synapse fixture)
from tests.connectors.synapse import Synapse, User

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.playbook.elimination_actions import schedule_sweep  # noqa: E402
from shequn.playbook.models import EliminationNotice  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    TOKEN_ENV,
    add_group,
    client,
    connector_conf,
    direct_notices,
    direct_room,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def _conf(server: Synapse, bot: User, operator: User, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)
    return connector_conf(server, bot, operator)


async def answer_directly(c: Any, bot: User, answer: str) -> list[str]:
    """Accept the bot's direct room, read its words there, and answer in that room."""
    room, _, said = await direct_room(c, bot)
    await send(c, room, answer)
    return said


def test_entry_questions_are_asked_and_answered_directly(
    synapse: Synapse,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    admin, bot, operator, alice = (synapse.register(n) for n in ("admin", "bot", "op", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    rule = {"enabled": True, "questions": ["你做什么工作？"], "exempt_roles": []}
    answer = "我在杭州做跨境电商物流"

    async def scenario() -> list[str]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot)
        conf = _conf(synapse, bot, operator, monkeypatch)
        await add_group(community, room, {"connector": conf, "admission": rule})
        runner = await runner_from_store()
        asked: list[str] = []

        async def arrive() -> None:
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await ok(a.join(room))
            asked.extend(await answer_directly(a, bot, answer))
            await until(lambda: sync_to_async(_admitted)(alice.user_id), "admitted")

        await while_running(runner, arrive)
        for c in (m, a):
            await c.close()
        return asked

    asked = asyncio.run(scenario())
    assert any("1. 你做什么工作？" in text for text in asked), asked
    request = AdmissionRequest.objects.get(account__external_id=alice.user_id)
    assert (request.status, request.path) == ("admitted", "questions")
    assert [a["answer"] for a in request.answers] == [answer]
    assert not Message.objects.filter(text=answer).exists()  # private: never a group message
    assert AuditLog.objects.filter(action="Warn", outcome="performed").exists()


def _admitted(user_id: str) -> bool:
    return AdmissionRequest.objects.filter(account__external_id=user_id, status="admitted").exists()


def _joined_long_ago(community: Community, room: str, user_id: str) -> None:
    member = Actor(id=user_id, name="quiet")
    join = MemberJoined(
        platform="matrix", group=room, event_id="$joined-long-ago",
        at=timezone.now() - timedelta(days=100), actor=member, member=member, how=JoinHow.LINK,
    )  # fmt: skip
    ingest([join], community)


def _notice_state() -> str:
    notice = EliminationNotice.objects.first()
    return "" if notice is None else str(notice.state)


def test_an_elimination_notice_is_appealed_by_direct_message(
    synapse: Synapse,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    admin, bot, operator, quiet = (synapse.register(n) for n in ("admin", "bot", "op", "quiet"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    appeal = "最近出差太忙了，下周会参与讨论，请保留我"

    async def scenario() -> tuple[list[str], list[str]]:
        m, q, o = client(synapse, admin), client(synapse, quiet), client(synapse, operator)
        room = await make_room(m, bot)
        await ok(q.join(room))
        conf = _conf(synapse, bot, operator, monkeypatch)
        policy = {"enabled": True, "grace_days": 2}
        group: Group = await add_group(community, room, {"connector": conf, "elimination": policy})
        await sync_to_async(_joined_long_ago)(community, room, quiet.user_id)
        runner = await runner_from_store()
        noticed: list[str] = []

        async def appeal_it() -> None:
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await sync_to_async(schedule_sweep)(group, timezone.now(), daily=False)
            noticed.extend(await answer_directly(q, bot, appeal))
            await until(lambda: _is(sync_to_async(_notice_state)(), "appealed"), "the appeal")
            await until(lambda: _is(_operator_told(), True), "the operator told")

        told: list[str] = []

        async def _operator_told() -> bool:
            told[:] = await direct_notices(o, bot, want=2)
            return any(appeal in text for text in told)

        await while_running(runner, appeal_it)
        for c in (m, q, o):
            await c.close()
        return noticed, told

    noticed, told = asyncio.run(scenario())
    assert any("动态淘汰" in text or "测试房间" in text for text in noticed), noticed
    notice = EliminationNotice.objects.get()
    assert (notice.state, notice.appeal_text, notice.delivered) == ("appealed", appeal, True)
    assert any("replied to the elimination notice" in text for text in told), told
    actions = set(AuditLog.objects.values_list("action", "outcome"))
    assert {("Warn", "performed"), ("EliminationAppeal", "performed")} <= actions
    assert ("Notify", "performed") in actions
    assert not Message.objects.filter(text=appeal).exists()


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)
