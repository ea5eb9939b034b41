"""Helpers for the Matrix connector tests: clients, rooms, a connector, collecting events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shequn.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
)
from tests.connectors.conftest import Synapse, User

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.connectors.matrix import MatrixConnector  # noqa: E402

TOKEN_ENV = "SHEQUN_TEST_MATRIX_TOKEN"


def client(synapse: Synapse, user: User) -> Any:
    """A matrix-nio client logged in as ``user``."""
    c = nio.AsyncClient(synapse.url, user.user_id)
    c.user_id = user.user_id
    c.access_token = user.access_token
    return c


async def ok(response: Awaitable[Any]) -> Any:
    """The response, failing the test on a nio error object."""
    result = await response
    assert not isinstance(result, nio.ErrorResponse), result
    return result


async def send(c: Any, room: str, body: str, **extra: Any) -> str:
    content = {"msgtype": "m.text", "body": body, **extra}
    return str((await ok(c.room_send(room, "m.room.message", content))).event_id)


async def make_room(c: Any, bot: User) -> str:
    """A public room the admin owns (power 100) and the bot moderates (power 50)."""
    created = await ok(
        c.room_create(
            preset=nio.RoomPreset.public_chat,
            name="测试房间",
            room_version="11",  # v12 creators sit above power levels; 11 keeps them explicit
            power_level_override={"users": {c.user_id: 100, bot.user_id: 50}},
        )
    )
    return str(created.room_id)


def connector(
    synapse: Synapse, bot: User, room: str, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> MatrixConnector:
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)
    return MatrixConnector(
        options.pop("cursor", None),
        homeserver=synapse.url,
        user_id=bot.user_id,
        token_env=TOKEN_ENV,
        rooms=[room],
        poll_timeout=2.0,
        **options,
    )


async def collect(
    conn: MatrixConnector,
    done: Callable[[list[Event]], bool],
    handle: Callable[[Event], Awaitable[Any]] | None = None,
    timeout: float = 20.0,
) -> list[Event]:
    """Events from ``conn`` until ``done`` says so (or fail after ``timeout``)."""
    got: list[Event] = []
    stream = conn.events()

    async def pump() -> None:
        async for event in stream:
            got.append(event)
            if handle is not None:
                await handle(event)
            if done(got):
                return

    try:
        await asyncio.wait_for(pump(), timeout)
    except TimeoutError:
        pytest.fail(f"only {len(got)} events in {timeout} s: {got}")
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    return got


def summary(event: Event) -> tuple[Any, ...]:
    """What a test can know of an event in advance (not the server's timestamps)."""
    actor = event.actor.id if event.actor else None
    if isinstance(event, MessagePosted):
        mentions = tuple(m.id for m in event.mentions)
        return ("msg", event.event_id, actor, event.text, event.reply_to, mentions)
    if isinstance(event, MemberJoined):
        return ("join", event.event_id, actor, event.member.id, event.how)
    if isinstance(event, MemberLeft):
        return ("left", event.event_id, actor, event.member.id, event.how)
    if isinstance(event, ReactionAdded):
        return ("react", event.event_id, actor, event.message_id, event.emoji)
    if isinstance(event, MessageDeleted):
        return ("deleted", event.event_id, actor, event.message_id)
    return (type(event).__name__, event.event_id, actor)


# --- mapping without a server -----------------------------------------------------
