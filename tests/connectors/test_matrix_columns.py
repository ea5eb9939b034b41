"""A column on a real Synapse (see synapse.py): ``shequn run`` posts the slot, then its summary.

The slot and its summary are made due now (rather than waiting for the next cron
minute); everything else is the live path: the runner's scheduler claims the
jobs, the engine posts through the Matrix connector, the bot's post comes back
through the event stream into the store, a member replies, and the summary
counts the reply and names the member.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog
from tests.connectors.synapse import PASSWORD, Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.chat.models import Message  # noqa: E402
from shequn.playbook.columns_actions import add_item, create_column  # noqa: E402
from shequn.playbook.models import Column, ColumnPost, Job  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    add_group,
    bot_texts,
    client,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)

PASSWORD_ENV = "SHEQUN_TEST_MATRIX_PASSWORD"
Status = ColumnPost.Status


def due_now(kind: str) -> None:
    """Make the column's ``kind`` job (and, for posts, the slot) due now."""
    now = timezone.now()
    if kind == "column_post":
        ColumnPost.objects.filter(status=Status.PENDING).update(slot_at=now)
    Job.objects.filter(kind=kind, state=Job.State.PENDING).update(due_at=now)


def bot_message_id() -> str:
    """The stored message of the column's post (it comes back through the event stream)."""
    post = ColumnPost.objects.filter(status=Status.POSTED).first()
    if post is None:
        return ""
    found = Message.objects.filter(text=post.text, sender__external_id__startswith="@bot")
    return found.values_list("external_id", flat=True).first() or ""


def post_state() -> tuple[str, str, dict[str, Any]]:
    post = ColumnPost.objects.exclude(status=Status.PENDING).first()
    return ("", "", {}) if post is None else (post.status, post.message_id, post.summary)


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_column_posts_in_the_room_and_summarises_the_replies(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    conf = {"kind": "matrix", "name": "bot", "homeserver": synapse.url, "user_id": bot.user_id,
            "password_env": PASSWORD_ENV, "poll_timeout": 2.0}  # fmt: skip

    async def scenario() -> tuple[list[str], list[str]]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot)
        await ok(a.join(room))
        since = (await ok(a.sync(timeout=0))).next_batch
        group = await add_group(community, room, {"connector": conf})
        values = {"name": "周三课堂", "schedule": "0 19 * * 3", "remind_minutes": 0,
                  "window_hours": 1}  # fmt: skip
        column = await sync_to_async(create_column)(group, values, by="test")
        await sync_to_async(add_item)(column, "今天聊聊社群的冷启动", by="test")
        runner = await runner_from_store()

        async def live() -> None:
            # The bot is in the room once its stream has a cursor; then the slot falls due.
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await sync_to_async(due_now)("column_post")
            state = sync_to_async(post_state)
            await until(lambda: _holds(state, lambda s: s[0] == "posted"), "the post", 40)
            echoed = sync_to_async(bot_message_id)
            await until(lambda: _holds(echoed, bool), "the post back in the store", 20)
            post_id = await echoed()
            reply = {"m.relates_to": {"m.in_reply_to": {"event_id": post_id}}}
            await send(a, room, "我先来：冷启动靠种子用户", **reply)
            await asyncio.sleep(1.0)  # the reply reaches the store through the event stream
            await sync_to_async(due_now)("column_summary")
            await until(lambda: _holds(state, lambda s: bool(s[2])), "the summary", 40)

        await while_running(runner, live)
        seen = await bot_texts(a, room, bot, since, want=2)
        for c in (m, a):
            await c.close()
        return seen, [room]

    seen, _rooms = asyncio.run(scenario())
    post = ColumnPost.objects.exclude(status=Status.PENDING).get()
    assert post.status == Status.POSTED and post.message_id.startswith("$")
    assert seen[0] == "【周三课堂】\n今天聊聊社群的冷启动" == post.text
    assert seen[1].startswith("【周三课堂】小结")
    assert "alice" in seen[1] and post.summary["replies"] == 1
    assert post.summary["messages"] == 1 and len(post.summary["speakers"]) == 1
    sends = AuditLog.objects.filter(rule="column", action="Send", outcome="performed")
    assert sends.count() == 2
    assert Column.objects.get().posts.filter(status=Status.PENDING).count() == 1  # next slot


async def _holds(read: Any, test: Any) -> bool:
    return bool(test(await read()))
