"""A survey live on a real Synapse (tests/connectors/synapse.py), through ``shequn run``'s runner.

The bot asks the survey in a direct room it opens with the member; she answers
there (no prefix needed in a direct conversation), and the answers land on the
response and in her archive, never among the group's messages.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.actions import get_or_create_community
from shequn.community.models import Account, Community, Group, Person
from tests.connectors.conftest import synapse  # noqa: F401  (the session's Synapse fixture)
from tests.connectors.synapse import PASSWORD, Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.playbook.models import SurveyResponse  # noqa: E402
from shequn.playbook.surveys import SurveyAnswers  # noqa: E402
from shequn.playbook.surveys_actions import create_survey, plan_send  # noqa: E402
from shequn.playbook.surveys_view import Question  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    add_group,
    bot_texts,
    client,
    direct_room,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)

PASSWORD_ENV = "SHEQUN_TEST_MATRIX_PASSWORD"
QUESTIONS = (
    Question("scale", "这次活动打几分？"),
    Question("text", "你最需要什么？", field="needs"),
)


def _send_to(community: Community, group: Group, user_id: str) -> bool:
    """Plan the survey for ``user_id`` once the store knows them; whether it could."""
    account = Account.objects.filter(community=community, external_id=user_id).first()
    if account is None:
        return False
    survey = create_survey(group, "活动回访", QUESTIONS, group_fallback=True, user=None, by="t")
    plan_send(survey, [account.pk], timezone.now(), user=None, by="test")
    return True


def _answers() -> list[Any]:
    response = SurveyResponse.objects.first()
    return [] if response is None else list(response.answers)


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_survey_answer_lands_in_the_archive(
    synapse: Synapse,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    community = get_or_create_community("矩阵回访")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    conf = {"kind": "matrix", "name": "bot", "homeserver": synapse.url, "user_id": bot.user_id,
            "password_env": PASSWORD_ENV, "poll_timeout": 2.0}  # fmt: skip

    async def scenario() -> list[str]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot)
        group = await add_group(community, room, {"connector": conf, "surveys": {"enabled": True}})
        runner = await runner_from_store(rules=(SurveyAnswers,))
        planned = sync_to_async(_send_to)
        seen: list[str] = []

        async def live() -> None:
            # Alice joins once the bot's stream has a cursor, so her join reaches the store.
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await ok(a.join(room))
            await until(lambda: planned(community, group, alice.user_id), "alice in the store")
            direct, since, asked = await direct_room(a, bot)
            assert "活动回访" in asked[0] and "这次活动打几分" in asked[0]
            await send(a, direct, "５")
            await until(lambda: _holds(sync_to_async(_answers), 1), "the first answer", 30)
            await send(a, direct, "找一位技术合伙人")
            await until(lambda: _holds(sync_to_async(_answers), 2), "the second answer", 30)
            seen.extend(await bot_texts(a, direct, bot, since, want=3))

        await while_running(runner, live)
        for c in (m, a):
            await c.close()
        return seen

    seen = asyncio.run(scenario())
    assert "(2/2)" in seen[1] and "谢谢" in seen[2]
    response = SurveyResponse.objects.get()
    assert response.via == "direct" and response.answers == [5, "找一位技术合伙人"]
    assert response.state == SurveyResponse.State.DONE
    person = Person.objects.get(accounts__external_id=alice.user_id)
    assert person.needs == "找一位技术合伙人"
    assert person.records.filter(text__contains="答：5").exists()
    assert not Message.objects.filter(text="找一位技术合伙人").exists()


async def _holds(read: Any, want: int) -> bool:
    return len(await read()) >= want
