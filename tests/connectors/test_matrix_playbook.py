"""Playbook rules on a real Synapse, through ``shequn run``'s runner (see synapse.py).

Moderation: an advertiser is warned (on Matrix the bot cannot write to a member
directly, so the operator hears of it instead), muted, and, once the mute has
run out, removed; every ad is redacted; an operator undoes the removal from the
review queue and is asked to invite the member back. Check-in: a member's first
check-in of the day is answered with the streak and earns points once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.utils import timezone

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Community, Group, PointsEntry
from shequn.playbook.runner import Runner
from tests.connectors.synapse import Synapse
from tests.playbook.moderation_kit import AD

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.chat.models import Message  # noqa: E402
from shequn.playbook.checkin_rule import CheckinRule  # noqa: E402
from shequn.playbook.models import Job  # noqa: E402
from shequn.playbook.moderation.review import undo_step  # noqa: E402
from shequn.playbook.moderation.rule import Moderation  # noqa: E402
from shequn.playbook.state import StoreState  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    TOKEN_ENV,
    add_group,
    bot_texts,
    client,
    connector_conf,
    direct_notices,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)


def audited(community: Community, action: str, outcome: str | None = None) -> Any:
    """An async count of ``action`` entries of the audit log (for ``until``)."""
    rows = AuditLog.objects.filter(community=community, action=action)
    if outcome is not None:
        rows = rows.filter(outcome=outcome)
    return sync_to_async(rows.count)


async def has_cursor(runner: Runner) -> bool:
    """Whether the runner's stream has a cursor (the bot is in the room and listening)."""
    return bool(runner.sources[0].connector.cursor)


async def at_least(read: Any, n: int) -> bool:
    return bool(await read() >= n)


async def membership(c: Any, room: str, user_id: str) -> str:
    state = await ok(c.room_get_state_event(room, "m.room.member", user_id))
    return str(state.content.get("membership", ""))


async def power_level(c: Any, room: str, user_id: str) -> int | None:
    levels = await ok(c.room_get_state_event(room, "m.room.power_levels"))
    level: int | None = levels.content.get("users", {}).get(user_id)
    return level


async def redacted(c: Any, room: str, event_id: str) -> bool:
    """Whether ``event_id`` was redacted (its content is gone), as ``c`` sees it."""
    found = await ok(c.room_get_event(room, event_id))
    source = found.event.source
    return "redacted_because" in source.get("unsigned", {}) or not source.get("content")


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_an_advertiser_is_warned_muted_removed_and_an_operator_undoes_the_removal(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot, operator, alice = (synapse.register(n) for n in ("admin", "bot", "op", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)
    staff = User.objects.create_user("运营")
    seen: dict[str, Any] = {}

    async def scenario() -> list[str]:
        m, a, o = client(synapse, admin), client(synapse, alice), client(synapse, operator)
        room = await make_room(m, bot, moderators_set_levels=True)
        await ok(a.join(room))
        conf = {"connector": connector_conf(synapse, bot, operator),
                "moderation": {"enabled": True}}  # fmt: skip
        group = await add_group(community, room, conf)
        runner = await runner_from_store(rules=(Moderation,))
        ads: list[str] = []

        async def advertise() -> None:
            await until(lambda: has_cursor(runner), "a cursor")
            ads.append(await send(a, room, AD))
            await until(lambda: at_least(audited(community, "Warn"), 1), "the warning")
            ads.append(await send(a, room, AD))
            await until(lambda: at_least(audited(community, "Mute", "performed"), 1), "the mute")
            seen["muted_level"] = await power_level(m, room, alice.user_id)
            seen["muted_send"] = await a.room_send(
                room, "m.room.message", {"msgtype": "m.text", "body": AD}
            )
            # The mute runs out: the runner's scheduler lifts it.
            await sync_to_async(Job.objects.filter(kind="unmute").update)(due_at=timezone.now())
            lifted = sync_to_async(Job.objects.filter(kind="unmute", state="done").count)
            await until(lambda: at_least(lifted, 1), "the unmute job")
            ads.append(await send(a, room, AD))
            await until(lambda: at_least(audited(community, "Remove", "performed"), 1), "removal")
            seen["membership"] = await membership(m, room, alice.user_id)
            seen["redacted"] = [await redacted(m, room, ad) for ad in ads]
            # The operator undoes the removal in the console; the runner sends the notice.
            removal = await sync_to_async(AuditLog.objects.get)(
                community=community, action="Remove", outcome="performed"
            )
            seen["undo"] = await sync_to_async(undo_step)(removal, staff)
            told = sync_to_async(Job.objects.filter(kind="notify", state="done").count)
            await until(lambda: at_least(told, 1), "the notify job")
            seen["group"] = group

        await while_running(runner, advertise)
        notices = await direct_notices(o, bot, want=1)
        seen["warned"] = await direct_notices(a, bot)
        for c in (m, a, o):
            await c.close()
        return notices

    notices = asyncio.run(scenario())
    rows = AuditLog.objects.filter(community=community, rule="moderation").order_by("pk")
    steps = [(r.action, r.outcome) for r in rows if r.action in ("Warn", "Mute", "Remove")]
    assert steps == [("Warn", "performed"), ("Mute", "performed"), ("Remove", "performed")]
    deletes = [r.outcome for r in rows if r.action == "Delete"]
    assert deletes == ["performed"] * 3
    assert seen["redacted"] == [True, True, True]
    assert len(seen["warned"]) == 1 and "测试房间" in seen["warned"][0]  # by direct message
    assert seen["muted_level"] is not None and seen["muted_level"] < 0
    assert isinstance(seen["muted_send"], nio.RoomSendError)
    assert seen["muted_send"].status_code == "M_FORBIDDEN"
    assert seen["membership"] == "leave"
    undo = seen["undo"]
    assert (undo.action, undo.target, undo.user) == ("Undo", alice.user_id, staff)
    group: Group = seen["group"]
    assert StoreState(group).blacklisted("moderation", alice.user_id) is False
    assert any("重新入群（撤销移除）" in n and "invite" in n for n in notices), notices


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_member_checks_in_and_sees_the_streak_once_a_day(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)

    async def scenario() -> list[str]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot)
        await ok(a.join(room))
        since = (await ok(a.sync(timeout=0))).next_batch
        conf = {"connector": connector_conf(synapse, bot), "checkin": {"enabled": True}}
        await add_group(community, room, conf)
        runner = await runner_from_store(rules=(CheckinRule,))
        replies = audited(community, "Reply", "performed")

        async def check_in() -> None:
            await until(lambda: has_cursor(runner), "a cursor")
            await send(a, room, "签到")
            await until(lambda: at_least(replies, 1), "the check-in reply")
            await send(a, room, "打卡")
            # The second check-in reaches the store, and the rule answers nothing.
            stored = sync_to_async(Message.objects.filter(text="打卡").count)
            await until(lambda: at_least(stored, 1), "the second check-in in the store")
            await asyncio.sleep(1.0)

        await while_running(runner, check_in)
        said = await bot_texts(a, room, bot, since, want=2)
        for c in (m, a):
            await c.close()
        return said

    said = asyncio.run(scenario())
    (reply,) = said
    assert "打卡成功" in reply and "已连续打卡 1 天" in reply, reply
    assert AuditLog.objects.filter(community=community, action="Reply").count() == 1
    entry = PointsEntry.objects.get(community=community)
    assert (entry.rule, entry.points) == ("checkin", 1)
