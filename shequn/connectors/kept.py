"""What a connector keeps between runs: one small JSON file in the data dir.

A token obtained by logging in, the room opened with the operator, the power
level a muted member had. The file may hold a secret (a kept access token), so
it is created with owner-only permissions (0600, as the secret key is) and
replaced atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class Kept:
    """A JSON object in ``directory/<name>.json``; read once, written on every change."""

    def __init__(self, directory: Path | None, name: str) -> None:
        self.path = directory / f"{name}.json" if directory is not None else None
        self.data: dict[str, Any] = {}
        if self.path is not None and self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}  # unreadable: start afresh (a token is obtained again)
            if isinstance(loaded, dict):
                self.data = loaded

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        """Set ``key`` (None removes it) and write the file."""
        if value is None:
            self.data.pop(key, None)
        else:
            self.data[key] = value
        self.save()

    def save(self) -> None:
        """Write the file with mode 0600 through a temporary file and a rename."""
        if self.path is None:
            return  # nowhere to keep things: they last as long as the process
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # in case an older file of that name had wider rights
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, sort_keys=True)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, self.path)

    def __repr__(self) -> str:
        return f"Kept({self.path}, keys={sorted(self.data)})"  # never the values
