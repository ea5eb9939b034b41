"""DiscordChatExporter JSON importer, on fixtures hand-written from FORMATS.md."""

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
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers import discord, element, telegram
from shequn.importers.base import ImportFormatError, ImportOptions

CHANNEL = "900000000000000100"
LIN = Actor(id="500000000000000001", name="Lin Wei (admin)", role="Moderator")
MEI = Actor(id="500000000000000002", name="Mei")


def read_all(path: Path) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions()
    return list(discord.read(path, options)), options


def by_id(events: list[Event], event_id: str) -> Event:
    (found,) = [e for e in events if e.event_id == event_id]
    return found


@pytest.fixture
def channel(fixtures: Path) -> tuple[list[Event], ImportOptions]:
    return read_all(fixtures / "discord" / "guild_channel.json")


def test_channel_round_trip(channel: tuple[list[Event], ImportOptions]) -> None:
    events, options = channel
    assert Counter(type(e).__name__ for e in events) == {
        "MessagePosted": 6,
        "ReactionAdded": 3,
        "MemberJoined": 1,
        "GroupRenamed": 1,
    }
    assert options.skipped == Counter({"type: ChannelPinnedMessage": 1, "type: ThreadCreated": 1})
    assert {e.group for e in events} == {CHANNEL}
    assert {e.group_name for e in events} == {"Shequn Lab / #general"}
    assert all(e.platform == "discord" and e.at.tzinfo is UTC for e in events)


def test_message_fields(channel: tuple[list[Event], ImportOptions]) -> None:
    events, _ = channel
    welcome = by_id(events, "1100000000000000002")
    assert welcome == MessagePosted(
        platform="discord",
        group=CHANNEL,
        group_name="Shequn Lab / #general",
        event_id="1100000000000000002",
        at=datetime(2024, 4, 1, 0, 1, tzinfo=UTC),  # 08:01 at +08:00
        actor=LIN,
        kind=MessageKind.TEXT,
        text="Welcome <@500000000000000002>!  Rules are pinned.  ",
        mentions=(Mention(id=MEI.id, name="Mei"),),
        edited_at=datetime(2024, 4, 1, 0, 3, 30, 500000, tzinfo=UTC),
    )
    reply = by_id(events, "1100000000000000003")
    assert isinstance(reply, MessagePosted)
    assert reply.reply_to == "1100000000000000002"
    assert reply.kind is MessageKind.LINK
    assert reply.actor == Actor(id=MEI.id, name="mei")  # no nickname: the user name
    elsewhere = by_id(events, "1100000000000000004")  # reply into another channel
    assert isinstance(elsewhere, MessagePosted) and elsewhere.reply_to is None


def test_kinds(channel: tuple[list[Event], ImportOptions]) -> None:
    events, _ = channel
    kinds = {e.event_id[-2:]: e.kind for e in events if isinstance(e, MessagePosted)}
    assert kinds == {
        "02": MessageKind.TEXT,
        "03": MessageKind.LINK,
        "04": MessageKind.IMAGE,  # Schedule.PNG
        "05": MessageKind.FILE,  # minutes.pdf, with a caption: the attachment decides
        "06": MessageKind.STICKER,
        "07": MessageKind.VOICE,  # voice-message.ogg
    }
    bot = by_id(events, "1100000000000000005")
    assert bot.actor == Actor(id="500000000000000003", name="Helper", is_bot=True)


def test_reactions(channel: tuple[list[Event], ImportOptions]) -> None:
    events, _ = channel
    reactions = [e for e in events if isinstance(e, ReactionAdded)]
    assert [(r.event_id, r.emoji, r.actor.id if r.actor else "") for r in reactions] == [
        ("1100000000000000002:👋:500000000000000002", "👋", MEI.id),
        ("1100000000000000002:👋:500000000000000003", "👋", "500000000000000003"),
        (
            "1100000000000000002:<:shequn:800000000000000001>:500000000000000002",
            "<:shequn:800000000000000001>",
            MEI.id,
        ),
    ]
    assert {r.message_id for r in reactions} == {"1100000000000000002"}
    assert {r.at for r in reactions} == {datetime(2024, 4, 1, 0, 1, tzinfo=UTC)}


