"""The orjson fast path of ``json_items.array_items`` gives exactly what ijson gives.

Items and errors are compared with the ijson path (``stream_items`` over
``ijson.items``) on generated exports: pretty-printed as Telegram Desktop
writes them (the fast path), and with the layouts and values it must leave to
ijson (other indentation, CRLF, lone surrogates, long integers, cut files,
more after the array).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ijson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.chat_json import stream_items
from shequn.importers.json_items import _fast, array_items

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('}{]\n\\"  ,'))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
MESSAGES = st.lists(st.dictionaries(st.text(max_size=8), VALUES, max_size=6), max_size=12)


def outcome(path: Path, fast: bool) -> tuple[list[Any], str]:
    """Items read and the error (its text) that ended the reading, if any."""
    items: list[Any] = []
    with path.open("rb") as f:
        if fast:
            stream = array_items(f, path, "messages", ImportOptions())
        else:
            parsed = ijson.items(f, "messages.item", use_float=True)
            stream = stream_items(f, path, parsed, ImportOptions())
        try:
            for item in stream:
                items.append(item)
        except ImportFormatError as exc:
            return items, str(exc)
    return items, ""


def export(messages: list[Any], ascii_only: bool, indent: int = 1) -> bytes:
    chat = {"name": "Group }", "type": "private_supergroup", "id": 42, "messages": messages}
    return json.dumps(chat, ensure_ascii=ascii_only, indent=indent).encode("utf-8", "surrogatepass")


def same(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    assert outcome(path, fast=True) == outcome(path, fast=False)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(messages=MESSAGES, ascii_only=st.booleans(), change=st.integers(0, 7), cut=st.integers(0))
def test_same_items_and_errors_as_ijson(
    tmp_path: Path, messages: list[Any], ascii_only: bool, change: int, cut: int
) -> None:
    data = export(messages, ascii_only)
    if change == 1:
        data = data.replace(b"\n", b"\r\n")
    elif change == 2:
        data = export(messages, ascii_only, indent=2)
    elif change == 3:
        data = data[: cut % (len(data) + 1)]
    elif change == 4:
        data = data.rstrip(b"}") + b', "messages": [{"id": 1}]}'
    elif change == 5:
        data = data.replace(b'"Group }"', b'"\\ud800"').replace(b"\\u00", b"\\ud8")
    elif change == 6:
        data = data.replace(b"42", b"12345678901234567890")
    elif change == 7:
        data += b" x"
    same(tmp_path / "result.json", data)


def test_fast_path_reads_a_telegram_layout_to_the_end(tmp_path: Path) -> None:
    messages = [
        {"id": i, "type": "message", "text": ["a", {"type": "bold", "text": "}"}]}
        for i in range(10_000)  # ~1.4 MB: several buffers and batches
    ]
    path = tmp_path / "result.json"
    path.write_bytes(export(messages, ascii_only=False))
    with path.open("rb") as f:
        done = yield_all(_fast(f, 0, "messages", ImportOptions()))
    assert done == (True, 10_000)
    same(path, path.read_bytes())


def test_midway_surprises_hand_over_to_ijson(tmp_path: Path) -> None:
    messages: list[dict[str, Any]] = [{"id": i, "text": "x" * 50} for i in range(8_000)]
    messages[1_000]["text"] = "1234567890123456789012"  # ijson reads this batch
    messages[7_000]["n"] = 10**20  # ijson refuses it: the same error, after the same items
    path = tmp_path / "long.json"
    same(path, export(messages, ascii_only=False))
    with path.open("rb") as f:
        done, given = yield_all(_fast(f, 0, "messages", ImportOptions()))
    assert not done and 1_000 < given <= 7_000
    messages[7_000]["n"] = 1
    messages[7_500]["text"] = "\ud800x"  # orjson refuses a lone surrogate; ijson reads it
    same(tmp_path / "surrogate.json", export(messages, ascii_only=True))


def test_long_numbers_are_read_as_ijson_reads_them(tmp_path: Path) -> None:
    ok = [{"id": 1, "text": "card 1234567890123456789012"}, {"id": 2}]
    same(tmp_path / "ok.json", export(ok, ascii_only=False))
    edge = [{"id": 1}, {"id": 9223372036854775807}, {"id": 3}]  # ijson refuses it
    same(tmp_path / "edge.json", export(edge, ascii_only=False))


def yield_all(generator: Any) -> Any:
    """Run a generator to its end; its return value."""
    try:
        while True:
            next(generator)
    except StopIteration as stop:
        return stop.value
