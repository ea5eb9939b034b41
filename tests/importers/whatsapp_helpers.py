"""Helpers shared by the WhatsApp importer tests (test_whatsapp*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from shequn.events import Event, MessagePosted
from shequn.importers import whatsapp
from shequn.importers.base import ImportOptions

UTC_OPTIONS = {"tz": ZoneInfo("UTC")}
CHAT_MINER = "chat-miner-fixtures/whatsapp"


def parse(path: Path, **kwargs: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(**{**UTC_OPTIONS, **kwargs})  # type: ignore[arg-type]
    return list(whatsapp.read(path, options)), options


def messages(events: list[Event]) -> list[MessagePosted]:
    return [e for e in events if isinstance(e, MessagePosted)]


def naive(at: datetime) -> str:
    assert at.tzinfo is UTC
    return at.replace(tzinfo=None).isoformat()


def write(tmp_path: Path, text: str, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def chat_miner_files(real: Path) -> list[Path]:
    return sorted((real / CHAT_MINER).glob("*.txt"))
