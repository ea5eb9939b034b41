"""WhatsApp .txt importer: real fixtures and vectors, hand-written cases.

Bad input, corruption, sniffing and the id/memory properties are in
test_whatsapp_bad_input.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.events import (
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
)
from tests.importers.whatsapp_helpers import (
    CHAT_MINER,
    chat_miner_files,
    messages,
    naive,
    parse,
    write,
)

# --- chat-miner's fixtures --------------------------------------------------------


@pytest.mark.realdata
def test_chat_miner_fixtures_exact_counts(real_data: Path) -> None:
    files = chat_miner_files(real_data)
    assert len(files) == 5
    for path in files:
        events, options = parse(path)
        kinds = [type(e).__name__ for e in events]
        # 10 lines: 6 messages, "created group", "You were added", two continuation
        # lines, and "John Doe:." (no ": " after the name: not a message, see below).
        assert kinds.count("MessagePosted") == 6, path.name
        assert kinds.count("GroupCreated") == 1
        assert kinds.count("MemberJoined") == 1
        assert len(events) == 8
        assert options.skipped == {"system line: other": 1}


@pytest.mark.realdata
def test_chat_miner_fixtures_agree_with_target(real_data: Path) -> None:
    """chat-miner's target.json, where its rules are ours; deliberate differences:

    * chat-miner joins a multi-line message's lines with a space (and NFKC-normalises
      and strips each line); we keep the body exactly, newlines included, so the
      comparison replaces our newlines with spaces. The texts here are ASCII and
      emoji, on which NFKC changes nothing.
    * chat-miner lists newest first; we stream in file order.
    * chat-miner leaves out system lines; we turn "created group" and "You were
      added" into GroupCreated/MemberJoined, which target.json cannot show.
    * "John Doe:." has no ": " after the name. The chat-miner version that wrote
      target.json dropped it (a later version calls it a disappearing message); we
      skip it as an unrecognised system line, so both agree that it is no message.
    """
    target = json.loads((real_data / CHAT_MINER / "target.json").read_text(encoding="utf-8"))
    expected = sorted((t["timestamp"], t["author"], t["message"]) for t in target)
    for path in chat_miner_files(real_data):
        events, _ = parse(path)
        got = sorted(
            (naive(m.at), m.actor.id if m.actor else "", m.text.replace("\n", " "))
            for m in messages(events)
        )
        assert got == expected, path.name
        created = next(e for e in events if isinstance(e, GroupCreated))
        assert (created.actor and created.actor.id, created.group_name) == (
            "+12 345 578",
            "Groupname",
        )
        joined = next(e for e in events if isinstance(e, MemberJoined))
        assert (joined.member.id, joined.how, joined.actor) == ("You", JoinHow.ADDED, None)


@pytest.mark.realdata
def test_chat_miner_files_give_the_same_ids_whatever_their_date_format(real_data: Path) -> None:
    """Ids hash the local time, not the way the file writes it."""
    ids = {path.name: [e.event_id for e in parse(path)[0]] for path in chat_miner_files(real_data)}
    assert len({tuple(v) for v in ids.values()}) == 1


# --- whatsapp-chat-parser's vectors -----------------------------------------------

# What day/month order each one-line vector implies. A single line can decide only
# when a number is above 12; otherwise the file-wide default applies: day first,
# except year-first dates, which default to yyyy/mm/dd.
ORDER_NOTES = {
    "format1": "3/6/18: undecidable, default day first -> 3 June",
    "format2": "03-06-2018: undecidable, default day first -> 3 June",
    "format3": "13.06.18: 13 > 12 so day first",
    "format4": "[06.13.18]: 13 > 12 in second place so month first",
    "format5": "13.6.2018 klo: 13 > 12 so day first",
    "format6": "13. 6. 2018.: 13 > 12 so day first",
    "format7": "3/6/18 p. m.: undecidable, default day first",
    "format8": "LRM + 3/6/18: undecidable, default day first",
    "format9": "2018/06/13: year first, 13 > 12 in last place so month before day",
    "format10": "06/2018/13: year in the middle; 13 > 12 so 06 is the month",
    "format11": "3/6/2018 p.\u00a0m.: undecidable, default day first",
    "format12": "3/6/18 1:55\u202fPM: undecidable, default day first",
}


def vectors(real: Path, name: str) -> list[list[str]]:
    path = real / "whatsapp" / f"whatsapp-chat-parser_{name}_vectors.tsv"
    rows = path.read_text(encoding="utf-8").split("\n")
    return [row.split("\t") for row in rows if row and not row.startswith("#")]


@pytest.mark.realdata
def test_header_vectors(real_data: Path, tmp_path: Path) -> None:
    rows = vectors(real_data, "header")
    assert {name for name, *_ in rows} == set(ORDER_NOTES)
    for name, raw, expected in rows:
        events, _ = parse(write(tmp_path, raw.replace("\\n", "\n"), f"{name}.txt"))
        assert len(events) == 1, name
        message = events[0]
        assert isinstance(message, MessagePosted)
        assert naive(message.at) == expected, f"{name}: {ORDER_NOTES[name]}"
        assert (message.actor and message.actor.id, message.text) == ("a", "m"), name


@pytest.mark.realdata
def test_attachment_vectors(real_data: Path, tmp_path: Path) -> None:
    rows = vectors(real_data, "attachment")
    assert len(rows) == 4
    for name, raw in rows:
        events, _ = parse(write(tmp_path, raw.replace("\\n", "\n"), f"{name}.txt"))
        (message,) = messages(events)
        assert message.kind == MessageKind.IMAGE, name
        assert message.text == raw.split(" - a: ", 1)[1].replace("\\n", "\n")
    # the caption on the next line stays in the body
    assert message.text.endswith("(Datei angehängt)\nDir auch frohe Ostern.")


def test_attachment_kinds_by_extension(tmp_path: Path) -> None:
    lines = {
        "IMG-1.jpg (file attached)": MessageKind.IMAGE,
        "VID-1.mp4 (file attached)": MessageKind.VIDEO,
        "PTT-1.opus (file attached)": MessageKind.VOICE,
        "STK-1.webp (file attached)": MessageKind.STICKER,
        "Report.pdf (file attached)": MessageKind.FILE,
        "<attached: 00000003-AUDIO-2020.m4a>": MessageKind.VOICE,
        "\u200esticker omitted": MessageKind.STICKER,
        "\u200eaudio omitted": MessageKind.VOICE,
        "\u200eimage omitted": MessageKind.IMAGE,
        "\u200edocument omitted": MessageKind.FILE,
        "<Media omitted>": MessageKind.FILE,
        "photo.jpg is attached (file attached) but later": MessageKind.TEXT,
    }
    text = "".join(f"1/2/20, 10:{i:02d} - a: {body}\n" for i, body in enumerate(lines))
    got = [m.kind for m in messages(parse(write(tmp_path, text))[0])]
    assert got == list(lines.values())


# --- hand-written fixtures ----------------------------------------------------------


def test_english_android_fixture(fixtures: Path) -> None:
    events, options = parse(fixtures / "whatsapp" / "WhatsApp Chat with Family.txt")
    assert {e.group for e in events} == {"Family"}
    summary = [(type(e).__name__, naive(e.at)[5:16], e.actor and e.actor.id) for e in events]
    assert summary == [
        ("GroupCreated", "12-24T09:05", "Anna"),
        ("MemberJoined", "12-24T09:06", "Anna"),
        ("MemberJoined", "12-24T09:06", "Anna"),
        ("MemberJoined", "12-24T09:06", "Anna"),
        ("MessagePosted", "12-24T09:07", "Ben"),
        ("MessagePosted", "12-24T09:07", "Ben"),
        ("MessagePosted", "12-24T09:08", "Carla"),
        ("MessagePosted", "12-24T09:10", "Anna"),
        ("MessagePosted", "12-24T09:11", "Ben"),
        ("MemberJoined", "12-24T09:12", "Dan"),
        ("GroupRenamed", "12-24T09:13", "Anna"),
        ("MessagePosted", "12-24T09:14", "Carla"),
        ("MemberLeft", "12-25T22:00", "Anna"),
        ("MemberLeft", "12-25T22:01", "+1 555 0100"),
        ("MessagePosted", "12-25T22:02", "Carla"),
        ("MessagePosted", "12-26T00:30", "Anna"),  # 12:30 AM
    ]
    assert options.skipped == {
        "system line: encryption notice": 1,
        "system line: security code changed": 1,
    }
    added = [e for e in events if isinstance(e, MemberJoined) and e.how == JoinHow.ADDED]
    assert [(e.member.id, e.inviter and e.inviter.id) for e in added] == [
        ("Ben", "Anna"),
        ("Carla", "Anna"),
        ("+1 555 0100", "Anna"),
    ]
    link = next(e for e in events if isinstance(e, MemberJoined) and e.how == JoinHow.LINK)
    assert (link.member.id, link.inviter) == ("Dan", None)
    renamed = next(e for e in events if isinstance(e, GroupRenamed))
    assert (renamed.old_name, renamed.new_name, renamed.group_name) == (
        "Family: home",
        "Family 🎄",
        "Family 🎄",
    )
    removed, left = [e for e in events if isinstance(e, MemberLeft)]
    assert (removed.member.id, removed.how, removed.actor and removed.actor.id) == (
        "Dan",
        LeaveHow.REMOVED,
        "Anna",
    )
    assert (left.member.id, left.how) == ("+1 555 0100", LeaveHow.LEFT)


def test_english_android_fixture_bodies(fixtures: Path) -> None:
    found = messages(parse(fixtures / "whatsapp" / "WhatsApp Chat with Family.txt")[0])
    hi1, hi2, carla, photo, media, mention, quoted, midnight = found
    assert hi1.text == hi2.text == "Hi all!"
    assert hi1.event_id != hi2.event_id  # the same triple twice: counted apart
    assert carla.text == "First line\nsecond line\n\nfourth line after a blank"
    assert (photo.kind, photo.text) == (
        MessageKind.IMAGE,
        "IMG-20201224-WA0001.jpg (file attached)\nMerry Christmas!",
    )
    assert media.kind == MessageKind.FILE
    assert mention.mentions == (Mention(id="Ben", name="Ben"),)
    assert mention.kind == MessageKind.TEXT  # a file name inside a sentence is no attachment
    # a colon and quotes inside a message do not make it a system line; a header-shaped
    # line with an impossible date (month 31) is text of the message before it
    assert quoted.text == (
        'Re: "quoted": not a system line\n'
        "31/31/20, 10:03 PM - Carla: a line that only looks like a header (no 31st month)"
    )
    assert midnight.text == "after midnight"


def who(event: Event) -> str:
    """The member a membership event is about, else the actor."""
    if isinstance(event, MemberJoined | MemberLeft):
        return event.member.id
    return event.actor.id if event.actor else ""


def test_german_android_fixture(fixtures: Path) -> None:
    events, options = parse(fixtures / "whatsapp" / "WhatsApp-Chat mit Verein.txt")
    assert {e.group for e in events} == {"Verein"}
    summary = [(type(e).__name__, who(e)) for e in events]
    assert summary == [
        ("GroupCreated", "Anna"),
        ("MemberJoined", "Ben"),
        ("MemberJoined", "Carla"),
        ("MessagePosted", "Ben"),
        ("MemberJoined", "Dora"),
        ("GroupRenamed", "Anna"),
        ("MessagePosted", "Carla"),
        ("MemberLeft", "Dora"),
        ("MemberLeft", "Ben"),
        ("MemberJoined", "You"),
        ("MessagePosted", "Carla"),
    ]
    assert options.skipped == {"system line: encryption notice": 1}
    created = events[0]
    assert isinstance(created, GroupCreated) and created.group_name == "Verein"
    assert naive(events[-1].at) == "2020-12-25T10:00:00"  # dd.mm.yy
    kinds = [m.kind for m in messages(events)]
    assert kinds == [MessageKind.TEXT, MessageKind.IMAGE, MessageKind.FILE]
    hows = [(e.how, getattr(e, "inviter", None)) for e in events if hasattr(e, "how")]
    assert [h for h, _ in hows] == [
        JoinHow.ADDED,
        JoinHow.ADDED,
        JoinHow.LINK,
        LeaveHow.REMOVED,
        LeaveHow.LEFT,
        JoinHow.ADDED,
    ]


def test_ios_fixture(fixtures: Path) -> None:
    events, options = parse(fixtures / "whatsapp" / "WhatsApp Chat - Book Club" / "_chat.txt")
    # "_chat.txt" is what iOS calls every export: the group comes from its folder
    assert {e.group for e in events} == {"Book Club"}
    assert options.skipped == {"system line: encryption notice": 1}
    names = [type(e).__name__ for e in events]
    assert names == ["GroupCreated", "MemberJoined"] + ["MessagePosted"] * 5 + ["MemberLeft"]
    found = messages(events)
    assert [(m.actor and m.actor.id, m.kind) for m in found] == [
        ("Ben", MessageKind.TEXT),
        ("Anna", MessageKind.IMAGE),
        ("Ben", MessageKind.TEXT),
        ("Anna", MessageKind.VIDEO),
        ("Ben", MessageKind.TEXT),
    ]
    # the LRM before the header belongs to the header; the one in the body is kept
    assert found[1].text == "\u200e<attached: 00000012-PHOTO-2018-06-13-21-26-30.jpg>"
    assert found[2].text == "\u200eThis message was deleted."
    assert found[4].text == "Multi\nline"
    assert naive(events[-1].at) == "2018-06-14T08:00:00"
    assert all(e.actor is None or e.actor.id != "Book Club" for e in events)


def test_no_message_from_the_encryption_notice(fixtures: Path, tmp_path: Path) -> None:
    notice = "Messages and calls are end-to-end encrypted"
    text = (
        f"1/2/20, 10:00 - {notice}: nobody outside of this chat can read them.\n"
        f"1/2/20, 10:01 - {notice}. No one outside of this chat can read them.\n"
        "1/2/20, 10:02 - a: hi\n"
    )
    events, options = parse(write(tmp_path, text))
    assert [e.actor and e.actor.id for e in events] == ["a"]
    assert options.skipped == {"system line: encryption notice": 2}


def test_group_option_and_time_zone(fixtures: Path) -> None:
    path = fixtures / "whatsapp" / "WhatsApp-Chat mit Verein.txt"
    events, _ = parse(path, group="club", tz=ZoneInfo("Europe/Berlin"))
    assert {e.group for e in events} == {"club"}
    message = messages(events)[0]
    assert message.at == datetime(2020, 12, 24, 8, 7, tzinfo=UTC)  # 09:07 CET
    # the id hashes the local time, so another zone finds the same messages
    assert [e.event_id for e in events] == [e.event_id for e in parse(path, group="club")[0]]


def test_day_month_order_decided_from_the_whole_file(tmp_path: Path) -> None:
    early = "".join(f"0{d}/02/2020, 10:00 - a: day {d}\n" for d in range(1, 10))
    late = "25/02/2020, 10:00 - a: the 25th decides\n"
    found = messages(parse(write(tmp_path, early + late))[0])
    assert naive(found[0].at) == "2020-02-01T10:00:00"  # 01/02 read as 1 February
    us = "".join(f"02/0{d}/2020, 10:00 - a: day {d}\n" for d in range(1, 10))
    found = messages(parse(write(tmp_path, us + "02/25/2020, 10:00 - a: x\n", "us.txt"))[0])
    assert naive(found[0].at) == "2020-02-01T10:00:00"  # 02/01 read as 1 February


def test_header_at_a_chunk_boundary(tmp_path: Path) -> None:
    """The file is read in 1 MiB chunks; a header starting the second one still counts."""
    line = "02/01/2020, 10:00 - a: "
    first = line + "x" * ((1 << 20) - len(line) - 1) + "\n"
    path = tmp_path / "boundary.txt"
    path.write_bytes(first.encode() + b"02/13/2020, 10:00 - a: the 13th decides\n")
    found = messages(parse(path)[0])
    assert [naive(m.at)[:10] for m in found] == ["2020-02-01", "2020-02-13"]
    assert found[0].text == "x" * ((1 << 20) - len(line) - 1)


def test_undecidable_order_uses_which_number_changes(tmp_path: Path) -> None:
    # no number above 12: the first number changes daily, the second monthly
    text = "".join(f"{d}/{m}/20, 10:00 - a: x\n" for m in (1, 2) for d in range(1, 13))
    found = messages(parse(write(tmp_path, text))[0])
    assert naive(found[1].at) == "2020-01-02T10:00:00"


def test_crlf_gives_the_same_events(fixtures: Path, tmp_path: Path) -> None:
    path = fixtures / "whatsapp" / "WhatsApp Chat with Family.txt"
    crlf = write(tmp_path, path.read_text(encoding="utf-8").replace("\n", "\r\n"), path.name)
    assert parse(crlf)[0] == parse(path)[0]
