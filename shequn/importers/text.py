"""Reading text exports line by line, whatever their encoding.

Chinese exports are often GBK (GB18030 is its superset); everything else is
UTF-8, sometimes with a byte-order mark. We decide from the head of the file,
then stream, so memory stays flat; a decoding error later in the file stops
with the line number instead of silently replacing characters.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from shequn.importers.base import ImportFormatError, ImportOptions

HEAD_BYTES = 64 * 1024


def looks_binary(head: bytes) -> bool:
    """NUL bytes do not occur in any text export we read."""
    return b"\x00" in head


def guess_encoding(head: bytes) -> str | None:
    """``utf-8-sig`` or ``gb18030`` when the head decodes cleanly, else None."""
    if looks_binary(head):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the head.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(HEAD_BYTES)


def iter_lines(path: Path, options: ImportOptions | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` with the line ending removed, numbering from 1.

    Raises ImportFormatError for an empty or binary file, an unknown encoding,
    or bytes that stop decoding part-way.
    """
    head = read_head(path)
    if not head:
        raise ImportFormatError(path, "byte 0", "a text export, found an empty file")
    encoding = guess_encoding(head)
    if encoding is None:
        raise ImportFormatError(
            path, "byte 0", "UTF-8 or GBK text, found binary or undecodable bytes"
        )
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    position = 0
    pending = ""
    with path.open("rb") as f:
        for raw in iter(lambda: f.read(1 << 20), b""):
            try:
                chunk = pending + decoder.decode(raw)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    path, f"line {number + 1}", f"valid {encoding} text ({exc.reason})"
                ) from None
            position += len(raw)
            lines = chunk.split("\n")
            pending = lines.pop()
            for line in lines:
                number += 1
                yield number, line.removesuffix("\r")
            if options is not None:
                options.progress(position)
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFormatError(
                path, f"line {number + 1}", f"valid {encoding} text (truncated character)"
            ) from None
    if pending:
        yield number + 1, pending.removesuffix("\r")


def iter_chunks(path: Path, options: ImportOptions | None = None) -> Iterator[str]:
    """Yield the decoded text in large pieces, each ending just after a ``\\n``.

    Only the last piece may lack the final line break. For parsers that scan
    with one regular expression over many lines at once instead of line by line;
    the same checks and errors as :func:`iter_lines` (a decoding error names its
    exact line), line endings left as they are.
    """
    head = read_head(path)
    if not head:
        raise ImportFormatError(path, "byte 0", "a text export, found an empty file")
    encoding = guess_encoding(head)
    if encoding is None:
        raise ImportFormatError(
            path, "byte 0", "UTF-8 or GBK text, found binary or undecodable bytes"
        )
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = position = 0
    pending = ""
    with path.open("rb") as f:
        for raw in iter(lambda: f.read(1 << 20), b""):
            try:
                text = pending + decoder.decode(raw)
            except UnicodeDecodeError as exc:
                line = lines + exc.object.count(b"\n", 0, exc.start) + 1
                raise ImportFormatError(
                    path, f"line {line}", f"valid {encoding} text ({exc.reason})"
                ) from None
            position += len(raw)
            cut = text.rfind("\n") + 1
            pending = text[cut:]
            if cut:
                lines += text.count("\n", 0, cut)
                yield text[:cut]
            if options is not None:
                options.progress(position)
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFormatError(
                path, f"line {lines + 1}", f"valid {encoding} text (truncated character)"
            ) from None
    if pending:
        yield pending
