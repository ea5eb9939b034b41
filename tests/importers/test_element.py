"""Element (Matrix) JSON importer, on a fixture hand-written from FORMATS.md."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.events import (
    Actor,
    Event,
    GroupCreated,
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessageDeleted,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers import discord, element, telegram
from shequn.importers.base import ImportFormatError, ImportOptions

ROOM = "!shequnroom:example.org"
LIN, MEI = "@linwei:example.org", "@mei:example.org"


def read_all(path: Path, **kw: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(**kw)  # type: ignore[arg-type]
    return list(element.read(path, options)), options


def by_id(events: list[Event], event_id: str) -> Event:
    (found,) = [e for e in events if e.event_id == event_id]
    return found


@pytest.fixture
def room(fixtures: Path) -> tuple[list[Event], ImportOptions]:
    return read_all(fixtures / "element" / "room.json")


def test_room_round_trip(room: tuple[list[Event], ImportOptions]) -> None:
    events, options = room
    assert Counter(type(e).__name__ for e in events) == {
        "MessagePosted": 11,
        "MemberJoined": 6,
        "MemberLeft": 3,
        "MemberRenamed": 1,
        "GroupCreated": 1,
        "GroupRenamed": 2,
        "ReactionAdded": 1,
        "MessageDeleted": 2,
    }
    assert options.skipped == Counter(
        {
            "member: invite (not yet joined)": 3,
            "event: m.room.topic": 1,
            "edit (m.replace)": 1,
            "member: profile change": 1,
            "member: invite declined or withdrawn": 1,
            "member: knock": 1,
            "encrypted (not decrypted)": 1,
        }
    )
    assert {(e.platform, e.group, e.group_name) for e in events} == {
        ("matrix", ROOM, "Shequn Matrix Room")
    }
    assert isinstance(events[0], GroupCreated) and events[0].actor == Actor(id=LIN)


def test_messages(room: tuple[list[Event], ImportOptions]) -> None:
    events, _ = room
    hello = by_id(events, "$hello")
    assert hello == MessagePosted(
        platform="matrix",
        group=ROOM,
        group_name="Shequn Matrix Room",
        event_id="$hello",
        at=datetime(2024, 4, 1, 0, 4, 0, 123000, tzinfo=UTC),
        actor=Actor(id=LIN, name="Lin Wei"),
        text="Hello  Mei, welcome!\n ",
        mentions=(Mention(id=MEI, name="Mei"),),
    )
    reply = by_id(events, "$reply")
    assert isinstance(reply, MessagePosted)
    assert reply.reply_to == "$hello"
    assert reply.text == "> <@linwei:example.org> Hello  Mei, welcome!\n\nthanks 🙂"
    thread = by_id(events, "$thread")  # falling back to the thread root
    assert isinstance(thread, MessagePosted) and thread.reply_to == "$hello"
    kinds = {e.event_id: e.kind for e in events if isinstance(e, MessagePosted)}
    assert kinds == {
        "$hello": MessageKind.TEXT,
        "$reply": MessageKind.TEXT,
        "$image": MessageKind.IMAGE,
        "$file": MessageKind.FILE,
        "$audio": MessageKind.VOICE,
        "$video": MessageKind.VIDEO,
        "$notice": MessageKind.LINK,
        "$emote": MessageKind.TEXT,
        "$gone": MessageKind.TEXT,
        "$thread": MessageKind.TEXT,
        "$sticker": MessageKind.STICKER,
    }


def test_reactions_and_deletions(room: tuple[list[Event], ImportOptions]) -> None:
    events, _ = room
    reaction = by_id(events, "$react")
    assert isinstance(reaction, ReactionAdded)
    assert (reaction.message_id, reaction.emoji, reaction.actor) == (
        "$hello",
        "👍",
        Actor(id=MEI, name="Mei"),
    )
    deleted = by_id(events, "$redact1")
    assert isinstance(deleted, MessageDeleted) and deleted.message_id == "$image"
    gone = by_id(events, "$gone")
    assert isinstance(gone, MessagePosted) and gone.text == ""
    because = by_id(events, "$redact2")  # from the redacted message's unsigned data
    assert isinstance(because, MessageDeleted) and because.message_id == "$gone"
    assert because.at == datetime(2024, 4, 1, 0, 16, tzinfo=UTC)


def test_membership(room: tuple[list[Event], ImportOptions]) -> None:
    events, _ = room
    mei_join = by_id(events, "$meijoin")
    assert isinstance(mei_join, MemberJoined)
    assert (mei_join.how, mei_join.inviter) == (JoinHow.INVITE, Actor(id=LIN, name="Lin Wei"))
    asker = by_id(events, "$askerjoin")
    assert isinstance(asker, MemberJoined)
    assert (asker.how, asker.inviter, asker.member.name) == (JoinHow.REQUEST, None, "Asker")
    spam_join = [e for e in events if isinstance(e, MemberJoined) and "spam" in e.member.id]
    assert [(e.how, e.inviter) for e in spam_join] == [(JoinHow.UNKNOWN, None)]
    kick, left, ban = by_id(events, "$kick"), by_id(events, "$left"), by_id(events, "$ban")
    assert isinstance(kick, MemberLeft) and kick.how is LeaveHow.REMOVED
    assert kick.member == Actor(id="@spam:example.org", name="Spam")
    assert kick.actor == Actor(id=LIN, name="Lin Wei")
    assert isinstance(left, MemberLeft) and left.how is LeaveHow.LEFT
    assert isinstance(ban, MemberLeft) and ban.how is LeaveHow.REMOVED
    renamed = by_id(events, "$rename")
    assert isinstance(renamed, MemberRenamed)
    assert (renamed.old_name, renamed.new_name) == ("Mei", "Mei Mei")
    later = by_id(events, "$sticker")
    assert later.actor == Actor(id=MEI, name="Mei Mei")  # names follow the member events


def test_room_names(room: tuple[list[Event], ImportOptions]) -> None:
    events, _ = room
    first, second = by_id(events, "$name1"), by_id(events, "$name2")
    assert isinstance(first, GroupRenamed) and (first.new_name, first.old_name) == (
        "Shequn Matrix",
        "",
    )
    assert isinstance(second, GroupRenamed) and second.old_name == "Shequn Matrix"


def test_group_without_room_id(fixtures: Path, tmp_path: Path) -> None:
    data = json.loads((fixtures / "element" / "room.json").read_text())
    for event in data["messages"]:
        event.pop("room_id")
    path = tmp_path / "room.json"
    path.write_text(json.dumps(data))
    events, _ = read_all(path)
    assert {e.group for e in events} == {"Shequn Matrix Room"}
    events, _ = read_all(path, group="ops-room")
    assert {e.group for e in events} == {"ops-room"}


# --- bad input -----------------------------------------------------------------


def edited(fixtures: Path, tmp_path: Path, change: dict[str, object]) -> Path:
    data = json.loads((fixtures / "element" / "room.json").read_text())
    data["messages"][6].update(change)  # the "$hello" message
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"origin_server_ts": "yesterday"}, "'origin_server_ts' as int or float"),
        ({"sender": None}, "'sender' as str"),
        ({"content": "text"}, "'content' as an object"),
        ({"room_id": "!other:example.org"}, "every event from room"),
        ({"content": {"msgtype": "m.text", "body": 5}}, "'content.body' as a string"),
    ],
)
def test_bad_event(
    fixtures: Path, tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    path = edited(fixtures, tmp_path, change)
    with pytest.raises(ImportFormatError, match=expected) as error:
        read_all(path)
    assert error.value.where == "event #7 ($hello)"
    assert str(error.value).startswith(str(path))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b'{"room_name": "x", "messages": [{"type": "m.room.message"', "premature"),
        (b'{"room_name": "x"}', "'messages'"),
        (b'{"messages": [{"type": "m.room.message"}]}', "room id"),
        (b'{"room_name": "x", "messages": [{"type": "m.room.message"}]}', "'event_id'"),
    ],
)
def test_bad_files(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    with pytest.raises(ImportFormatError, match=expected):
        read_all(path)


def test_other_formats_are_refused(fixtures: Path) -> None:
    for path in (
        fixtures / "telegram" / "service_group.json",
        fixtures / "discord" / "group_dm.json",
    ):
        with pytest.raises(ImportFormatError):
            read_all(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0))
def test_any_cut_fails_cleanly_or_parses(fixtures: Path, tmp_path: Path, cut: int) -> None:
    data = (fixtures / "element" / "room.json").read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: cut % (len(data) + 1)])
    try:
        events, _ = read_all(path)
    except ImportFormatError as error:
        assert str(path) in str(error)
    else:
        assert len(events) == 27


# --- sniff ---------------------------------------------------------------------


def test_sniff(fixtures: Path, tmp_path: Path) -> None:
    path = fixtures / "element" / "room.json"
    head = path.read_bytes()[: 64 * 1024]
    assert element.sniff(path, head)
    assert not telegram.sniff(path, head)
    assert not discord.sniff(path, head)
    for other in [*(fixtures / "telegram").glob("*.json"), *(fixtures / "discord").glob("*.json")]:
        assert not element.sniff(other, other.read_bytes()[: 64 * 1024]), other
    assert not element.sniff(tmp_path / "chat.txt", b"12/31/23, 21:15 - Alice: hi\n")
    assert element.sniff(tmp_path / "x", head[:120])  # cut inside the header
    raw = b'{"messages": [{"type": "m.room.message", "sender": "@a:b", "origin_server_ts": 1}]}'
    assert element.sniff(tmp_path / "x", raw)
