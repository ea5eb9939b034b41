"""Telegram Desktop JSON importer: real exports, hand-written service fixtures, bad input."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
    Mention,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers import discord, element, telegram
from shequn.importers.base import ImportFormatError, ImportOptions

JAKARTA = ZoneInfo("Asia/Jakarta")  # the tgif groups are Indonesian; their `date` is UTC+7

# Counted by reading the files with the standard json module, by these rules:
# messages = items with type "message"; replies = items with reply_to_message_id (none has
# reply_to_peer_id); senders = distinct from_id; edited = items with "edited". No file has a
# service message, so every file has 0 joins and 0 leaves. Totals agree with NOTICE.md
# (1,179 messages, up to 20 senders, 555 replies).
TGIF = {
    # folder: (messages, replies, senders, edited)
    "biasa-vs-enterprise-linux-distro": (37, 20, 2, 4),
    "coorporate-speak": (155, 52, 9, 12),
    "database-isolation-level": (98, 34, 5, 8),
    "dependency-injection-in-a-nutshell": (29, 10, 3, 1),
    "disable-service-gcp-ingress": (38, 18, 3, 1),
    "membuat-linq-efisien": (53, 34, 7, 6),
    "oop": (46, 13, 8, 2),
    "perlu-belajar-assembly": (61, 29, 7, 3),
    "praktik-load-balancer": (43, 14, 7, 1),
    "pujangga-kode-1": (82, 58, 12, 14),
    "pujangga-kode-2": (135, 103, 20, 14),
    "software-testing": (197, 94, 12, 18),
    "ssl-tidak-hanya-untuk-website": (14, 1, 2, 6),
    "tdd-and-clean-architecture": (191, 75, 7, 23),
}
# Kinds over all 14 files, counted the same way: photo 22; media_type sticker 17 and
# animation 4; file without media_type 2 (PNGs sent as files); a link entity 36; text 1,098.
TGIF_KINDS = {"text": 1098, "link": 36, "image": 22, "sticker": 17, "video": 4, "file": 2}


def read_all(path: Path, **kw: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(**kw)  # type: ignore[arg-type]
    return list(telegram.read(path, options)), options


def posted(events: list[Event]) -> list[MessagePosted]:
    return [e for e in events if isinstance(e, MessagePosted)]


def by_id(events: list[Event], event_id: str) -> Event:
    (found,) = [e for e in events if e.event_id == event_id]
    return found


def tgif(real_data: Path, folder: str) -> Path:
    return real_data / "telegram-tgif" / folder / "exported.json"


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


# --- streaming -----------------------------------------------------------------


def synthetic(path: Path, count: int, tail: str = "\n ]\n}\n") -> Path:
    """A single-chat export of ``count`` small messages, optionally with a bad tail."""
    with path.open("w", encoding="utf-8") as f:
        f.write('{\n "name": "Big",\n "type": "private_supergroup",\n "id": 42,\n "messages": [\n')
        for i in range(1, count + 1):
            message = {
                "id": i,
                "type": "message",
                "date": "2024-01-01T00:00:00",
                "date_unixtime": str(1704067200 + i),
                "from": f"U{i % 50}",
                "from_id": f"user{i % 50}",
                "text": f"message number {i}",
            }
            f.write(("," if i > 1 else "") + json.dumps(message) + "\n")
        f.write(tail)
    return path


def test_streams_before_reading_the_whole_file(tmp_path: Path) -> None:
    path = synthetic(tmp_path / "cut.json", 20_000, tail=',{"id": 20001, "type": "mess')
    stream = telegram.read(path, ImportOptions())
    first = next(stream)
    assert first.event_id == "1"  # yielded although the file is broken near its end
    with pytest.raises(ImportFormatError, match=r"near byte \d+"):
        list(stream)


def test_memory_stays_flat(tmp_path: Path) -> None:
    import tracemalloc

    path = synthetic(tmp_path / "big.json", 30_000)
    tracemalloc.start()
    count = sum(1 for _ in telegram.read(path, ImportOptions()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 30_000
    assert peak < 2_000_000 < path.stat().st_size  # measured about 1.1 MB, flat with size


# --- bad input -----------------------------------------------------------------


def write(tmp_path: Path, data: bytes | str, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.realdata
def test_truncated_real_file(real_data: Path, tmp_path: Path) -> None:
    data = tgif(real_data, "software-testing").read_bytes()
    path = write(tmp_path, data[: len(data) // 2])
    with pytest.raises(ImportFormatError) as error:
        read_all(path)
    assert str(path) in str(error.value)
    assert "near byte" in error.value.where
    assert "premature EOF" in error.value.expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (b"  \n", "empty file"),
        (bytes(range(256)) * 4, "binary"),
        (b"\xff\xfe{garbage", "valid JSON"),
        (b"[1, 2, 3]", "JSON object"),
        (b'{"name": "x", "id": 1}', "'messages'"),
        (b'{"messages": {"a": 1}}', "an array"),
        (b'{"id": 1, "messages": [1]}', "a message object"),
        (b'{"id": 1, "messages": [{"id": 7, "type": "message", "text": "x"}]}', "'date"),
        (b'{"id": 1, "messages": [{"id": 7, "date": "2024-01-01T00:00:00"}]}', "'type'"),
        (
            b'{"id": 1, "messages": [{"id": 7, "type": "message", "date_unixtime": "soon"}]}',
            "'date_unixtime' as whole seconds",
        ),
        (
            b'{"id": 1, "messages": [{"id": 7, "type": "message", "date": "yesterday"}]}',
            "'date' as an ISO date",
        ),
        (b'{"id": 1, "messages": [{"id": 7, "type": "Default"}]}', "'type' message, service"),
        (
            b'{"id": 1, "messages": [{"id": 7, "type": "message", '
            b'"date_unixtime": "1", "text": 5}]}',
            "'text' as a string or an array",
        ),
        (
            b'{"id": 1, "messages": [{"id": 7, "type": "message", '
            b'"date_unixtime": "1", "text": [{"type": "bold"}]}]}',
            "entity objects",
        ),
        (b'{"id": 1, "messages": []} trailing', "trailing garbage"),
    ],
)
def test_bad_input(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ImportFormatError, match=expected) as error:
        read_all(path)
    assert str(error.value).startswith(str(path))


def test_byte_order_mark_is_stepped_over(tmp_path: Path) -> None:
    data = (
        b'\xef\xbb\xbf{"id": 5, "messages": [{"id": 1, "type": "message", "date_unixtime": "0"}]}'
    )
    events, _ = read_all(write(tmp_path, data))
    assert [(e.group, e.event_id, e.at) for e in events] == [
        ("5", "1", datetime(1970, 1, 1, tzinfo=UTC))
    ]


def test_bad_message_is_named(tmp_path: Path) -> None:
    data = b'{"id": 1, "messages": [{"id": 7, "type": "message", "date_unixtime": "1"}, {"id": 8}]}'
    with pytest.raises(ImportFormatError) as error:
        read_all(write(tmp_path, data))
    assert error.value.where == "chat '1' message #2 (id 8)"


def test_other_formats_are_refused(fixtures: Path) -> None:
    for path in (fixtures / "discord" / "guild_channel.json", fixtures / "element" / "room.json"):
        with pytest.raises(ImportFormatError):
            read_all(path)


@pytest.mark.realdata
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_any_cut_fails_cleanly_or_parses(real_data: Path, tmp_path: Path, cut: float) -> None:
    data = tgif(real_data, "oop").read_bytes()
    path = write(tmp_path, data[: int(len(data) * cut)], "cut.json")
    try:
        events, _ = read_all(path, tz=JAKARTA)
    except ImportFormatError as error:
        assert str(path) in str(error)
    else:
        assert len(posted(events)) == TGIF["oop"][0]


# --- sniff ---------------------------------------------------------------------


def head(path: Path) -> bytes:
    return path.read_bytes()[: 64 * 1024]


@pytest.mark.realdata
def test_sniff_real_files(real_data: Path) -> None:
    paths = sorted((real_data / "telegram-tgif").glob("*/exported.json"))
    paths += sorted((real_data / "chat-miner-fixtures" / "telegram").glob("test_*.json"))
    assert len(paths) == 16
    for path in paths:
        assert telegram.sniff(path, head(path)), path
        assert not discord.sniff(path, head(path)), path
        assert not element.sniff(path, head(path)), path
    target = real_data / "chat-miner-fixtures" / "telegram" / "target.json"
    assert not telegram.sniff(target, head(target))


def test_sniff_fixtures_and_others(fixtures: Path, tmp_path: Path) -> None:
    for path in (fixtures / "telegram").glob("*.json"):
        assert telegram.sniff(path, head(path)), path
    for path in [*(fixtures / "discord").glob("*.json"), *(fixtures / "element").glob("*.json")]:
        assert not telegram.sniff(path, head(path)), path
    whatsapp = b"12/31/23, 9:15 PM - Alice: hi\n12/31/23, 9:16 PM - Bob: hello\n"
    assert not telegram.sniff(tmp_path / "chat.txt", whatsapp)
    assert not telegram.sniff(tmp_path / "x", b"")
    assert not telegram.sniff(tmp_path / "x", bytes(range(256)))
    # A head cut in the middle of the first message still sniffs.
    cut = head(fixtures / "telegram" / "service_group.json")[:200]
    assert telegram.sniff(tmp_path / "x", cut)
