"""The items of a JSON export's top-level array, read by orjson where the layout allows.

ijson's C backend reads ~200,000 Telegram messages a second, a large part of an
import's CPU. Pretty-printed exports (Telegram Desktop's) close every item of the
array on a line of its own, at the indentation of the item's opening brace. So
the bytes from an item's ``{`` to a later ``\n<indent>}`` are whole items and the
commas between them, which orjson parses in one call (as ``[`` … ``]``) several
times faster than ijson. That is never assumed: such a piece that orjson reads as
one array holds whole items and nothing more (a piece cut inside an item leaves
its object open), and anything else ends the fast path: another layout, invalid
JSON, values orjson refuses (lone surrogates, NaN), an item that is not an
object, or anything but the end of the document after the array. ijson then
reads the file again and the items already given are skipped, so the items and
any error are ijson's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Generator, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from shequn.importers.base import ImportOptions
from shequn.importers.chat_json import JSON_ERRORS, stream_items

BLOCK = 1 << 18
# An item longer than this ends the fast path, so memory stays flat whatever the
# layout; a Telegram message (4,096 characters at most, entities included) is far shorter.
LONGEST = 1 << 18
SLACK = 1 << 16  # bytes kept after an item's end, to see what follows it
_WS = rb"[ \t\r\n]*"
_STRING = rb'"(?:[^"\\\x00-\x1f]|\\.)*"'
_KEY = re.compile(_WS + b"(" + _STRING + b")" + _WS + b":" + _WS)
_SCALAR = re.compile(
    b"(?:" + _STRING + rb"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)" + _WS + b"," + _WS
)
_OPEN = re.compile(_WS + rb"\{")
_FIRST = re.compile(rb"\[[ \t\r]*\n( *)\{")
# orjson and ijson read the same JSON alike but for integers of 19 digits or more:
# ijson refuses them (beyond 64 bits, or at its very edge), orjson reads them (as a
# float beyond unsigned 64 bits). Text with 19 digits in a row (mostly inside a
# string) is read by ijson itself. ``_DIGITS`` makes every digit a "0".
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
_END = re.compile(_WS + rb"\]" + _WS + rb"\}" + _WS)


def array_items(f: IO[bytes], path: Path, key: str, options: ImportOptions) -> Iterator[Any]:
    """The items of the array at top-level ``key``, as ``ijson.items(f, key + ".item")`` gives
    them (through ``stream_items``); ``f`` stands at the start of the document."""
    start = f.tell()
    done, given = yield from _fast(f, start, key, options)
    if done:
        return
    f.seek(start)
    items = ijson.items(f, f"{key}.item", use_float=True)
    yield from islice(stream_items(f, path, items, options), given, None)


def _fast(
    f: IO[bytes], start: int, key: str, options: ImportOptions
) -> Generator[dict[str, Any], None, tuple[bool, int]]:
    """Items while the layout holds; returns (whole array read to the document's end, items).

    The items of a whole buffer (up to its last item end) are parsed in one call.
    """
    buf = f.read(BLOCK)
    first = _first_item(buf, key)
    if first is None:
        return False, 0
    pos, indent = first
    close, after = b"\n" + indent + b"}", re.compile(_WS + b",[ \t\r]*\n" + indent + rb"\{")
    base, eof, given = start, False, 0
    while True:
        # Leave SLACK bytes after the last item taken, to see how the array goes on.
        end = buf.rfind(close, pos, len(buf) if eof else len(buf) - SLACK)
        if end < 0:
            if eof or len(buf) - pos > LONGEST:
                return False, given
            more = f.read(BLOCK)
            eof = not more
            buf, base, pos = buf[pos:] + more, base + pos, 0
            continue
        end += len(close)
        items = _items(buf[pos:end])
        following = after.match(buf, end)
        if items is None or (following is None and not (eof and _END.fullmatch(buf, end))):
            return False, given
        yield from items
        given += len(items)
        options.progress(base + end)
        if following is None:
            return True, given
        pos = following.end() - 1  # the next item's "{"


def _items(piece: bytes) -> list[dict[str, Any]] | None:
    """The items in ``piece`` (objects and the commas between them) as ijson reads them;
    None when orjson refuses them or one is not an object."""
    text = b"[" + piece + b"]"
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if _LONG_NUMBER in text.translate(_DIGITS):
        try:
            items = list(ijson.items(io.BytesIO(text), "item", use_float=True))
        except JSON_ERRORS:
            return None
    return items if all(type(item) is dict for item in items) else None


def _readable(text: bytes) -> bool:
    """Whether orjson reads ``text`` as ijson would (see ``_items``)."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return _LONG_NUMBER not in text.translate(_DIGITS)


def _first_item(buf: bytes, key: str) -> tuple[int, bytes] | None:
    """Where the first item of the array at top-level ``key`` starts, and its indentation.

    Only members before it that are scalars are stepped over; any other start
    (and an empty array) is left to ijson, and so are members ijson would refuse:
    what comes before the key must read as JSON, without long integers.
    """
    found = _OPEN.match(buf)
    if found is None:
        return None
    pos = found.end()
    while (name := _KEY.match(buf, pos)) is not None:
        try:
            decoded = orjson.loads(name[1])
        except orjson.JSONDecodeError:
            return None
        if decoded == key:
            first = _FIRST.match(buf, name.end())
            before = buf[: name.start(1)] + b'"":0}'  # the members before, as a whole object
            if first is None or not _readable(before):
                return None
            return first.end() - 1, first[1]
        value = _SCALAR.match(buf, name.end())
        if value is None:
            return None
        pos = value.end()
    return None
