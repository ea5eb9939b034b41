"""Helpers for the Matrix connector tests: clients, rooms, a connector, collecting events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from asgiref.sync import sync_to_async

from shequn.community.models import Community, Group
from shequn.events import (
    Action,
    Actor,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    Remove,
)
from shequn.playbook.rules import GroupState
from shequn.playbook.runner import Runner
from tests.connectors.synapse import Synapse, User

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.connectors.matrix import MatrixConnector  # noqa: E402
from shequn.connectors.matrix.settings import MatrixSettings  # noqa: E402
from tests.playbook.rule_kit import KitRule  # noqa: E402

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


#: The power levels a room's events need when moderators (50) may change power levels.
MODERATED_EVENTS = {
    "m.room.name": 50,
    "m.room.power_levels": 50,
    "m.room.history_visibility": 100,
    "m.room.canonical_alias": 50,
    "m.room.avatar": 50,
    "m.room.tombstone": 100,
    "m.room.server_acl": 100,
    "m.room.encryption": 100,
}


async def make_room(c: Any, bot: User, moderators_set_levels: bool = False) -> str:
    """A public room the admin owns (power 100) and the bot moderates (power 50).

    ``moderators_set_levels``: the bot may change power levels (and so mute members).
    """
    levels: dict[str, Any] = {"users": {c.user_id: 100, bot.user_id: 50}}
    if moderators_set_levels:
        levels["events"] = MODERATED_EVENTS
    created = await ok(
        c.room_create(
            preset=nio.RoomPreset.public_chat,
            name="测试房间",
            room_version="11",  # v12 creators sit above power levels; 11 keeps them explicit
            power_level_override=levels,
        )
    )
    return str(created.room_id)


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0) -> None:
    """Wait until ``check()`` holds; fail the test naming ``what`` after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.05)


async def bot_texts(c: Any, room: str, bot: User, since: str, want: int) -> list[str]:
    """What the bot posts in ``room`` after ``since``, as ``c`` sees it (``want`` posts)."""
    got: list[str] = []
    deadline = asyncio.get_running_loop().time() + 20
    while len(got) < want and asyncio.get_running_loop().time() < deadline:
        update = await ok(c.sync(timeout=1000, since=since))
        since = update.next_batch
        joined = update.rooms.join.get(room)
        for ev in joined.timeline.events if joined else []:
            if ev.sender == bot.user_id and isinstance(getattr(ev, "body", None), str):
                got.append(ev.body)
    return got


async def direct_notices(c: Any, sender: User, want: int = 1) -> list[str]:
    """The notices ``sender`` sent ``c``'s user in direct-message rooms: accept, join, read."""
    got: list[str] = []
    since = None
    deadline = asyncio.get_running_loop().time() + 20
    while len(got) < want and asyncio.get_running_loop().time() < deadline:
        update = await ok(c.sync(timeout=1000, since=since))
        since = update.next_batch
        for room in update.rooms.invite:
            await ok(c.join(room))
        for info in update.rooms.join.values():
            # A room just joined comes with its recent history (it is "shared").
            got.extend(
                ev.body for ev in info.timeline.events
                if ev.sender == sender.user_id and isinstance(getattr(ev, "body", None), str)
            )  # fmt: skip
    return got


async def direct_room(c: Any, bot: User) -> tuple[str, str, list[str]]:
    """The direct room ``bot`` opened with ``c``'s user: accept it; (room, a sync token
    from before the bot's first words there, those words)."""
    since, deadline = None, asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        before = since
        update = await ok(c.sync(timeout=1000, since=since))
        since = update.next_batch
        for room in update.rooms.invite:
            await ok(c.join(room))
        for room, info in update.rooms.join.items():
            said = [e.body for e in info.timeline.events if e.sender == bot.user_id
                    and isinstance(getattr(e, "body", None), str)]  # fmt: skip
            if said and before is not None:
                return room, before, said
    pytest.fail("the bot wrote nothing directly")


def settings(
    synapse: Synapse, bot: User, room: str, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> MatrixSettings:
    """Settings for ``bot`` watching ``room``; its token in the environment as ``token_env``."""
    monkeypatch.setenv(TOKEN_ENV, bot.access_token)
    given: dict[str, Any] = {"token_env": TOKEN_ENV, "rooms": [room], "poll_timeout": 2.0}
    given.update(options)
    return MatrixSettings(homeserver=synapse.url, user_id=bot.user_id, **given)


def connector(
    synapse: Synapse,
    bot: User,
    room: str,
    monkeypatch: pytest.MonkeyPatch,
    cursor: str | None = None,
    state_dir: Path | None = None,
    **options: Any,
) -> MatrixConnector:
    return MatrixConnector(
        settings(synapse, bot, room, monkeypatch, **options), cursor, state_dir=state_dir
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


# --- the engine and ``shequn run`` against Synapse ---------------------------------


class ExpelAds(KitRule):
    """Removes whoever posts 广告 (advertising) — a platform may refuse: an admin posted it."""

    name: ClassVar[str] = "expel_ads"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MessagePosted) or "广告" not in event.text or not event.actor:
            return []
        who = Actor(event.actor.id, state.display_name(event.actor.id))
        return [Remove(platform=event.platform, group=event.group, reason="发广告", member=who)]


async def add_group(community: Community, room: str, settings: dict[str, Any]) -> Group:
    """The store's group for ``room``, with ``settings`` (connector, rules)."""
    return await sync_to_async(Group.objects.create)(
        community=community, platform="matrix", external_id=room, name="测试房间", settings=settings
    )


async def runner_from_store(rules: tuple[Any, ...] | None = None) -> Runner:
    """``shequn run``'s runner for the store, optionally with other rules than the defaults."""
    runner = await sync_to_async(Runner.from_store)("w1", 0.2)
    if rules is not None:
        for source in runner.sources:
            source.engine.rules = rules
    return runner


async def while_running(runner: Runner, body: Callable[[], Awaitable[None]]) -> None:
    """Run ``runner`` while ``body`` runs, then stop it as SIGTERM would."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await body()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def count(query: Callable[[], int]) -> Callable[[], Awaitable[int]]:
    """An async reading of the store (for ``until`` conditions)."""
    return sync_to_async(query)


def connector_conf(synapse: Synapse, bot: Any, operator: Any | None = None) -> dict[str, Any]:
    """The group's ``connector`` section: the bot by token, the operator told of refusals."""
    conf = {"kind": "matrix", "homeserver": synapse.url, "user_id": bot.user_id,
            "token_env": TOKEN_ENV, "poll_timeout": 2.0}  # fmt: skip
    if operator is not None:
        conf["operator"] = operator.user_id
    return conf
