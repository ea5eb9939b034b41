"""IRC log importer: the real #ubuntu logs, hand-written weechat/ZNC/irssi logs, bad input.

Addressing (``nick: text``) becomes a mention; reply links are left to analytics'
reply inference, which is measured against the #ubuntu gold links there.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.events import (
    Event,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessagePosted,
)
from shequn.importers import irc, whatsapp
from shequn.importers.base import ImportFormatError, ImportOptions

UBUNTU = "irc-ubuntu"


def options(**kwargs: object) -> ImportOptions:
    return ImportOptions(**{"tz": ZoneInfo("UTC"), **kwargs})  # type: ignore[arg-type]


def parse(path: Path, **kwargs: object) -> tuple[list[Event], ImportOptions]:
    opts = options(**kwargs)
    return list(irc.read(path, opts)), opts


def ubuntu_files(real: Path) -> list[Path]:
    return sorted((real / UBUNTU / "dev").glob("*.raw.txt")) + sorted(
        (real / UBUNTU / "train").glob("*.raw.txt")
    )


# --- the real #ubuntu logs ------------------------------------------------------------


@pytest.mark.realdata
def test_every_ubuntu_log_imports(real_data: Path) -> None:
    files = ubuntu_files(real_data)
    assert len(files) == 163
    for path in files:
        events, opts = parse(path, group="#ubuntu")
        assert events, path.name
        assert set(opts.skipped) <= {"mode, topic or server line", "unrecognised line"}
        assert opts.skipped["unrecognised line"] <= 1, path.name
        times = [e.at for e in events]
        assert times == sorted(times), f"{path.name}: clock wraps not followed"
        assert times[0].date().isoformat() == path.name[:10], path.name
        assert len({e.event_id for e in events}) == len(events)


def count_lines(path: Path) -> dict[str, int]:
    """Counted without the importer's expressions: plain string tests per line."""
    counts = dict.fromkeys(("say", "act", "join", "leave", "rename", "kick", "skip"), 0)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:1] == "[" and line[6:9] == "] <":
            counts["say"] += 1
        elif line[:1] == "[" and line[6:10] == "]  *":
            counts["act"] += 1
        elif line.startswith("=== "):
            words = line.split()
            if " has joined " in line:
                counts["join"] += 1
            elif " has left " in line or " has quit" in line:
                counts["leave"] += 1
            elif words[2:5] == ["is", "now", "known"]:
                counts["rename"] += 1
            elif " was kicked off " in line:
                counts["kick"] += 1
            elif words[1].startswith(("mode/", "..[topic")) or " changed the topic " in line:
                counts["skip"] += 1
            else:
                counts["act"] += 1  # old logs write "/me" actions as "=== nick does"
    return counts


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # the same figures as grep gives, e.g. grep -c '^\[..:..\] <' for "say";
        # every one of the 1250 lines is counted once
        (
            "dev/2004-11-15_03.raw.txt",
            {"say": 1077, "act": 22, "join": 123, "leave": 17, "rename": 11, "kick": 0, "skip": 0},
        ),
        (
            "dev/2011-11-13_02.raw.txt",
            {"say": 1216, "act": 4, "join": 0, "leave": 0, "rename": 30, "kick": 0, "skip": 0},
        ),
    ],
)
def test_exact_counts(real_data: Path, name: str, expected: dict[str, int]) -> None:
    path = real_data / UBUNTU / name
    counts = count_lines(path)
    assert counts == expected
    assert sum(counts.values()) == 1250
    events, opts = parse(path)
    said = [e for e in events if isinstance(e, MessagePosted)]
    assert len(said) == counts["say"] + counts["act"]
    assert sum(e.text.startswith("/me ") for e in said) == counts["act"]
    assert sum(isinstance(e, MemberJoined) for e in events) == counts["join"]
    left = [e for e in events if isinstance(e, MemberLeft)]
    assert sum(e.how == LeaveHow.LEFT for e in left) == counts["leave"]
    assert sum(e.how == LeaveHow.REMOVED for e in left) == counts["kick"]
    assert sum(isinstance(e, MemberRenamed) for e in events) == counts["rename"]
    assert opts.skipped["mode, topic or server line"] == counts["skip"]


@pytest.mark.realdata
def test_group_from_join_lines_else_folder(real_data: Path) -> None:
    events, _ = parse(real_data / UBUNTU / "dev" / "2004-11-15_03.raw.txt")
    assert {(e.group, e.group_name) for e in events} == {("#ubuntu", "#ubuntu")}
    # later logs have no join lines: the folder's name is all there is
    events, _ = parse(real_data / UBUNTU / "dev" / "2011-11-13_02.raw.txt")
    assert {e.group for e in events} == {"dev"}


