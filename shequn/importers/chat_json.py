"""Streaming helpers shared by the JSON chat-export importers (Telegram, Discord, Element).

All three formats are one JSON object whose big part is an array of messages.
We read the few top-level members that come before that array (chat name, ids)
with a short event walk, then stream the array with ``ijson.items`` on the C
backend, so memory stays flat whatever the file size. Every ijson error becomes
an ImportFormatError naming the file and the approximate byte offset (ijson
reads in 64 KiB blocks, so the offset is where the reader stood, not the exact
byte).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

from shequn.importers.base import ImportFormatError, ImportOptions

JSON_ERRORS = (ijson.JSONError, UnicodeDecodeError)
BOM = b"\xef\xbb\xbf"
HEAD_EVENTS = 20_000
PROGRESS_EVERY = 1024  # messages between progress reports; a power of two
_OPEN = ("start_map", "start_array")
_CLOSE = ("end_map", "end_array")


def describe(exc: BaseException) -> str:
    """ijson's message without its multi-line excerpt of the input."""
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = str(text).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


@dataclass
class HeadScan:
    """What the first bytes of a file say: object keys seen at each prefix, top-level scalars."""

    keys: set[tuple[str, str]] = field(default_factory=set)
    top: dict[str, Any] = field(default_factory=dict)

    def has(self, prefix: str, *names: str) -> bool:
        return all((prefix, name) in self.keys for name in names)

    def any(self, prefix: str, *names: str) -> bool:
        return any((prefix, name) in self.keys for name in names)


def scan_head(head: bytes) -> HeadScan:
    """Walk the parse events of a (possibly cut) head; never raises."""
    scan = HeadScan()
    head = head.removeprefix(BOM)
    if not head.lstrip().startswith(b"{"):
        return scan
    key = ""
    try:
        for n, (prefix, event, value) in enumerate(ijson.parse(io.BytesIO(head))):
            if event == "map_key":
                scan.keys.add((prefix, value))
                key = value
            elif prefix == key and "." not in prefix and event not in _OPEN + _CLOSE:
                scan.top[key] = value
            if n > HEAD_EVENTS:
                break
    except Exception:  # a cut head ends in a parse error; what we saw still counts
        pass
    return scan


@contextmanager
def open_json(path: Path) -> Iterator[IO[bytes]]:
    """Open an export for ijson: reject empty and binary files, step over a BOM."""
    with path.open("rb") as f:
        head = f.read(64 * 1024)
        if not head.strip():
            raise ImportFormatError(path, "byte 0", "a JSON object, found an empty file")
        if b"\x00" in head:
            where = "byte " + str(head.index(0))
            raise ImportFormatError(path, where, "JSON text, found binary data (NUL byte)")
        f.seek(len(BOM) if head.startswith(BOM) else 0)
        yield f


def _skip_or_build(events: Iterator[tuple[str, str, Any]], build: bool) -> Any:
    """Consume one JSON value from ``events``; build it only when asked."""
    builder = ObjectBuilder() if build else None
    depth = 0
    for _prefix, event, value in events:
        if builder is not None:
            builder.event(event, value)
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
        if depth == 0:
            return builder.value if builder is not None else None
    raise ijson.IncompleteJSONError("parse error: premature EOF")


def read_prelude(
    f: IO[bytes],
    path: Path,
    containers: Mapping[str, str],
    keep: Collection[str] = (),
) -> tuple[str | None, dict[str, Any]]:
    """Read the top-level members before the first key of ``containers``.

    ``containers`` maps a key to the event its value must start with
    (``start_array`` or ``start_map``). Returns that key (None when the object
    ends without one) and the members named in ``keep`` that came before it.
    The file is put back where it was.
    """
    start = f.tell()
    members: dict[str, Any] = {}
    events = ijson.parse(f, use_float=True)
    try:
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise ImportFormatError(path, f"byte {start}", "a JSON object at the top level")
        for prefix, event, value in events:
            if prefix != "" or event != "map_key":
                continue  # the end of the top-level object
            if value in containers:
                opened = next(events)[1]
                if opened != containers[value]:
                    kind = "an array" if containers[value] == "start_array" else "an object"
                    raise ImportFormatError(path, f"top-level {value!r}", f"{kind}, found {opened}")
                return value, members
            built = _skip_or_build(events, value in keep)
            if value in keep:
                members[value] = built
        return None, members
    except JSON_ERRORS as exc:
        where = f"near byte {f.tell()}"
        raise ImportFormatError(path, where, f"valid JSON ({describe(exc)})") from None
    finally:
        f.seek(start)


def stream_items(
    f: IO[bytes],
    path: Path,
    items: Iterator[Any],
    options: ImportOptions,
) -> Iterator[Any]:
    """Yield from an ``ijson.items`` iterator, reporting progress and turning errors into ours."""
    n = 0
    try:
        for n, item in enumerate(items, 1):
            yield item
            if not n & (PROGRESS_EVERY - 1):
                options.progress(f.tell())
    except JSON_ERRORS as exc:
        where = f"near byte {f.tell()} (after message #{n})"
        raise ImportFormatError(path, where, f"valid JSON ({describe(exc)})") from None
    options.progress(f.tell())


def first_value(f: IO[bytes], prefix: str) -> Any:
    """The first value at ``prefix`` (None when there is none); the file is put back."""
    start = f.tell()
    try:
        return next(ijson.items(f, prefix, use_float=True), None)
    except JSON_ERRORS:
        return None  # the main pass will report the error with its place
    finally:
        f.seek(start)


def require(record: Mapping[str, Any], key: str, kinds: type | tuple[type, ...]) -> Any:
    """``record[key]`` when it has one of ``kinds``, else a ValueError naming what was expected."""
    value = record.get(key)
    if not isinstance(value, kinds):
        names = (
            kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        )
        raise ValueError(f"{key!r} as {names}, found {type(value).__name__}")
    return value


def explain(exc: Exception) -> str:
    """What a record should have held, from the error its conversion raised."""
    if isinstance(exc, KeyError):
        return f"a message with {exc.args[0]!r}" if exc.args else "a complete message"
    if isinstance(exc, ValueError):
        return str(exc) or "a well-formed message"
    return f"a message with the usual field types ({exc})"


RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def iso_utc(text: str, tz: Any = UTC) -> datetime:
    """An ISO 8601 time as aware UTC; a time without an offset is taken in ``tz``."""
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(UTC)
