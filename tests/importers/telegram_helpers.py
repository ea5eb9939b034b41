"""Helpers and counts shared by the Telegram importer tests (test_telegram*.py)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from shequn.events import Event, MessagePosted
from shequn.importers import telegram
from shequn.importers.base import ImportOptions

JAKARTA = ZoneInfo("Asia/Jakarta")  # the tgif groups are Indonesian; their `date` is UTC+7

# Counted by reading the files with the standard json module, by these rules:
# messages = items with type "message"; replies = items with reply_to_message_id (none has
# reply_to_peer_id); senders = distinct from_id; edited = items with "edited". No file has a
# service message, so every file has 0 joins and 0 leaves. Totals agree with NOTICE.md
# (1,179 messages, up to 20 senders, 555 replies).
TGIF = {
    # folder: (messages, replies, senders, edited)
    "biasa-vs-enterprise-linux-distro": (37, 20, 2, 4),
    "coorporate-speak": (155, 52, 9, 12),
    "database-isolation-level": (98, 34, 5, 8),
    "dependency-injection-in-a-nutshell": (29, 10, 3, 1),
    "disable-service-gcp-ingress": (38, 18, 3, 1),
    "membuat-linq-efisien": (53, 34, 7, 6),
    "oop": (46, 13, 8, 2),
    "perlu-belajar-assembly": (61, 29, 7, 3),
    "praktik-load-balancer": (43, 14, 7, 1),
    "pujangga-kode-1": (82, 58, 12, 14),
    "pujangga-kode-2": (135, 103, 20, 14),
    "software-testing": (197, 94, 12, 18),
    "ssl-tidak-hanya-untuk-website": (14, 1, 2, 6),
    "tdd-and-clean-architecture": (191, 75, 7, 23),
}
# Kinds over all 14 files, counted the same way: photo 22; media_type sticker 17 and
# animation 4; file without media_type 2 (PNGs sent as files); a link entity 36; text 1,098.
TGIF_KINDS = {"text": 1098, "link": 36, "image": 22, "sticker": 17, "video": 4, "file": 2}


def read_all(path: Path, **kw: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(**kw)  # type: ignore[arg-type]
    return list(telegram.read(path, options)), options


def posted(events: list[Event]) -> list[MessagePosted]:
    return [e for e in events if isinstance(e, MessagePosted)]


def tgif(real_data: Path, folder: str) -> Path:
    return real_data / "telegram-tgif" / folder / "exported.json"
