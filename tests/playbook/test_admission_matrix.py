"""Admission live on a real Synapse, through ``shequn run``'s runner (tests/connectors/synapse.py).

A newcomer is asked the entry question in the room (Matrix bots cannot write to a
member directly, so ``ask_in`` is "group"), answers it, waits for review, and the
operator's rejection is carried out by the runner's scheduler: a polite message in
the room, then the kick. The operator hears of the waiting request by direct message.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User

from shequn.community.actions import get_or_create_community
from shequn.community.models import AdmissionRequest, AuditLog
from tests.connectors.conftest import synapse  # noqa: F401  (the session's Synapse fixture)
from tests.connectors.synapse import Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.playbook.admission import Admission  # noqa: E402
from shequn.playbook.admission_jobs import decide  # noqa: E402
from shequn.playbook.models import Job  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    add_group,
    bot_texts,
    client,
    direct_notices,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def _answered(user_id: str) -> bool:
    found = AdmissionRequest.objects.filter(account__external_id=user_id).first()
    return found is not None and found.path == "questions"


def _reject(user_id: str) -> str:
    request = AdmissionRequest.objects.select_related("group", "account").get(
        account__external_id=user_id
    )
    return decide(request, False, "方向不符", User.objects.create_user("olga"))


def _jobs_done() -> bool:
    return Job.objects.filter(kind="admission", state="done").exists()


def test_a_newcomer_answers_waits_and_is_rejected_politely(
    synapse: Synapse,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    admin, bot, operator, alice = (synapse.register(n) for n in ("admin", "bot", "op", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("SHEQUN_TEST_MATRIX_TOKEN", bot.access_token)
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": "SHEQUN_TEST_MATRIX_TOKEN", "operator": operator.user_id,
            "poll_timeout": 2.0}  # fmt: skip
    rule = {"enabled": True, "ask_in": "group", "questions": ["你做什么工作？"],
            "screening": True, "exempt_roles": []}  # fmt: skip
    local = alice.user_id[1:].split(":")[0]

    async def scenario() -> tuple[list[str], list[str], str, str]:
        m, a, o = client(synapse, admin), client(synapse, alice), client(synapse, operator)
        room = await make_room(m, bot)
        since = (await ok(m.sync(timeout=0))).next_batch
        await add_group(community, room, {"connector": conf, "admission": rule})
        runner = await runner_from_store(rules=(Admission,))
        status = ""

        async def arrive() -> None:
            nonlocal status
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await ok(a.join(room))
            await until(lambda: _has_request(alice.user_id), "the request in the queue")
            await send(a, room, "做产品设计")
            await until(lambda: sync_to_async(_answered)(alice.user_id), "the answer kept")
            status = await sync_to_async(_reject)(alice.user_id)
            await until(lambda: sync_to_async(_jobs_done)(), "the rejection carried out")

        await while_running(runner, arrive)
        said = await bot_texts(m, room, bot, since, want=2)
        member = await m.room_get_state_event(room, "m.room.member", alice.user_id)
        notices = await direct_notices(o, bot)
        for c in (m, a, o):
            await c.close()
        return said, notices, str(member.content.get("membership")), status

    said, notices, membership, status = asyncio.run(scenario())
    ask, rejection = said
    assert (
        ask.startswith(f"@{local} 欢迎 {local} 申请加入「测试房间」") and "1. 你做什么工作？" in ask
    )
    assert rejection.startswith(f"@{local} {local}，很抱歉") and "方向不符" in rejection
    assert status == "rejected"
    assert membership == "leave"  # removed on the server, after the message
    assert any("admission" in text and "waits for" in text for text in notices), notices
    rows = AuditLog.objects.filter(rule="operator:olga").values_list("action", "outcome")
    assert set(rows) == {("admission.reject", "performed"), ("Send", "performed"),
                         ("Remove", "performed")}  # fmt: skip


async def _has_request(user_id: str) -> bool:
    return bool(
        await sync_to_async(AdmissionRequest.objects.filter(account__external_id=user_id).exists)()
    )
