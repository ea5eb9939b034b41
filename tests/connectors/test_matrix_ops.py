"""Operating a Matrix room with ``shequn run`` against a real Synapse (see synapse.py).

Signing in with a password once, muting through power levels, a stopped bot
catching up, a failing rule, and a refusal the operator hears about.
"""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Group
from shequn.connectors.settings import SecretError
from shequn.events import Actor, Mute, Send
from tests.connectors.synapse import PASSWORD, Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.chat.models import Message  # noqa: E402
from shequn.connectors.matrix import MatrixConnector  # noqa: E402
from shequn.connectors.matrix.settings import MatrixSettings  # noqa: E402
from shequn.playbook.engine import Engine, Planned  # noqa: E402
from shequn.playbook.models import Job  # noqa: E402
from shequn.playbook.scheduler import run_due  # noqa: E402
from shequn.playbook.welcome import Welcome  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    ExpelAds,
    add_group,
    bot_texts,
    client,
    connector,
    count,
    direct_notices,
    make_room,
    ok,
    runner_from_store,
    send,
    until,
    while_running,
)
from tests.playbook.rule_kit import Boom  # noqa: E402

PASSWORD_ENV = "SHEQUN_TEST_MATRIX_PASSWORD"
STORE = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def test_password_login_once_then_the_kept_token(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin, bot = synapse.register("admin"), synapse.register("bot")
    kept_file = tmp_path / "matrix.json"

    async def scenario() -> tuple[list[dict[str, Any]], list[str]]:
        m = client(synapse, admin)
        room = await make_room(m, bot)
        since = (await ok(m.sync(timeout=0))).next_batch
        settings = MatrixSettings(
            homeserver=synapse.url, user_id=bot.user_id, password_env=PASSWORD_ENV, rooms=[room]
        )
        kept: list[dict[str, Any]] = []

        async def post(text: str) -> MatrixConnector:
            conn = MatrixConnector(settings, state_dir=tmp_path)
            await conn.connect()  # signs in, joins the room
            await conn.perform(Send(platform="matrix", group=room, text=text))
            kept.append(json.loads(kept_file.read_text())["session"])
            return conn

        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
        await (await post("logged in")).aclose()
        monkeypatch.delenv(PASSWORD_ENV)  # the password is gone: the kept token must do
        second = await post("kept token")
        await ok(second.client.logout())  # the token is revoked on the server
        await second.aclose()
        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
        await (await post("logged in again")).aclose()
        texts = await bot_texts(m, room, bot, since, want=3)
        await m.close()
        return kept, texts

    kept, texts = asyncio.run(scenario())
    assert texts == ["logged in", "kept token", "logged in again"]
    first, second, third = kept
    assert first == second  # no second login
    assert first["user_id"] == bot.user_id and first["device_id"]
    assert first["access_token"] not in {bot.access_token, third["access_token"]}
    assert stat.S_IMODE(kept_file.stat().st_mode) == 0o600
    kept_file.unlink()
    monkeypatch.delenv(PASSWORD_ENV)
    settings = MatrixSettings(homeserver=synapse.url, user_id=bot.user_id, password_env="NOPE_X")
    with pytest.raises(SecretError, match="password_env: environment variable NOPE_X is not set"):
        MatrixConnector(settings, state_dir=tmp_path)


@pytest.mark.parametrize("prior", [None, 10])
@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_muted_member_cannot_send_until_the_unmute_job_lifts_the_mute(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prior: int | None
) -> None:
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    community = get_or_create_community("矩阵社群")

    async def level_of(m: Any, room: str) -> int | None:
        levels = await ok(m.room_get_state_event(room, "m.room.power_levels"))
        level: int | None = levels.content.get("users", {}).get(alice.user_id)
        return level

    async def scenario() -> tuple[Any, Any, list[int | None]]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot, moderators_set_levels=True)
        await ok(a.join(room))
        if prior is not None:
            levels = (await ok(m.room_get_state_event(room, "m.room.power_levels"))).content
            levels["users"][alice.user_id] = prior
            await ok(m.room_put_state(room, "m.room.power_levels", levels))
        group = await add_group(community, room, {})
        conn = connector(synapse, bot, room, monkeypatch, state_dir=tmp_path)
        await conn.connect()  # the bot joins the room
        engine = Engine(community, [conn])
        mute = Mute(
            platform="matrix", group=room, reason="刷屏", member=Actor(alice.user_id, "alice"),
            duration=timedelta(minutes=10),
        )  # fmt: skip
        await engine.carry_out(group, Planned("moderation", mute, dry_run=False, event_id="$x"))
        levels = [await level_of(m, room)]
        muted = await a.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "hi"})
        # Ten minutes pass: the unmute job is due.
        past = timezone.now() - timedelta(seconds=1)
        await sync_to_async(Job.objects.filter(kind="unmute").update)(due_at=past)
        assert await run_due("w1", lambda c: engine) == 1
        levels.append(await level_of(m, room))
        allowed = await a.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "hi"})
        for c in (m, a):
            await c.close()
        await conn.aclose()
        return muted, allowed, levels

    muted, allowed, levels = asyncio.run(scenario())
    assert isinstance(muted, nio.RoomSendError) and muted.status_code == "M_FORBIDDEN"
    assert isinstance(allowed, nio.RoomSendResponse)
    assert levels == [-1, prior]  # below the send level (0), then what it was
    rows = AuditLog.objects.filter(community=community).order_by("pk")
    assert [(r.action, r.outcome) for r in rows] == [("Mute", "performed"), ("Unmute", "performed")]
    assert Job.objects.get(kind="unmute").state == Job.State.DONE


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_stopped_bot_stores_all_50_messages_once_when_started_again(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    """``shequn run`` stopped, 50 messages sent, started again; the bot signs in by password."""
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    conf = {"kind": "matrix", "name": "bot", "homeserver": synapse.url, "user_id": bot.user_id,
            "password_env": PASSWORD_ENV, "poll_timeout": 2.0}  # fmt: skip
    handled: list[int] = []

    async def scenario() -> tuple[str, list[str]]:
        m, a = client(synapse, admin), client(synapse, alice)
        room = await make_room(m, bot)
        await ok(a.join(room))
        group = await add_group(community, room, {"connector": conf})
        stored = count(Message.objects.filter(group=group).count)
        first = await runner_from_store()

        async def live() -> None:
            await until(lambda: asyncio.sleep(0, first.sources[0].connector.cursor), "a cursor")
            await send(a, room, "before the stop")
            await until(lambda: _equals(stored, 1), "the first message stored")

        await while_running(first, live)
        handled.append(first.handled)
        sent = [await send(a, room, f"while stopped {i}") for i in range(50)]
        monkeypatch.delenv(PASSWORD_ENV)  # the token kept at the first start must do
        second = await runner_from_store()

        async def catch_up() -> None:
            await until(lambda: _equals(stored, 51), "the 50 messages stored")
            await asyncio.sleep(0.5)  # a doubled delivery would have arrived by now

        await while_running(second, catch_up)
        handled.append(second.handled)
        for c in (m, a):
            await c.close()
        return room, sent

    room, sent = asyncio.run(scenario())
    assert handled == [1, 50]  # every event handled once, across the restart
    texts = list(
        Message.objects.filter(group__external_id=room).order_by("at", "pk")
        .values_list("external_id", "text")
    )  # fmt: skip
    assert [i for i, _ in texts[1:]] == sent
    assert [t for _, t in texts] == ["before the stop"] + [f"while stopped {i}" for i in range(50)]
    assert (tmp_path / "connectors" / "bot.json").exists()


async def _equals(read: Any, want: int) -> bool:
    return bool(await read() == want)


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_rule_that_raises_does_not_stop_the_live_engine(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot = synapse.register("admin"), synapse.register("bot")
    alice, bob = synapse.register("alice"), synapse.register("bob")
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("SHEQUN_TEST_MATRIX_TOKEN", bot.access_token)
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": "SHEQUN_TEST_MATRIX_TOKEN", "poll_timeout": 2.0}  # fmt: skip

    async def scenario() -> list[str]:
        m, a, b = (client(synapse, u) for u in (admin, alice, bob))
        room = await make_room(m, bot)
        since = (await ok(m.sync(timeout=0))).next_batch
        on = {"enabled": True}
        await add_group(community, room, {"connector": conf, "boom": on, "welcome": on})
        runner = await runner_from_store(rules=(Boom, Welcome))
        greetings: list[str] = []

        async def joins() -> None:
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await ok(a.join(room))
            await ok(b.join(room))
            greetings.extend(await bot_texts(m, room, bot, since, want=2))

        await while_running(runner, joins)
        for c in (m, a, b):
            await c.close()
        return greetings

    greetings = asyncio.run(scenario())
    assert [g.split("！")[0] for g in greetings] == [
        f"欢迎 {alice.user_id[1:].split(':')[0]}",
        f"欢迎 {bob.user_id[1:].split(':')[0]}",
    ]
    rows = AuditLog.objects.filter(community=community, outcome="failed", rule="boom")
    assert rows.count() >= 2  # each join (and the greetings' echoes) hit the failing rule
    assert all(r.details["error"]["message"] == "boom" for r in rows)


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_a_refused_kick_of_an_admin_is_audited_and_the_operator_told(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    admin, bot, operator = (synapse.register(n) for n in ("admin", "bot", "operator"))
    community = get_or_create_community("矩阵社群")
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("SHEQUN_TEST_MATRIX_TOKEN", bot.access_token)
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": "SHEQUN_TEST_MATRIX_TOKEN", "operator": operator.user_id,
            "poll_timeout": 2.0}  # fmt: skip

    async def scenario() -> list[str]:
        m, o = client(synapse, admin), client(synapse, operator)
        room = await make_room(m, bot)
        await add_group(community, room, {"connector": conf, "expel_ads": {"enabled": True}})
        runner = await runner_from_store(rules=(ExpelAds,))
        refused = count(
            AuditLog.objects.filter(community=community, action="Remove", outcome="failed").count
        )

        async def advertise() -> None:
            await until(lambda: asyncio.sleep(0, runner.sources[0].connector.cursor), "a cursor")
            await send(m, room, "买广告位请联系我")
            await until(lambda: _equals(refused, 1), "the refused kick in the audit log")

        await while_running(runner, advertise)
        notices = await direct_notices(o, bot)
        for c in (m, o):
            await c.close()
        return notices

    notices = asyncio.run(scenario())
    kick = AuditLog.objects.get(community=community, action="Remove")
    assert (kick.rule, kick.target, kick.outcome) == ("expel_ads", admin.user_id, "failed")
    assert kick.reason == "发广告"
    assert kick.details["error"]["permanent"] is True
    assert "M_FORBIDDEN" in kick.details["error"]["message"]
    told = AuditLog.objects.get(community=community, action="Notify")
    assert (told.outcome, told.reason) == ("performed", "refused: Remove")
    (notice,) = notices
    assert notice.startswith("[测试房间] expel_ads wanted Remove")
    assert "M_FORBIDDEN" in notice and "发广告" in notice
    assert Group.objects.get(community=community).external_id in kick.details["action"]["group"]
