"""Pick an export's format from its content, never from its file name."""

from __future__ import annotations

from pathlib import Path

from shequn.importers.base import ImportFormatError
from shequn.importers.registry import FORMATS, load
from shequn.importers.text import read_head


def detect(path: Path) -> str:
    """The name of the first format whose sniffer accepts the file's head."""
    head = read_head(path)
    if not head:
        raise ImportFormatError(path, "byte 0", "a chat export, found an empty file")
    for name in FORMATS:
        if load(name).sniff(path, head):
            return name
    raise ImportFormatError(
        path, "byte 0", f"a known chat export format ({', '.join(FORMATS)}); none matched"
    )
