"""Telegram Desktop JSON importer: real exports, hand-written service fixtures.

Streaming, bad input and sniffing are in test_telegram_bad_input.py.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.events import (
    Actor,
    Event,
    GroupCreated,
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
from shequn.importers import telegram
from shequn.importers.base import ImportFormatError, ImportOptions
from tests.importers.telegram_helpers import JAKARTA, TGIF, TGIF_KINDS, posted, read_all, tgif


def by_id(events: list[Event], event_id: str) -> Event:
    (found,) = [e for e in events if e.event_id == event_id]
    return found


# --- real exports --------------------------------------------------------------


def test_table_agrees_with_notice() -> None:
    assert sum(v[0] for v in TGIF.values()) == 1179
    assert sum(v[1] for v in TGIF.values()) == 555
    assert max(v[2] for v in TGIF.values()) == 20
    assert sum(TGIF_KINDS.values()) == 1179


@pytest.mark.realdata
@pytest.mark.parametrize("folder", sorted(TGIF))
def test_real_tgif_counts(real_data: Path, folder: str) -> None:
    messages, replies, senders, edited = TGIF[folder]
    events, options = read_all(tgif(real_data, folder), tz=JAKARTA)
    msgs = posted(events)
    assert len(msgs) == messages
    assert len(events) == messages  # no joins, leaves or reactions in these files
    assert sum(m.reply_to is not None for m in msgs) == replies
    assert len({m.actor.id for m in msgs if m.actor}) == senders
    assert sum(m.edited_at is not None for m in msgs) == edited
    assert not [e for e in events if isinstance(e, MemberJoined | MemberLeft)]
    assert not options.skipped
    assert len({m.event_id for m in msgs}) == messages
    group_id = str(json.loads(tgif(real_data, folder).read_bytes())["id"])
    assert {m.group for m in msgs} == {group_id}
    assert all(m.at.tzinfo is UTC for m in msgs)


@pytest.mark.realdata
def test_real_tgif_kinds(real_data: Path) -> None:
    kinds: Counter[str] = Counter()
    for folder in TGIF:
        events, _ = read_all(tgif(real_data, folder), tz=JAKARTA)
        kinds.update(m.kind.value for m in posted(events))
    assert kinds == TGIF_KINDS


@pytest.mark.realdata
def test_text_with_entities_is_byte_exact(real_data: Path) -> None:
    events, _ = read_all(tgif(real_data, "oop"), tz=JAKARTA)
    link = by_id(events, "95365")
    assert isinstance(link, MessagePosted)
    assert link.text == "https://t.me/dotnetcore_id/34404\n\ndapet insight dari ini"
    assert link.kind is MessageKind.LINK
    events, _ = read_all(tgif(real_data, "database-isolation-level"), tz=JAKARTA)
    code = by_id(events, "235892")
    assert isinstance(code, MessagePosted)
    assert code.text == (
        "plus kalo pake NewSQL jangan pake AUTO INCREMENT karena akan jadi hotspot mas @Ramad987"
    )
    assert code.mentions == (Mention(name="Ramad987"),)
    assert code.kind is MessageKind.TEXT


@pytest.mark.realdata
def test_reply_sender_and_local_time(real_data: Path) -> None:
    events, _ = read_all(tgif(real_data, "oop"), tz=JAKARTA)
    first, reply = by_id(events, "95364"), by_id(events, "95368")
    assert isinstance(reply, MessagePosted) and reply.reply_to == "95367"
    # "date": "2022-09-16T21:03:57" without date_unixtime, read in UTC+7
    assert first.at == datetime(2022, 9, 16, 14, 3, 57, tzinfo=UTC)
    assert first.actor == Actor(id="user368718073", name="Ahmad Tohir")
    assert first.group_name == "Teknologi Umum v2.0"
    # The display name keeps its invisible trailing characters byte for byte.
    assert reply.actor == Actor(id="user149994951", name="Ronny Gunawan \ufe0f")


@pytest.mark.realdata
def test_unixtime_wins_over_zone_and_deleted_account(real_data: Path) -> None:
    path = tgif(real_data, "coorporate-speak")
    in_utc, _ = read_all(path, tz=UTC)
    in_jakarta, _ = read_all(path, tz=JAKARTA)
    assert [e.at for e in in_utc] == [e.at for e in in_jakarta]
    gif = by_id(in_utc, "10906")  # date 16:18:43 local, date_unixtime 1654420723
    assert gif.at == datetime(2022, 6, 5, 9, 18, 43, tzinfo=UTC)
    assert isinstance(gif, MessagePosted) and gif.kind is MessageKind.VIDEO
    deleted = by_id(in_utc, "10821")  # "from": null, a deleted account
    assert isinstance(deleted, MessagePosted)
    assert deleted.actor == Actor(id="user1168523623", name="")
    assert deleted.edited_at == datetime.fromtimestamp(1654419750, UTC)


# --- chat-miner's fixtures -----------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["test_single_export.json", "test_batch_export.json"])
def test_chat_miner_fixtures_match_target(real_data: Path, name: str) -> None:
    folder = real_data / "chat-miner-fixtures" / "telegram"
    target = json.loads((folder / "target.json").read_text())
    options = {"group": "chat-miner"} if name == "test_single_export.json" else {}
    events, _ = read_all(folder / name, **options)
    msgs = posted(events)
    assert len(msgs) == len(target) == 2
    for got, want in zip(msgs, target, strict=True):
        # chat-miner writes naive UTC from date_unixtime; ours are aware UTC.
        assert got.at == datetime.fromisoformat(want["timestamp"]).replace(tzinfo=UTC)
        assert got.actor is not None and got.actor.name == want["author"]
        # These files have no from_id: the name is the id, prefixed.
        assert got.actor.id == "name:" + want["author"]
    assert msgs[0].text == target[0]["message"] == "Minimal Message"
    # Deliberate difference: chat-miner joins the text pieces with a space ("Link:
    # https://telegram.org/"); Telegram shows them concatenated, and we keep bytes exact.
    assert target[1]["message"] == "Link: https://telegram.org/"
    assert msgs[1].text == "Link:https://telegram.org/"
    assert msgs[1].kind is MessageKind.LINK
    # No message ids in these files: ids are position + content hash, stable across reads.
    again, _ = read_all(folder / name, **options)
    assert [m.event_id for m in posted(again)] == [m.event_id for m in msgs]
    assert msgs[0].event_id.startswith("n1:")
    # The batch chat has a name but no id: the name is the group.
    want_group = "chat-miner" if name == "test_single_export.json" else "Chatname"
    assert {m.group for m in msgs} == {want_group}


@pytest.mark.realdata
def test_chat_without_id_or_name_needs_a_group(real_data: Path) -> None:
    path = real_data / "chat-miner-fixtures" / "telegram" / "test_single_export.json"
    with pytest.raises(ImportFormatError, match="'id' or 'name'"):
        read_all(path)


# --- hand-written service messages ---------------------------------------------


def test_service_messages(fixtures: Path) -> None:
    events, options = read_all(fixtures / "telegram" / "service_group.json", tz=UTC)
    lin = Actor(id="user111", name="Lin Wei")
    created = by_id(events, "1")
    assert isinstance(created, GroupCreated) and created.group_name == "Shequn Beta"
    assert created.actor == lin and created.group == "2001234567"
    founders = [e for e in events if e.event_id in ("1:1", "1:2")]
    assert [(e.member.name, e.how, e.inviter) for e in founders] == [  # type: ignore[attr-defined]
        ("Zhang San", JoinHow.ADDED, lin),
        ("Li Si", JoinHow.ADDED, lin),
    ]
    renamed = by_id(events, "2")
    assert isinstance(renamed, GroupRenamed) and renamed.new_name == "Shequn Test Group"
    by_link = by_id(events, "3")
    assert isinstance(by_link, MemberJoined)
    assert by_link.member == Actor(id="user333", name="Wang Wu")
    assert by_link.how is JoinHow.LINK
    assert by_link.inviter == Actor(id="name:Lin Wei", name="Lin Wei")
    self_join = by_id(events, "4:1")  # invite_members by the member: a public-group join
    assert isinstance(self_join, MemberJoined)
    assert self_join.member == Actor(id="user444", name="Zhao Liu")
    assert (self_join.how, self_join.inviter) == (JoinHow.UNKNOWN, None)
    added = [e for e in events if e.event_id.startswith("5:")]
    assert [(e.event_id, e.member.id) for e in added] == [  # type: ignore[attr-defined]
        ("5:1", "name:Chen Qi"),
        ("5:3", "name:Sun Ba"),
    ]
    assert options.skipped["service: member without a name (deleted account)"] == 1
    left, removed = by_id(events, "13:1"), by_id(events, "14:1")
    assert isinstance(left, MemberLeft) and left.how is LeaveHow.LEFT
    assert left.member == Actor(id="user666", name="Sun Ba")
    assert isinstance(removed, MemberLeft) and removed.how is LeaveHow.REMOVED
    assert removed.member.id == "name:Zhao Liu" and removed.actor == lin
    assert options.skipped["service: pin_message"] == 1
    assert options.skipped["service: migrate_to_supergroup"] == 1
    assert options.skipped["message type: unsupported"] == 1


def test_mentions_media_and_replies(fixtures: Path) -> None:
    events, _ = read_all(fixtures / "telegram" / "service_group.json", tz=UTC)
    welcome = by_id(events, "6")
    assert isinstance(welcome, MessagePosted)
    assert welcome.text == "Welcome Chen Qi and @sunba!  Rules: here \n"
    assert welcome.mentions == (Mention(id="user555", name="Chen Qi"), Mention(name="sunba"))
    assert welcome.kind is MessageKind.LINK  # a text_link entity
    kinds = {e.event_id: e.kind for e in posted(events)}
    assert kinds == {
        "6": MessageKind.LINK,
        "7": MessageKind.IMAGE,
        "8": MessageKind.VOICE,
        "9": MessageKind.VIDEO,
        "10": MessageKind.FILE,
        "11": MessageKind.STICKER,
    }
    replies = {e.event_id: e.reply_to for e in posted(events)}
    assert replies["7"] == "6"
    assert replies["8"] is None  # reply_to_peer_id names another chat
    assert replies["9"] == "7"  # reply_to_peer_id names this chat
    sticker = by_id(events, "11")
    assert isinstance(sticker, MessagePosted)
    assert sticker.actor == Actor(id="user777", name="")
    assert sticker.edited_at == datetime(2024, 3, 1, 3, 20, tzinfo=UTC)


def test_reactions_from_recent(fixtures: Path) -> None:
    events, _ = read_all(fixtures / "telegram" / "service_group.json", tz=ZoneInfo("Asia/Shanghai"))
    reactions = [e for e in events if isinstance(e, ReactionAdded)]
    assert [(r.event_id, r.actor.id if r.actor else "", r.emoji) for r in reactions] == [
        ("7:👍:user111", "user111", "👍"),
        ("7:👍:user333", "user333", "👍"),
    ]
    assert {r.message_id for r in reactions} == {"7"}
    # `recent` dates are local only: read in the zone given (UTC+8 here).
    assert reactions[0].at == datetime(2024, 3, 1, 3, 7, tzinfo=UTC)


def test_whole_account_export(fixtures: Path) -> None:
    events, options = read_all(fixtures / "telegram" / "account_export.json", tz=UTC)
    assert options.skipped == Counter({"private chat": 3})
    assert [(e.group, e.group_name, e.event_id, type(e).__name__) for e in events] == [
        ("1500000001", "Operators", "10", "MemberJoined"),
        ("1500000001", "Operators", "11", "MessagePosted"),
        ("1500000001", "Operators", "12", "MessagePosted"),
        ("1400000002", "Old Community", "500", "MessagePosted"),
        ("1400000002", "Old Community", "501:1", "MemberLeft"),
    ]
    assert posted(events)[1].reply_to == "11"
    left = events[-1]
    assert isinstance(left, MemberLeft) and left.how is LeaveHow.LEFT
    assert left.member == Actor(id="user111", name="Lin Wei")


def test_progress_reaches_the_end(fixtures: Path) -> None:
    path = fixtures / "telegram" / "account_export.json"
    seen: list[int] = []
    list(telegram.read(path, ImportOptions(on_progress=seen.append)))
    assert seen and seen[-1] == path.stat().st_size
    assert seen == sorted(seen)
