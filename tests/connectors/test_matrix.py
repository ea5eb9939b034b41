"""The Matrix connector against a real Synapse on loopback (see conftest.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Group, Membership
from shequn.connectors.base import ConnectorError, Unsupported
from shequn.events import (
    Action,
    Actor,
    Event,
    JoinHow,
    LeaveHow,
    MemberLeft,
    MessagePosted,
    Mute,
    Notify,
    Remove,
    SetTier,
)
from tests.connectors.synapse import Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.chat.models import Message, Reaction  # noqa: E402
from shequn.connectors.matrix import MatrixConnector  # noqa: E402
from shequn.connectors.matrix.mapping import strip_reply_fallback, to_event  # noqa: E402
from shequn.connectors.matrix.settings import MatrixSettings  # noqa: E402
from shequn.playbook.engine import Engine  # noqa: E402
from tests.connectors.matrix_kit import (  # noqa: E402
    TOKEN_ENV,
    client,
    collect,
    connector,
    make_room,
    ok,
    send,
    summary,
)


def test_registered_and_token_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from shequn.connectors import registry

    assert registry.load("matrix") is MatrixConnector
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    settings = MatrixSettings(homeserver="http://127.0.0.1:1", user_id="@b:x", token_env=TOKEN_ENV)
    with pytest.raises(ConnectorError, match=TOKEN_ENV) as missing:
        MatrixConnector(settings)
    assert missing.value.permanent
    monkeypatch.setenv(TOKEN_ENV, "secret")
    conn = MatrixConnector(settings, "s1_2", groups=["!r:x"])
    assert conn.cursor == "s1_2"
    assert conn.rooms == ("!r:x",)  # the groups configured with it, unless rooms are named
    assert "Notify" not in conn.capabilities  # no operator configured
    assert "secret" not in repr(conn) + repr(conn.session) + repr(settings)


def test_mapping_of_kick_ban_and_reply_fallback() -> None:
    base = {"origin_server_ts": 1_700_000_000_000, "sender": "@mod:x", "state_key": "@u:x"}
    kick = {
        **base, "type": "m.room.member", "event_id": "$k",
        "content": {"membership": "leave"}, "unsigned": {"prev_content": {"membership": "join"}},
    }  # fmt: skip
    event = to_event(kick, "!r:x")
    assert isinstance(event, MemberLeft)
    assert (event.how, event.member.id, event.actor) == (LeaveHow.REMOVED, "@u:x", Actor("@mod:x"))
    assert event.at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    ban = {**kick, "event_id": "$b", "content": {"membership": "ban"}}
    assert isinstance(to_event(ban, "!r:x"), MemberLeft)
    rejected = {**kick, "sender": "@u:x", "unsigned": {"prev_content": {"membership": "invite"}}}
    assert to_event(rejected, "!r:x") is None
    assert strip_reply_fallback("> <@a:x> hi\n> more\n\nanswer") == "answer"


# --- against Synapse ----------------------------------------------------------------


@pytest.mark.store
@pytest.mark.django_db(transaction=True)
def test_room_life_is_yielded_stored_and_newcomers_greeted(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, bot = synapse.register("admin"), synapse.register("bot")
    alice, bob = synapse.register("alice"), synapse.register("bob")
    community = get_or_create_community("矩阵社群")

    async def scenario() -> tuple[list[Event], list[tuple[Any, ...]], str, list[str]]:
        a, b, m = client(synapse, alice), client(synapse, bob), client(synapse, admin)
        room = await make_room(m, bot)
        await sync_to_async_create_group(community, room)
        conn = connector(synapse, bot, room, monkeypatch)
        await conn.connect()
        watcher_since = (await ok(m.sync(timeout=0))).next_batch

        join_a = await ok(a.join(room))
        join_b = await ok(b.join(room))
        del join_a, join_b
        hello = await send(a, room, "hello")
        reply = await send(
            b, room, f"> <{alice.user_id}> hello\n\nhi alice",
            **{"m.relates_to": {"m.in_reply_to": {"event_id": hello}}},
        )  # fmt: skip
        mention = await send(
            b, room, "alice: look", **{"m.mentions": {"user_ids": [alice.user_id]}}
        )
        reaction = await ok(
            a.room_send(
                room, "m.reaction",
                {"m.relates_to": {"rel_type": "m.annotation", "event_id": reply, "key": "👍"}},
            )
        )  # fmt: skip
        oops = await send(a, room, "oops")
        redaction = await ok(a.room_redact(room, oops))
        await ok(b.room_leave(room))
        await ok(m.room_kick(room, alice.user_id, reason="test"))

        engine = Engine(community, [conn])
        events = await collect(
            conn,
            lambda got: any(
                isinstance(e, MemberLeft) and e.member.id == alice.user_id for e in got
            ),
            handle=engine.handle,
        )
        mine = [e for e in events if not (e.actor and e.actor.id == bot.user_id)]
        # The event ids of joins and leaves come from the room's timeline.
        ids = {summary(e)[0:1] + summary(e)[2:4]: e.event_id for e in mine}
        expected = [
            ("join", ids[("join", alice.user_id, alice.user_id)], alice.user_id, alice.user_id,
             JoinHow.UNKNOWN),
            ("join", ids[("join", bob.user_id, bob.user_id)], bob.user_id, bob.user_id,
             JoinHow.UNKNOWN),
            ("msg", hello, alice.user_id, "hello", None, ()),
            ("msg", reply, bob.user_id, "hi alice", hello, ()),
            ("msg", mention, bob.user_id, "alice: look", None, (alice.user_id,)),
            ("react", reaction.event_id, alice.user_id, reply, "👍"),
            # Redacted before the bot synced: it arrives empty, then its deletion.
            ("msg", oops, alice.user_id, "", None, ()),
            ("deleted", redaction.event_id, alice.user_id, oops),
            ("left", ids[("left", bob.user_id, bob.user_id)], bob.user_id, bob.user_id,
             LeaveHow.LEFT),
            ("left", ids[("left", admin.user_id, alice.user_id)], admin.user_id, alice.user_id,
             LeaveHow.REMOVED),
        ]  # fmt: skip

        # The greetings reach the room: the admin's client sees them.
        greetings: list[str] = []
        deadline = asyncio.get_running_loop().time() + 10
        since = watcher_since
        while len(greetings) < 2 and asyncio.get_running_loop().time() < deadline:
            update = await ok(m.sync(timeout=1000, since=since))
            since = update.next_batch
            joined = update.rooms.join.get(room)
            for ev in joined.timeline.events if joined else []:
                if ev.sender == bot.user_id and getattr(ev, "body", "").startswith("欢迎"):
                    greetings.append(ev.body)
        for c in (a, b, m):
            await c.close()
        await conn.close()
        return mine, expected, room, greetings

    events, expected, room, greetings = asyncio.run(scenario())
    assert [summary(e) for e in events] == expected
    now = datetime.now(UTC)
    assert all(e.platform == "matrix" and e.group == room for e in events)
    assert all(e.at.tzinfo is not None and now - e.at < timedelta(minutes=5) for e in events)
    assert len(greetings) == 2
    assert greetings[0].startswith(f"欢迎 {alice.user_id[1:].split(':')[0]}")

    group = Group.objects.get(platform="matrix", external_id=room)
    stored = {m.external_id: m for m in Message.objects.filter(group=group)}
    texts = {m.text for m in stored.values()}
    assert texts == {"hello", "hi alice", "alice: look", ""}
    by_text = {m.text: m for m in stored.values()}
    assert by_text["hi alice"].reply_to == by_text["hello"].external_id
    assert by_text[""].deleted_at is not None
    assert Reaction.objects.filter(group=group, emoji="👍").count() == 1
    left = {
        m.account.external_id: m.left_how
        for m in Membership.objects.filter(group=group).select_related("account")
    }
    assert left == {alice.user_id: "removed", bob.user_id: "left"}
    sends = AuditLog.objects.filter(community=community, rule="welcome", action="Send")
    assert [s.outcome for s in sends] == [AuditLog.Outcome.PERFORMED] * 2


async def sync_to_async_create_group(community: Any, room: str) -> None:
    from asgiref.sync import sync_to_async

    await sync_to_async(Group.objects.create)(
        community=community,
        platform="matrix",
        external_id=room,
        name="测试房间",
        settings={"welcome": {"enabled": True}},
    )


def test_restart_from_cursor_yields_each_message_once(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))
    backfills: list[str] = []

    async def scenario() -> tuple[list[str], list[Event], list[Event]]:
        a, m = client(synapse, alice), client(synapse, admin)
        room = await make_room(m, bot)
        await ok(a.join(room))
        first = connector(synapse, bot, room, monkeypatch)
        await first.connect()
        before = await send(a, room, "before the stop")
        seen = await collect(first, lambda got: any(e.event_id == before for e in got))
        saved = first.cursor
        await first.close()

        sent = [await send(a, room, f"while away {i}") for i in range(20)]
        # A small timeline limit makes the sync `limited`: the rest comes from /messages.
        second = connector(synapse, bot, room, monkeypatch, cursor=saved, timeline_limit=5)
        backfill = second._backfill

        async def counted(*args: Any) -> list[dict[str, Any]]:
            backfills.append(args[0])
            return await backfill(*args)

        monkeypatch.setattr(second, "_backfill", counted)
        got = await collect(second, lambda got: any(e.event_id == sent[-1] for e in got))
        after = await send(a, room, "after the restart")
        more = await collect(second, lambda got: any(e.event_id == after for e in got))
        for c in (a, m):
            await c.close()
        await second.close()
        return sent, seen, got + more

    sent, seen, resumed = asyncio.run(scenario())
    assert backfills, "the resumed sync was not limited: the backfill path went untested"
    assert seen[-1].event_id not in {e.event_id for e in resumed}
    ids = [e.event_id for e in resumed]
    assert len(ids) == len(set(ids)), "an event was yielded twice"
    assert [i for i in ids if i in sent] == sent
    assert [e.text for e in resumed if isinstance(e, MessagePosted)][:20] == [
        f"while away {i}" for i in range(20)
    ]


def test_refused_and_unsupported_actions(synapse: Synapse, monkeypatch: pytest.MonkeyPatch) -> None:
    admin, bot = synapse.register("admin"), synapse.register("bot")

    async def refusal(conn: MatrixConnector, action: Action) -> ConnectorError:
        try:
            await conn.perform(action)
        except ConnectorError as exc:
            return exc
        pytest.fail(f"{action} was allowed")

    async def scenario() -> tuple[list[ConnectorError], list[str]]:
        m = client(synapse, admin)
        room = await make_room(m, bot)
        conn = connector(synapse, bot, room, monkeypatch, operator=admin.user_id)
        await conn.connect()
        since = (await ok(m.sync(timeout=0))).next_batch
        the_admin = Actor(admin.user_id)
        refused = [
            await refusal(conn, Remove(platform="matrix", group=room, member=the_admin)),
            await refusal(
                conn, Mute(platform="matrix", group=room, member=the_admin, duration=timedelta(1))
            ),
            await refusal(
                conn, SetTier(platform="matrix", group=room, member=the_admin, tier="big")
            ),
        ]
        await conn.perform(Notify(platform="matrix", group=room, text="需要人工处理"))
        invites = (await ok(m.sync(timeout=2000, since=since))).rooms.invite
        await m.close()
        await conn.close()
        return refused, list(invites)

    (kick, mute, tier), invites = asyncio.run(scenario())
    assert kick.permanent and mute.permanent
    assert "M_FORBIDDEN" in str(kick) and "M_FORBIDDEN" in str(mute)
    assert isinstance(tier, Unsupported) and "SetTier" in str(tier)  # an archive edit
    assert len(invites) == 1  # the operator is invited to a direct-message room


def test_reconnects_when_the_homeserver_goes_away(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Synapse stopped mid-stream and started again: nothing lost, nothing doubled."""
    admin, bot, alice = (synapse.register(n) for n in ("admin", "bot", "alice"))

    async def scenario() -> tuple[list[str], list[Event]]:
        a, m = client(synapse, alice), client(synapse, admin)
        room = await make_room(m, bot)
        await ok(a.join(room))
        conn = connector(synapse, bot, room, monkeypatch)
        await conn.connect()
        sent = [await send(a, room, "before the outage")]
        got: list[Event] = []
        arrived = asyncio.Event()

        async def pump() -> None:
            async for event in conn.events():
                got.append(event)
                if event.event_id == sent[-1]:
                    arrived.set()

        task = asyncio.create_task(pump())
        await asyncio.wait_for(arrived.wait(), 10)
        arrived.clear()
        await asyncio.to_thread(synapse.stop)
        await asyncio.sleep(1.5)  # the connector's syncs fail meanwhile
        await asyncio.to_thread(synapse.start)
        sent.append(await send(a, room, "after the outage"))
        await asyncio.wait_for(arrived.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for c in (a, m):
            await c.close()
        await conn.close()
        return sent, got

    sent, got = asyncio.run(scenario())
    ids = [e.event_id for e in got if isinstance(e, MessagePosted)]
    assert ids == sent
