"""Slack workspace-export importer, on the real test archive and small zips built here."""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.events import (
    Actor,
    Event,
    GroupRenamed,
    JoinHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers import qq, slack, wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump
from shequn.importers.base import ImportFormatError, ImportOptions

MESSAGE_SUBTYPES = {None, "bot_message", "file_share", "file_comment"}
MENTION = re.compile(r"<@(U[A-Z0-9]+)")


def run(path: Path) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions()
    return list(slack.read(path, options)), options


def raw_messages(path: Path) -> list[dict[str, Any]]:
    """Every message of every day file, read plainly with zipfile and json."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if name.count("/") == 1 and name.endswith(".json"):
                found.extend(json.loads(zf.read(name)))
    return found


# --- the real archive ---------------------------------------------------------------


@pytest.fixture
def archive(real_data: Path) -> Path:
    return real_data / "slack" / "testarchive.zip"


def test_real_archive_counts_match_a_plain_reading(archive: Path) -> None:
    raw = raw_messages(archive)
    subtypes = Counter(m.get("subtype") for m in raw)
    posted_raw = [m for m in raw if m.get("subtype") in MESSAGE_SUBTYPES]
    events, options = run(archive)
    posted = [e for e in events if isinstance(e, MessagePosted)]
    kinds = Counter(type(e).__name__ for e in events)
    # independent counts from the raw JSON
    assert len(posted) == len(posted_raw)
    assert kinds["MemberJoined"] == subtypes["channel_join"]
    assert kinds["MemberLeft"] == subtypes["channel_leave"]
    assert sum(1 for p in posted if p.actor and p.actor.is_bot) == subtypes["bot_message"]
    assert sum(1 for p in posted if p.reply_to) == sum(
        1 for m in posted_raw if m.get("thread_ts", m["ts"]) != m["ts"]
    )
    assert sum(len(p.mentions) for p in posted) == sum(
        len(set(MENTION.findall(m["text"]))) for m in posted_raw
    )
    assert kinds["ReactionAdded"] == sum(
        len(r["users"]) for m in raw for r in m.get("reactions", [])
    )
    # and the constants verified by reading the archive by hand
    assert len(raw) == 158
    assert (len(posted), kinds["MemberJoined"], kinds["MemberLeft"]) == (147, 8, 0)
    assert sum(1 for p in posted if p.actor and p.actor.is_bot) == 94
    assert sum(1 for p in posted if p.reply_to) == 0  # the archive has no threads
    assert sum(len(p.mentions) for p in posted) == 18  # 19 <@…> markups, one repeated
    assert kinds["ReactionAdded"] == 1
    assert sum(1 for e in events if isinstance(e, MemberJoined) and e.inviter) == 6
    assert options.skipped == {"slack bot_add": 3}
    assert {(e.group, e.group_name) for e in events} == {
        ("C0JGLMMNX", "enrique"),
        ("C0JL6CGQ2", "traveling-sailor"),
    }


def test_real_archive_spot_checks(archive: Path) -> None:
    events, _ = run(archive)
    ids = {(e.group, e.event_id): e for e in events}
    hamza = Actor(id="U0BMQB6JE", name="hamza")
    first = ids[("C0JGLMMNX", "1452837352.000006")]
    assert first == MessagePosted(
        platform="slack",
        group="C0JGLMMNX",
        group_name="enrique",
        event_id="1452837352.000006",
        at=datetime(2016, 1, 15, 5, 55, 52, 6, tzinfo=UTC),
        actor=hamza,
        text="<@U0BMYT2FL>: Created an issue for a setup.py so that it can be installed to a "
        "standard place",
        mentions=(Mention(id="U0BMYT2FL", name="abilinski"),),
    )
    joined = ids[("C0JGLMMNX", "1452837318.000003")]
    assert joined == MemberJoined(
        platform="slack",
        group="C0JGLMMNX",
        group_name="enrique",
        event_id="1452837318.000003",
        at=datetime(2016, 1, 15, 5, 55, 18, 3, tzinfo=UTC),
        actor=hamza,
        member=Actor(id="U0BMYT2FL", name="abilinski"),
        how=JoinHow.INVITE,
        inviter=hamza,
    )
    own = ids[("C0JGLMMNX", "1452837318.000002")]
    assert isinstance(own, MemberJoined) and (own.how, own.inviter) == (JoinHow.UNKNOWN, None)
    bot = ids[("C0JGLMMNX", "1459154014.000018")]
    assert isinstance(bot, MessagePosted)
    assert bot.actor == Actor(id="B0JL6RASU", is_bot=True) and bot.text == ""
    reaction = ids[("C0JGLMMNX", "1459154014.000018:botman:U0BMYT2FL")]
    assert isinstance(reaction, ReactionAdded)
    assert (reaction.message_id, reaction.emoji, reaction.at) == (
        "1459154014.000018",
        "botman",
        bot.at,
    )
    upload = ids[("C0JL6CGQ2", "1459052866.000012")]
    assert isinstance(upload, MessagePosted) and upload.kind is MessageKind.FILE
    assert upload.actor == Actor(id="U0BMS113R", name="doubledeez")
    comment = ids[("C0JL6CGQ2", "1459106048.000018")]  # file_comment: no top-level user
    assert isinstance(comment, MessagePosted) and comment.actor == upload.actor
    assert comment.text.startswith("<@U0BMS113R> commented on <@U0BMS113R>’s file")
    edited = ids[("C0JL6CGQ2", "1458972985.000010")]
    assert isinstance(edited, MessagePosted)
    assert edited.edited_at == datetime(2016, 3, 26, 8, 32, 14, tzinfo=UTC)
    assert edited.text.startswith('```{"cities": {\n    "New York City"')


def test_real_archive_sniff(archive: Path) -> None:
    head = archive.read_bytes()[: 64 * 1024]
    assert slack.sniff(archive, head)
    for module in (qq, wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump):
        assert not module.sniff(archive, head)


def test_sniff_rejects_other_files(fixtures: Path, real_data: Path, tmp_path: Path) -> None:
    paths = [*sorted(fixtures.rglob("*.csv")), *sorted(fixtures.rglob("*.txt"))]
    paths += sorted((real_data / "chat-miner-fixtures").rglob("*.json"))
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("result.json", "{}")
        zf.writestr("users.json", "[]")
    for path in [*paths, other_zip]:
        assert not slack.sniff(path, path.read_bytes()[: 64 * 1024]), path.name


# --- small archives built here --------------------------------------------------------

USERS = [
    {"id": "U1", "name": "ann", "real_name": "Ann Lee", "profile": {"display_name": "annie"}},
    {"id": "U2", "name": "bob", "profile": {"display_name": "", "real_name": "Bob"}},
    {"id": "UB", "name": "helper", "is_bot": True, "profile": {}},
]
CHANNELS = [{"id": "C1", "name": "general", "members": ["U1", "U2"]}]
DAY = [
    {"type": "message", "user": "U1", "text": "hello <@U2|bob> and <@U9>", "ts": "1700000000.0001"},
    {
        "type": "message",
        "user": "U2",
        "text": "in thread",
        "ts": "1700000001.000200",
        "thread_ts": "1700000000.0001",
        "reactions": [{"name": "+1", "users": ["U1", "UB"], "count": 2}],
    },
    {"type": "message", "subtype": "channel_leave", "user": "U2", "ts": "1700000002.000000"},
    {
        "type": "message",
        "subtype": "channel_name",
        "user": "U1",
        "name": "lobby",
        "old_name": "general",
        "ts": "1700000003.000000",
    },
    {"type": "message", "subtype": "channel_topic", "user": "U1", "ts": "1700000004.0"},
    {
        "type": "message",
        "subtype": "file_share",
        "user": "U1",
        "text": "a photo",
        "files": [{"id": "F1", "mimetype": "image/png"}],
        "ts": "1700000005.000000",
    },
    {"type": "message", "subtype": "bot_message", "username": "deploy", "ts": "1700000006.0"},
    {"type": "message", "user": "UB", "text": "bot user", "ts": "1700000007.000000"},
]


def build(path: Path, files: dict[str, Any], root: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            data = content if isinstance(content, bytes) else json.dumps(content)
            zf.writestr(root + name, data)
    return path


def standard(path: Path, root: str = "", **extra: Any) -> Path:
    files = {"users.json": USERS, "channels.json": CHANNELS, "general/2023-11-14.json": DAY}
    return build(path, {**files, **extra}, root)


@pytest.mark.parametrize("root", ["", "export/"])
def test_built_archive_events(tmp_path: Path, root: str) -> None:
    path = standard(tmp_path / "x.zip", root)
    assert slack.sniff(path, path.read_bytes()[:65536])
    events, options = run(path)
    ann, bob = Actor(id="U1", name="annie"), Actor(id="U2", name="Bob")
    hello, reply, up1, up2, left, renamed, photo, bot, botuser = events
    assert isinstance(hello, MessagePosted)
    assert hello.mentions == (Mention(id="U2", name="Bob"), Mention(id="U9", name=""))
    assert hello.text == "hello <@U2|bob> and <@U9>"
    assert isinstance(reply, MessagePosted) and reply.reply_to == "1700000000.0001"
    assert reply.actor == bob and reply.at == datetime(2023, 11, 14, 22, 13, 21, 200, tzinfo=UTC)
    assert isinstance(up1, ReactionAdded) and (up1.actor, up1.emoji) == (ann, "+1")
    assert isinstance(up2, ReactionAdded) and up2.actor == Actor(
        id="UB", name="helper", is_bot=True
    )
    assert left == MemberLeft(
        platform="slack",
        group="C1",
        group_name="general",
        event_id="1700000002.000000",
        at=datetime(2023, 11, 14, 22, 13, 22, tzinfo=UTC),
        actor=bob,
        member=bob,
    )
    assert isinstance(renamed, GroupRenamed)
    assert (renamed.new_name, renamed.old_name, renamed.actor) == ("lobby", "general", ann)
    assert isinstance(photo, MessagePosted) and photo.kind is MessageKind.IMAGE
    assert isinstance(bot, MessagePosted) and bot.actor == Actor(
        id="deploy", name="deploy", is_bot=True
    )
    assert isinstance(botuser, MessagePosted) and botuser.actor and botuser.actor.is_bot
    assert options.skipped == {"slack channel_topic": 1}


DAY_FILE = "general/2023-11-14.json"
BASE = {"users.json": USERS, "channels.json": CHANNELS}
BAD_ARCHIVES = {
    "no-channels": ({"users.json": USERS, DAY_FILE: DAY}, "channels.json"),
    "day-not-array": ({**BASE, DAY_FILE: {"a": 1}}, DAY_FILE),
    "day-truncated": ({**BASE, DAY_FILE: b'[{"ts": '}, DAY_FILE),
    "no-ts": ({**BASE, DAY_FILE: [{"type": "message", "text": "x"}]}, f"{DAY_FILE} message 1"),
    "users-object": ({"users.json": {"not": "a list"}, "channels.json": CHANNELS}, "users.json"),
    "channel-no-id": ({"users.json": USERS, "channels.json": [{"name": "x"}]}, "channels.json"),
}


@pytest.mark.parametrize(("files", "where"), BAD_ARCHIVES.values(), ids=BAD_ARCHIVES.keys())
def test_bad_archives(tmp_path: Path, files: dict[str, Any], where: str) -> None:
    path = build(tmp_path / "bad.zip", files)
    with pytest.raises(ImportFormatError) as error:
        run(path)
    assert error.value.where == where
    assert str(path) in str(error.value)


def test_not_a_zip_and_truncated_zip(tmp_path: Path) -> None:
    full = standard(tmp_path / "full.zip")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    text = tmp_path / "text.zip"
    text.write_text("not a zip")
    for path in (cut, empty, text):
        with pytest.raises(ImportFormatError, match=re.escape(str(path))):
            run(path)


def test_corrupt_member_data(tmp_path: Path) -> None:
    path = standard(tmp_path / "x.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("general/2023-11-14.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[start : start + 20] = bytes(20)
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFormatError, match=re.escape("general/2023-11-14.json")):
        run(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.booleans(),
    st.integers(min_value=0, max_value=1 << 16),
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=6),
)
def test_corrupted_archives_fail_cleanly(
    real: bool, cut: int, flips: list[tuple[int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = (
            Path(__file__).resolve().parents[2].parent / "shared/data/real/slack/testarchive.zip"
        )
        if not real or not source.is_file():
            source = standard(Path(tmp) / "built.zip")
        data = bytearray(source.read_bytes())
        data = data[: len(data) - cut % len(data)] if cut % 3 else data
        for position, value in flips:
            data[position % len(data)] = value
        path = Path(tmp) / "mangled.zip"
        path.write_bytes(bytes(data))
        try:
            for event in slack.read(path, ImportOptions()):
                assert event.at.tzinfo is not None
        except ImportFormatError as error:
            assert error.path == str(path)