@pytest.mark.realdata
def test_twelve_hour_and_midnight_wraps(real_data: Path) -> None:
    # 2004: a 12-hour clock without AM/PM; "[12:59]" then "[01:00]" is one minute on
    events, _ = parse(real_data / UBUNTU / "dev" / "2004-11-15_03.raw.txt")
    said = [e for e in events if isinstance(e, MessagePosted)]
    assert said[0].at == datetime(2004, 11, 15, 12, 18, tzinfo=UTC)
    assert max(e.at for e in said) < datetime(2004, 11, 16, tzinfo=UTC)
    assert any(e.at.hour == 13 for e in said)
    # 2011: a 24-hour clock; "[23:59]" then "[00:00]" is the next day
    events, _ = parse(real_data / UBUNTU / "dev" / "2011-11-13_02.raw.txt")
    assert events[-1].at.date().isoformat() == "2011-11-14"


def test_addressing_is_a_mention_not_a_guessed_reply(real_data: Path) -> None:
    # Who answers whom is analytics' job (shequn.analytics.replies); the importer keeps
    # only what the log says: "<Hikaru79> yohannes, why not WinRAR?" mentions yohannes.
    path = real_data / UBUNTU / "dev" / "2004-11-15_03.raw.txt"
    events = [e for _, e in irc.numbered_events(path, options())]
    messages = [e for e in events if isinstance(e, MessagePosted)]
    assert all(m.reply_to is None for m in messages)
    answer = next(m for m in messages if m.text.startswith("yohannes, why not WinRAR"))
    assert answer.mentions == (Mention(id="yohannes", name="yohannes"),)


# --- hand-written weechat, ZNC and irssi logs ------------------------------------------

FIXTURES = {
    "weechat": "weechat/irc.libera.#shequn.weechatlog",
    "znc": "znc/#shequn/2024-03-01.log",
    "irssi": "irssi/shequn.log",
}
SECONDS = {"weechat": True, "znc": True, "irssi": False}


def story(seconds: bool) -> list[tuple[object, ...]]:
    """What every fixture says, as (type, UTC time, actor, detail), Berlin being UTC+1."""

    def at(day: int, hour: int, minute: int, second: int) -> datetime:
        return datetime(2024, 3, day, hour, minute, second if seconds else 0, tzinfo=UTC)

    return [
        ("MemberJoined", at(1, 20, 59, 58), "alice", ("alice", JoinHow.UNKNOWN)),
        ("MessagePosted", at(1, 21, 0, 5), "alice", ("hello everyone", (), False)),
        ("MessagePosted", at(1, 21, 0, 9), "bob", ("welcome!", ("alice",), False)),
        ("MessagePosted", at(1, 21, 0, 15), "alice", ("/me waves", (), False)),
        ("MemberRenamed", at(1, 21, 1, 0), "bob", ("bob", "bobby")),
        ("MessagePosted", at(1, 22, 59, 59), "alice", ("see you tomorrow", (), False)),
        ("MemberLeft", at(1, 23, 0, 10), "carol", ("carol", LeaveHow.LEFT)),
        ("MemberLeft", at(1, 23, 1, 0), "bobby", ("dave", LeaveHow.REMOVED)),
        ("MemberLeft", at(1, 23, 2, 0), "alice", ("alice", LeaveHow.LEFT)),
    ]


def told(event: Event, messages: dict[str, MessagePosted]) -> tuple[object, ...]:
    detail: tuple[object, ...]
    if isinstance(event, MessagePosted):
        text = event.text.split(" ", 1)[1] if event.mentions else event.text
        replied = messages.get(event.reply_to or "")
        detail = (
            text,
            tuple(m.id for m in event.mentions),
            replied is not None and replied.text == "hello everyone",
        )
        messages[event.event_id] = event
    elif isinstance(event, MemberRenamed):
        detail = (event.old_name, event.new_name)
    elif isinstance(event, MemberJoined | MemberLeft):
        detail = (event.member.id, event.how)
    else:
        detail = ()
    return (type(event).__name__, event.at, event.actor and event.actor.id, detail)


@pytest.mark.parametrize("client", sorted(FIXTURES))
def test_hand_written_logs(fixtures: Path, client: str) -> None:
    path = fixtures / "irc" / FIXTURES[client]
    events, opts = parse(path, tz=ZoneInfo("Europe/Berlin"))
    seen: dict[str, MessagePosted] = {}
    assert [told(e, seen) for e in events] == story(SECONDS[client])
    assert {(e.group, e.group_name, e.platform) for e in events} == {("#shequn", "#shequn", "irc")}
    assert opts.skipped["mode, topic or server line"] == 1
    assert opts.skipped["unrecognised line"] == 0
    mention = events[2]
    assert isinstance(mention, MessagePosted)
    assert mention.mentions == (Mention(id="alice", name="alice"),)
    assert mention.reply_to is None
    days = {e.event_id.split(":")[0] for e in events}
    assert days == {"2024-03-01", "2024-03-02"}


def test_weechat_and_znc_agree_on_message_ids(fixtures: Path) -> None:
    weechat, _ = parse(fixtures / "irc" / FIXTURES["weechat"])
    znc, _ = parse(fixtures / "irc" / FIXTURES["znc"])
    same = [a.event_id == b.event_id for a, b in zip(weechat, znc, strict=True)]
    # all but the addressed line, written "alice:" in one and "alice," in the other
    assert same == [True, True, False, True, True, True, True, True, True]


