"""Reading one Telegram Desktop message body: its text, mentions, kind and times.

Telegram writes ``text`` as a plain string when the message has no entities,
else as an array mixing strings and entity objects ``{type, text, ...}``. The
text is the concatenation of every piece's text, exactly as written: nothing is
stripped, normalised or joined with spaces.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from shequn.events import Mention, MessageKind

LINK_ENTITIES = frozenset({"link", "text_link"})
MEDIA_KINDS = {
    "sticker": MessageKind.STICKER,
    "voice_message": MessageKind.VOICE,
    "audio_file": MessageKind.VOICE,
    "video_file": MessageKind.VIDEO,
    "video_message": MessageKind.VIDEO,
    "animation": MessageKind.VIDEO,
}


def flatten(text: Any) -> tuple[str, tuple[Mention, ...], bool]:
    """``(text, mentions, has_link)`` of a ``text`` field (string, array or absent)."""
    if type(text) is str:
        return text, (), False
    if text is None:
        return "", (), False
    if not isinstance(text, list):
        raise ValueError(f"'text' as a string or an array, found {type(text).__name__}")
    pieces: list[str] = []
    mentions: list[Mention] = []
    has_link = False
    for part in text:
        if type(part) is str:
            pieces.append(part)
            continue
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            raise ValueError("text pieces as strings or entity objects with a 'text' string")
        piece = part["text"]
        pieces.append(piece)
        kind = part.get("type")
        if kind in LINK_ENTITIES:
            has_link = True
        elif kind == "mention" or kind == "mention_name":
            mention = _mention(kind, piece, part)
            if mention not in mentions:
                mentions.append(mention)
    return "".join(pieces), tuple(mentions), has_link


def _mention(kind: str, piece: str, part: dict[str, Any]) -> Mention:
    """``@name`` mentions by username (without the ``@``); ``mention_name`` by account id."""
    if kind == "mention":
        return Mention(name=piece.removeprefix("@"))
    user_id = part.get("user_id")
    if user_id is None:
        return Mention(name=piece)
    return Mention(id=f"user{user_id}", name=piece)


def message_kind(message: dict[str, Any], has_link: bool) -> MessageKind:
    """Media decides first (a captioned photo is an IMAGE); then a link entity makes LINK."""
    if "photo" in message:
        return MessageKind.IMAGE
    media = message.get("media_type")
    if media is not None:
        return MEDIA_KINDS.get(media, MessageKind.FILE)
    if "file" in message:
        return MessageKind.FILE
    return MessageKind.LINK if has_link else MessageKind.TEXT


def moment(message: dict[str, Any], unix_key: str, local_key: str, tz: tzinfo) -> datetime | None:
    """The time at ``unix_key`` (UTC seconds), else at ``local_key`` (local ISO) in ``tz``."""
    unix = message.get(unix_key)
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except (ValueError, TypeError, OverflowError, OSError):
            raise ValueError(f"{unix_key!r} as whole seconds, found {unix!r}") from None
    local = message.get(local_key)
    if local is None:
        return None
    if not isinstance(local, str):
        raise ValueError(f"{local_key!r} as an ISO date string")
    try:
        at = datetime.fromisoformat(local)
    except ValueError:
        raise ValueError(f"{local_key!r} as an ISO date, found {local!r}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(UTC)


def peer_digits(peer: Any) -> str:
    """The bare number of a peer id such as ``channel1712691810`` or ``user42``."""
    text = str(peer)
    return text.lstrip("abcdefghijklmnopqrstuvwxyz")
