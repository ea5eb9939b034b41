"""Question routing on a real Synapse, through ``shequn run``'s runner (see tests/connectors).

Bob's archive says he offers customs clearance; Alice asks about it in the room
and nobody answers: when the wait is over, the operator hears of the question by
direct message, with Bob named as the member who can answer it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.actions import get_or_create_community, update_person
from shequn.community.models import Account
from shequn.playbook.matching_models import RoutingSuggestion
from shequn.playbook.matching_profiles import forget
from shequn.playbook.models import Job
from shequn.playbook.routing import ROUTE_JOB, Matching
from tests.connectors.conftest import synapse  # noqa: F401  (the fixture)
from tests.connectors.synapse import Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from tests.connectors.matrix_kit import (  # noqa: E402
    add_group,
    client,
    direct_notices,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)

TOKEN_ENV = "SHEQUN_TEST_MATRIX_TOKEN"
QUESTION = "请问有没有人懂清关？货卡在海关了"


async def stored(**filters: Any) -> bool:
    return bool(await sync_to_async(Message.objects.filter(**filters).exists)())


async def listening(runner: Any) -> bool:
    """Whether the runner's stream has a cursor (the bot is in the room and listening)."""
    return bool(runner.sources[0].connector.cursor)


def give_offers(user_id: str) -> None:
    """Bob's archive: what he offers (as his introduction would have filled it)."""
    person = Account.objects.get(external_id=user_id).person
    update_person(person, by="test", display_name="Bob", offers="跨境电商物流，清关报关")
    forget()


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_an_unanswered_question_reaches_the_operator_with_who_can_answer(
    synapse: Synapse,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    names = ("admin", "bot", "op", "alice", "bob")
    admin, bot, operator, alice, bob = (synapse.register(n) for n in names)
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": TOKEN_ENV, "operator": operator.user_id, "poll_timeout": 2.0}  # fmt: skip

    async def scenario() -> list[str]:
        m, a, b, o = (client(synapse, u) for u in (admin, alice, bob, operator))
        room = await make_room(m, bot)
        await add_group(community, room, {"connector": conf, "matching": {"enabled": True}})
        runner = await runner_from_store(rules=(Matching,))

        async def ask() -> None:
            await until(lambda: listening(runner), "a cursor")
            for c in (a, b):
                await ok(c.join(room))
            await send(b, room, "大家好，我是 Bob")
            await until(lambda: stored(sender__external_id=bob.user_id), "Bob in the store")
            await sync_to_async(give_offers)(bob.user_id)
            await send(a, room, QUESTION)
            await until(lambda: stored(text=QUESTION), "the question in the store")
            # Thirty minutes pass and nobody answers: the scheduler routes the question.
            jobs = Job.objects.filter(kind=ROUTE_JOB)
            assert await sync_to_async(jobs.update)(due_at=timezone.now()) == 1
            done = sync_to_async(jobs.filter(state="done").exists)
            await until(done, "the routing job run by the scheduler")

        await while_running(runner, ask)
        notices = await direct_notices(o, bot)
        for c in (m, a, b, o):
            await c.close()
        return notices

    notices = asyncio.run(scenario())
    assert any("清关" in n and "Bob" in n for n in notices), notices
    suggestion = RoutingSuggestion.objects.get()
    assert suggestion.person.accounts.filter(external_id=bob.user_id).exists()
    assert suggestion.via == "notice"
