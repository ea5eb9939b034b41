"""Telegram Desktop JSON importer: streaming, bad input, sniffing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import discord, element, telegram
from shequn.importers.base import ImportFormatError, ImportOptions
from tests.importers.telegram_helpers import JAKARTA, TGIF, posted, read_all, tgif

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
