"""The entry ritual on a real Synapse, through ``shequn run``'s runner (see synapse.py).

A newcomer is greeted with their member number and the introduction template,
reminded of the nickname format; their introduction lands in the archive, their
new nickname gives city and industry, and the operator hears that nobody answered.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.actions import get_or_create_community
from shequn.community.models import Account, Person
from tests.connectors.synapse import Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.playbook.models import Job  # noqa: E402
from shequn.playbook.ritual import Ritual  # noqa: E402
from shequn.playbook.welcome import Welcome  # noqa: E402
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

INTRO = "自我介绍：Alice，做产品设计\n需要资源：前端工程师\n拥有资源：Figma 教学"
TEMPLATE = (
    "欢迎 {name}，你是 {number} 号群友！请按格式自我介绍：\n自我介绍：\n需要资源：\n拥有资源："
)


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_newcomer_is_greeted_reminded_and_their_introduction_archived(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot, operator, alice = (synapse.register(n) for n in ("admin", "bot", "op", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("SHEQUN_TEST_MATRIX_TOKEN", bot.access_token)
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": "SHEQUN_TEST_MATRIX_TOKEN", "operator": operator.user_id,
            "poll_timeout": 2.0}  # fmt: skip
    local = alice.user_id[1:].split(":")[0]

    def archived() -> Person | None:
        account = Account.objects.filter(external_id=alice.user_id).select_related("person")
        found = account.first()
        return found.person if found is not None else None

    async def filled(*fields: str) -> bool:
        person = await sync_to_async(archived)()
        return person is not None and all(getattr(person, f) for f in fields)

    async def scenario() -> tuple[list[str], list[str]]:
        m, a, o = client(synapse, admin), client(synapse, alice), client(synapse, operator)
        room = await make_room(m, bot)
        since = (await ok(m.sync(timeout=0))).next_batch
        ritual = {"enabled": True, "exempt_roles": []}
        welcome = {"enabled": True, "template": TEMPLATE}
        await add_group(community, room, {"connector": conf, "welcome": welcome, "ritual": ritual})
        runner = await runner_from_store(rules=(Welcome, Ritual))
        said: list[str] = []

        async def arrive() -> None:
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await ok(a.join(room))
            said.extend(await bot_texts(m, room, bot, since, want=2))
            await send(a, room, INTRO)
            await until(lambda: filled("intro", "needs", "offers"), "the intro in the archive")
            await ok(a.set_displayname("北京-互联网-Alice"))
            await until(lambda: filled("city", "industry"), "city and industry from the nickname")
            # Thirty minutes pass and nobody answered Alice: the operator is told.
            due = await sync_to_async(Job.objects.filter(kind="ritual_unanswered").update)(
                due_at=timezone.now()
            )
            assert due == 1
            done = sync_to_async(Job.objects.filter(kind="ritual_unanswered", state="done").count)
            await until(lambda: _positive(done), "the unanswered check run by the scheduler")

        await while_running(runner, arrive)
        notices = await direct_notices(o, bot)
        for c in (m, a, o):
            await c.close()
        return said, notices

    said, notices = asyncio.run(scenario())
    person = archived()
    assert person is not None
    greeting, reminder = said
    assert greeting.startswith(f"欢迎 {local}，你是 {person.number} 号群友！请按格式自我介绍")
    assert reminder.startswith(f"@{local} 请把群昵称改为「城市-行业-姓名」格式")
    assert (person.intro, person.needs, person.offers) == (
        "Alice，做产品设计", "前端工程师", "Figma 教学",
    )  # fmt: skip
    assert (person.city, person.industry) == ("北京", "互联网")
    assert any("新人" in n and "没有人回复或 @ TA" in n for n in notices), notices


async def _positive(read: Any) -> bool:
    return bool(await read() > 0)