def test_system_messages(channel: tuple[list[Event], ImportOptions]) -> None:
    events, _ = channel
    joined = by_id(events, "1100000000000000001")
    assert isinstance(joined, MemberJoined)
    assert (joined.member, joined.how, joined.inviter) == (MEI, JoinHow.UNKNOWN, None)
    assert joined.at == datetime(2024, 4, 1, 0, 0, 0, 123000, tzinfo=UTC)
    renamed = by_id(events, "1100000000000000009")
    assert isinstance(renamed, GroupRenamed) and renamed.new_name == "lobby"


def test_group_dm(fixtures: Path) -> None:
    events, options = read_all(fixtures / "discord" / "group_dm.json")
    assert [type(e).__name__ for e in events] == [
        "MemberJoined",
        "MessagePosted",
        "MemberLeft",
        "MemberLeft",
    ]
    added, _, left, removed = events
    lin = Actor(id="500000000000000001", name="linwei")
    assert isinstance(added, MemberJoined)
    assert (added.member, added.how, added.inviter, added.actor) == (MEI, JoinHow.ADDED, lin, lin)
    assert isinstance(left, MemberLeft) and (left.member, left.how) == (MEI, LeaveHow.LEFT)
    assert isinstance(removed, MemberLeft) and removed.how is LeaveHow.REMOVED
    assert removed.member == Actor(id="500000000000000009", name="Spammer")
    assert options.skipped == Counter({"type: Call": 1})
    assert {e.group_name for e in events} == {"Direct Messages / #Organisers"}


def test_ids_are_stable(fixtures: Path) -> None:
    path = fixtures / "discord" / "guild_channel.json"
    assert read_all(path)[0] == read_all(path)[0]


# --- bad input -----------------------------------------------------------------


def edited(fixtures: Path, tmp_path: Path, change: dict[str, object]) -> Path:
    data = json.loads((fixtures / "discord" / "guild_channel.json").read_text())
    data["messages"][1].update(change)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"timestamp": None}, "'timestamp' as str"),
        ({"timestamp": "not a time"}, "Invalid isoformat"),
        ({"author": None}, "a user object with an 'id'"),
        ({"content": 5}, "'content' as a string"),
        ({"type": None}, "'type' as str"),
    ],
)
def test_bad_message(
    fixtures: Path, tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    path = edited(fixtures, tmp_path, change)
    with pytest.raises(ImportFormatError, match=expected) as error:
        read_all(path)
    assert error.value.where == "message #2 (id 1100000000000000002)"
    assert str(error.value).startswith(str(path))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02", "binary"),
        (b'{"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": [{"id": "3"', "premature"),
        (b'{"guild": {}, "channel": {}, "messages": []}', "'id'"),
        (b'{"guild": {}, "channel": {"id": "2"}}', "'messages'"),
        (b'"just a string"', "JSON object"),
    ],
)
def test_bad_files(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    with pytest.raises(ImportFormatError, match=expected):
        read_all(path)


def test_other_formats_are_refused(fixtures: Path) -> None:
    for path in (fixtures / "telegram" / "service_group.json", fixtures / "element" / "room.json"):
        with pytest.raises(ImportFormatError):
            read_all(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0))
def test_any_cut_fails_cleanly_or_parses(fixtures: Path, tmp_path: Path, cut: int) -> None:
    data = (fixtures / "discord" / "guild_channel.json").read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: cut % (len(data) + 1)])
    try:
        events, _ = read_all(path)
    except ImportFormatError as error:
        assert str(path) in str(error)
    else:
        assert len(events) == 11


# --- sniff ---------------------------------------------------------------------


def test_sniff(fixtures: Path, tmp_path: Path) -> None:
    for path in (fixtures / "discord").glob("*.json"):
        head = path.read_bytes()[: 64 * 1024]
        assert discord.sniff(path, head), path
        assert not telegram.sniff(path, head), path
        assert not element.sniff(path, head), path
    for path in [*(fixtures / "telegram").glob("*.json"), *(fixtures / "element").glob("*.json")]:
        assert not discord.sniff(path, path.read_bytes()[: 64 * 1024]), path
    assert not discord.sniff(tmp_path / "chat.txt", b"[12/31/23, 9:15:00 PM] Alice: hi\n")
    head = (fixtures / "discord" / "guild_channel.json").read_bytes()[:300]
    assert discord.sniff(tmp_path / "x", head)  # cut inside the header