def test_overlapping_logs_agree(fixtures: Path, tmp_path: Path) -> None:
    lines = (fixtures / "irc" / FIXTURES["znc"]).read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "#shequn"
    folder.mkdir()
    first = folder / "2024-03-01.log"
    first.write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    later = tmp_path / "#shequn" / "2024-03-01.bouncer.log"
    later.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    full = {e.event_id for e in parse(fixtures / "irc" / FIXTURES["znc"])[0]}
    a = [e.event_id for e in parse(first)[0]]
    b = [e.event_id for e in parse(later)[0]]
    assert set(a) <= full and set(b) <= full
    assert set(a) & set(b) == set(a[2:])


def test_date_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "channel.log"
    path.write_text("[12:00] <a> hi\n[12:01] <b> hello\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        parse(path)
    assert str(path) in str(caught.value)
    assert caught.value.where == "line 1"
    assert "date" in caught.value.expected
    dated = tmp_path / "2024-01-02.log"
    dated.write_text(path.read_text(), encoding="utf-8")
    assert parse(dated)[0][0].at == datetime(2024, 1, 2, 12, 0, tzinfo=UTC)


def test_untimed_lines_take_neighbouring_times(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-02.log"
    path.write_text(
        "=== a [u@h]  has joined #c\n[10:00] <a> hi\n=== b [u@h]  has joined #c\n[10:05] <b> yo\n",
        encoding="utf-8",
    )
    events, _ = parse(path)
    assert [e.at.strftime("%H:%M") for e in events] == ["10:00", "10:00", "10:00", "10:05"]
    assert {e.group for e in events} == {"#c"}


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"", "byte 0"),
        (b"\x00\x01\x02binary", "byte 0"),
        (b"\n\n\n", "whole file"),
        (b'{"messages": []}\n', "whole file"),
        (b"".join(b"just some prose, line %d\n" % i for i in range(150)), "lines 1-100"),
    ],
)
def test_bad_input_names_the_file(tmp_path: Path, content: bytes, where: str) -> None:
    path = tmp_path / "2024-01-02.log"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as caught:
        parse(path)
    assert str(path) in str(caught.value)
    assert caught.value.where == where


def test_unrecognised_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-02.log"
    path.write_text("[10:00] <a> hi\nsomething else\n[10:01] <b> yo\n", encoding="utf-8")
    events, opts = parse(path)
    assert len(events) == 2
    assert opts.skipped == {"unrecognised line": 1}


def test_decoding_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-02.log"
    good = b"".join(b"[10:00] <a> line %d\n" % i for i in range(5000))
    path.write_bytes(good + b"[10:01] <a> \xff broken\n")
    with pytest.raises(ImportFormatError) as caught:
        parse(path)
    assert caught.value.where == "line 5001"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=6000),
    flips=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 255)), max_size=10),
    to_gbk=st.booleans(),
    source=st.sampled_from(["ubuntu", "weechat", "irssi"]),
)
def test_corrupted_logs_fail_cleanly(
    fixtures: Path, cut: int, flips: list[tuple[int, int]], to_gbk: bool, source: str
) -> None:
    """Truncation, byte flips and re-encoding to GBK: ImportFormatError or a clean parse."""
    real = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
    ubuntu = real / UBUNTU / "dev" / "2009-02-23_10.raw.txt"
    if source == "ubuntu" and ubuntu.exists():
        data = bytearray(ubuntu.read_bytes()[:6000])
        name = "2009-02-23.log"
    else:
        fixture = FIXTURES["irssi" if source == "ubuntu" else source]
        data = bytearray((fixtures / "irc" / fixture).read_bytes())
        name = Path(fixture).name
    if to_gbk:
        data = bytearray(data.decode("utf-8").encode("gbk", errors="replace"))
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    data = data[:cut]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(bytes(data))
        try:
            events, _ = parse(path)
        except ImportFormatError as exc:
            assert str(path) in str(exc)
            return
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.at.tzinfo is UTC and e.platform == "irc" for e in events)


# --- sniffing ---------------------------------------------------------------------------


def head(path: Path) -> bytes:
    return path.read_bytes()[: 64 * 1024]


def test_sniff_hand_written(fixtures: Path) -> None:
    own = [fixtures / "irc" / name for name in FIXTURES.values()]
    assert all(irc.sniff(p, head(p)) for p in own)
    assert not any(whatsapp.sniff(p, head(p)) for p in own)
    others = sorted((fixtures / "whatsapp").rglob("*.txt"))
    assert others and not any(irc.sniff(p, head(p)) for p in others)


@pytest.mark.realdata
def test_sniff_real_files(real_data: Path) -> None:
    own = ubuntu_files(real_data)
    assert all(irc.sniff(p, head(p)) for p in own)
    others = [
        *sorted((real_data / "chat-miner-fixtures").rglob("*.txt")),
        *sorted((real_data / "chat-miner-fixtures").rglob("*.json")),
        *sorted((real_data / "telegram-tgif").rglob("*.json"))[:3],
        *sorted((real_data / UBUNTU / "dev").glob("*.annotation.txt")),
        real_data / UBUNTU / "README-data.md",
    ]
    assert len(others) > 15
    assert not [p.name for p in others if irc.sniff(p, head(p))]
