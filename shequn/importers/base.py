"""What every importer shares: its options, its error, and how it reports skips.

An importer is a module with ``FORMAT`` (its name), ``sniff(head) -> bool``
(does this content look like mine?) and ``read(path, options) -> Iterator[Event]``.
It never touches the database: it only yields canonical events, so that the
caller decides about transactions and a bad file can be dropped whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path


class ImportFormatError(Exception):
    """The file is not what its format promises; names where and what was expected."""

    def __init__(self, path: Path | str, where: str, expected: str) -> None:
        self.path = str(path)
        self.where = where
        self.expected = expected
        super().__init__(f"{self.path}: {where}: {expected}")


def local_zone() -> tzinfo:
    """The machine's zone, the default for formats that store local times."""
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


@dataclass
class ImportOptions:
    """How to read one file.

    ``tz`` is the zone of formats that store local times. ``group`` overrides
    the group's platform id and name where the format has none of its own.
    ``on_progress`` receives the number of bytes consumed so far.
    """

    tz: tzinfo = field(default_factory=local_zone)
    group: str = ""
    on_progress: Callable[[int], None] | None = None
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        """Count a line or record the importer deliberately left out, by reason."""
        self.skipped[reason] += 1

    def progress(self, position: int) -> None:
        if self.on_progress is not None:
            self.on_progress(position)
