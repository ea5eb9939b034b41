"""WhatsApp .txt importer: stable ids and flat memory, bad input, corruption, sniffing."""

from __future__ import annotations

import tempfile
import tracemalloc
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import irc, whatsapp
from shequn.importers.base import ImportFormatError, ImportOptions
from tests.importers.whatsapp_helpers import (
    CHAT_MINER,
    UTC_OPTIONS,
    chat_miner_files,
    messages,
    parse,
    write,
)

# --- properties: overlapping exports, memory ----------------------------------------


def test_overlapping_exports_give_the_same_ids(tmp_path: Path) -> None:
    """A file and its first 60%: same ids for the messages they share, and a later
    export that starts later (WhatsApp keeps only the newest messages) too."""
    lines = []
    for i in range(400):
        lines.append(f"{1 + i // 40}/03/2021, {10 + i % 40 // 4}:{i % 4:02d} - p{i % 3}: ok")
        if i % 7 == 0:
            lines.append(f"continued {i}")
    full = write(tmp_path, "\n".join(lines) + "\n", "full.txt")
    cut = int(len(lines) * 0.6)
    head = write(tmp_path, "\n".join(lines[:cut]) + "\n", "head.txt")
    tail = write(tmp_path, "\n".join(lines[cut:]) + "\n", "tail.txt")
    full_events = messages(parse(full, group="g")[0])
    head_events = messages(parse(head, group="g")[0])
    tail_events = messages(parse(tail, group="g")[0])
    assert len({m.event_id for m in full_events}) == len(full_events)
    shared = len(head_events) - 1  # the last one may lose continuation lines at the cut
    assert [m.event_id for m in head_events[:shared]] == [m.event_id for m in full_events[:shared]]
    assert [m.event_id for m in tail_events] == [
        m.event_id for m in full_events[-len(tail_events) :]
    ]
    assert {m.event_id for m in head_events} | {m.event_id for m in tail_events} >= {
        m.event_id for m in full_events
    } - {head_events[-1].event_id}


def test_memory_stays_flat(tmp_path: Path) -> None:
    line = "24/12/2020, {h:02d}:{m:02d} - Member {n}: a message of ordinary length here\n"

    def peak(count: int) -> int:
        path = tmp_path / f"{count}.txt"
        with path.open("w", encoding="utf-8") as f:
            for i in range(count):
                f.write(line.format(h=i // 60 % 24, m=i % 60, n=i % 50))
        tracemalloc.start()
        for _ in whatsapp.read(path, ImportOptions(**UTC_OPTIONS)):  # type: ignore[arg-type]
            pass
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result

    small, large = peak(20_000), peak(100_000)
    assert large < small * 1.5 + 2_000_000


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"", "byte 0"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "byte 0"),
        (b'{"messages": [{"id": 1, "text": "hi"}]}\n', "lines 1-200"),
        (b"hello\nthis is just text\nno header anywhere\n", "lines 1-200"),
        (b"[12:18] <nick> an IRC line\n[12:19] <other> another\n", "lines 1-200"),
    ],
)
def test_bad_input_names_the_file(tmp_path: Path, content: bytes, where: str) -> None:
    path = tmp_path / "bad export.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as caught:
        list(whatsapp.read(path, ImportOptions(**UTC_OPTIONS)))  # type: ignore[arg-type]
    assert str(path) in str(caught.value)
    assert caught.value.where == where


def test_decoding_error_names_the_line(tmp_path: Path) -> None:
    good = "".join(f"1/2/20, 10:{i % 60:02d} - a: line {i}\n" for i in range(5000)).encode()
    path = tmp_path / "broken.txt"
    path.write_bytes(good + b"1/2/20, 11:00 - a: \xff\xfe broken\n")
    with pytest.raises(ImportFormatError) as caught:
        list(whatsapp.read(path, ImportOptions(**UTC_OPTIONS)))  # type: ignore[arg-type]
    assert str(path) in str(caught.value)
    assert caught.value.where == "line 5001"


def corrupt_cases() -> st.SearchStrategy[tuple[str, int, list[tuple[int, int]], bool]]:
    return st.tuples(
        st.sampled_from(["family", "ios", "chat-miner"]),
        st.integers(min_value=0, max_value=2000),
        st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=8),
        st.booleans(),
    )


def source_bytes(fixtures: Path, name: str) -> bytes:
    if name == "family":
        return (fixtures / "whatsapp" / "WhatsApp Chat with Family.txt").read_bytes()
    if name == "ios":
        return (fixtures / "whatsapp" / "WhatsApp Chat - Book Club" / "_chat.txt").read_bytes()
    real = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
    path = real / CHAT_MINER / "test_mmddyyyy_12hrs.txt"
    return path.read_bytes() if path.exists() else source_bytes(fixtures, "family")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=corrupt_cases())
def test_corrupted_files_fail_cleanly(
    fixtures: Path, case: tuple[str, int, list[tuple[int, int]], bool]
) -> None:
    """Truncation, byte flips and re-encoding to GBK: ImportFormatError or a clean parse."""
    name, cut, flips, to_gbk = case
    data = bytearray(source_bytes(fixtures, name))
    if to_gbk:
        data = bytearray(data.decode("utf-8").encode("gbk", errors="replace"))
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    data = data[: max(cut, 0)] if cut < len(data) else data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chat.txt"
        path.write_bytes(bytes(data))
        try:
            events = list(whatsapp.read(path, ImportOptions(**UTC_OPTIONS)))  # type: ignore[arg-type]
        except ImportFormatError as exc:
            assert str(path) in str(exc)
            return
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.at.tzinfo is UTC and e.platform == "whatsapp" for e in events)


# --- sniffing -----------------------------------------------------------------------


def head(path: Path) -> bytes:
    return path.read_bytes()[: 64 * 1024]


def test_sniff_own_fixtures(fixtures: Path) -> None:
    own = sorted((fixtures / "whatsapp").rglob("*.txt"))
    assert len(own) == 3
    assert all(whatsapp.sniff(p, head(p)) for p in own)
    assert not any(irc.sniff(p, head(p)) for p in own)


@pytest.mark.realdata
def test_sniff_real_files(real_data: Path, fixtures: Path) -> None:
    own = chat_miner_files(real_data)
    assert all(whatsapp.sniff(p, head(p)) for p in own)
    assert not any(irc.sniff(p, head(p)) for p in own)
    others = [
        *sorted((real_data / "irc-ubuntu" / "dev").glob("*.raw.txt")),
        *sorted((fixtures / "irc").rglob("*.log")),
        *sorted((fixtures / "irc").rglob("*.weechatlog")),
        real_data / CHAT_MINER / "target.json",
        *sorted((real_data / "telegram-tgif").rglob("*.json"))[:3],
        *sorted((real_data / "chat-miner-fixtures" / "telegram").glob("*.json")),
    ]
    assert len(others) > 15
    assert not [p.name for p in others if whatsapp.sniff(p, head(p))]


def test_sniff_rejects_json_and_binary(tmp_path: Path) -> None:
    json_file = write(tmp_path, '{"name": "x", "messages": []}\n', "x.json")
    assert not whatsapp.sniff(json_file, head(json_file))
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02")
    assert not whatsapp.sniff(binary, head(binary))
