"""Matrix events (the raw JSON a sync or ``/messages`` returns) → canonical events.

Pure functions over dicts: no client, no network, so they test on their own.
Encrypted events, edits, state the store does not keep and anything unknown map
to nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shequn.events import (
    Actor,
    Event,
    GroupCreated,
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessageDeleted,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)

PLATFORM = "matrix"

KINDS: dict[str, MessageKind] = {
    "m.text": MessageKind.TEXT,
    "m.notice": MessageKind.TEXT,
    "m.emote": MessageKind.TEXT,
    "m.image": MessageKind.IMAGE,
    "m.audio": MessageKind.VOICE,
    "m.video": MessageKind.VIDEO,
    "m.file": MessageKind.FILE,
}

#: (room id, user id) → the user's display name in that room, or "".
NameOf = Callable[[str, str], str]


def _no_names(room: str, user: str) -> str:
    return ""


def timestamp(raw: dict[str, Any]) -> datetime:
    """``origin_server_ts`` (milliseconds) as aware UTC."""
    return datetime.fromtimestamp(int(raw.get("origin_server_ts", 0)) / 1000, tz=UTC)


def strip_reply_fallback(body: str) -> str:
    """A reply's body without the quoted ``> <@user> …`` lines older clients prepend."""
    if not body.startswith("> "):
        return body
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and lines[index] == "":
        index += 1
    return "\n".join(lines[index:])


def to_event(
    raw: dict[str, Any],
    room: str,
    *,
    me: str = "",
    names: NameOf = _no_names,
    room_name: str = "",
) -> Event | None:
    """The canonical event for one Matrix event of ``room``, or None if it maps to nothing."""
    kind = raw.get("type")
    event_id = raw.get("event_id")
    sender = raw.get("sender")
    content = raw.get("content")
    if not isinstance(event_id, str) or not isinstance(sender, str):
        return None
    if not isinstance(content, dict):
        content = {}
    at = timestamp(raw)
    actor = Actor(id=sender, name=names(room, sender), is_bot=sender == me)
    base: dict[str, Any] = {
        "platform": PLATFORM,
        "group": room,
        "group_name": room_name,
        "event_id": event_id,
        "at": at,
        "actor": actor,
    }
    if kind == "m.room.message":
        if _redacted(raw):
            # Redacted before we saw it: keep the message (empty) so its deletion lands.
            return MessagePosted(**base, text="")
        return _message(content, base)
    if kind == "m.room.member":
        return _member(raw, content, base, names)
    if kind == "m.reaction":
        relation = content.get("m.relates_to")
        if not isinstance(relation, dict) or relation.get("rel_type") != "m.annotation":
            return None
        target, key = relation.get("event_id"), relation.get("key")
        if not isinstance(target, str) or not isinstance(key, str):
            return None
        return ReactionAdded(**base, message_id=target, emoji=key)
    if kind == "m.room.redaction":
        # Room versions before 11 carry ``redacts`` at the top; 11 moved it into content.
        target = content.get("redacts") or raw.get("redacts")
        if not isinstance(target, str):
            return None
        return MessageDeleted(**base, message_id=target)
    if kind == "m.room.name" and raw.get("state_key") == "":
        name = content.get("name")
        prev = _prev_content(raw).get("name")
        return GroupRenamed(
            **base, new_name=name if isinstance(name, str) else "",
            old_name=prev if isinstance(prev, str) else "",
        )  # fmt: skip
    if kind == "m.room.create" and raw.get("state_key") == "":
        return GroupCreated(**base)
    return None


def _message(content: dict[str, Any], base: dict[str, Any]) -> MessagePosted | None:
    relation = content.get("m.relates_to")
    relation = relation if isinstance(relation, dict) else {}
    if relation.get("rel_type") == "m.replace":
        return None  # an edit: the original message is what the store keeps
    msgtype = content.get("msgtype")
    body = content.get("body")
    if not isinstance(msgtype, str) or not isinstance(body, str):
        return None
    reply_to = None
    in_reply_to = relation.get("m.in_reply_to")
    if isinstance(in_reply_to, dict) and isinstance(in_reply_to.get("event_id"), str):
        reply_to = in_reply_to["event_id"]
        body = strip_reply_fallback(body)
    mentions: tuple[Mention, ...] = ()
    declared = content.get("m.mentions")
    if isinstance(declared, dict) and isinstance(declared.get("user_ids"), list):
        mentions = tuple(Mention(id=u) for u in declared["user_ids"] if isinstance(u, str))
    return MessagePosted(
        **base,
        kind=KINDS.get(msgtype, MessageKind.TEXT),
        text=body,
        reply_to=reply_to,
        mentions=mentions,
    )


def _redacted(raw: dict[str, Any]) -> bool:
    unsigned = raw.get("unsigned")
    return isinstance(unsigned, dict) and "redacted_because" in unsigned


def _prev_content(raw: dict[str, Any]) -> dict[str, Any]:
    unsigned = raw.get("unsigned")
    if not isinstance(unsigned, dict):
        return {}
    prev = unsigned.get("prev_content")
    return prev if isinstance(prev, dict) else {}


def _member(
    raw: dict[str, Any], content: dict[str, Any], base: dict[str, Any], names: NameOf
) -> Event | None:
    target = raw.get("state_key")
    if not isinstance(target, str) or not target:
        return None
    membership = content.get("membership")
    prev = _prev_content(raw)
    before = prev.get("membership", "leave")
    sender: Actor = base["actor"]
    display = content.get("displayname")
    display = display if isinstance(display, str) else ""
    if membership == "join":
        if before == "join":
            old = prev.get("displayname")
            old = old if isinstance(old, str) else ""
            if old == display:
                return None  # an avatar change
            return MemberRenamed(**base, old_name=old, new_name=display)
        member = Actor(id=target, name=display, is_bot=sender.is_bot)
        base = {**base, "actor": member}
        if before == "invite":
            inviter = _prev_sender(raw)
            return MemberJoined(
                **base,
                member=member,
                how=JoinHow.INVITE,
                inviter=Actor(id=inviter, name="") if inviter else None,
            )
        return MemberJoined(**base, member=member, how=JoinHow.UNKNOWN)
    if membership in ("leave", "ban") and before == "join":
        old = prev.get("displayname")
        member = Actor(
            id=target,
            name=old if isinstance(old, str) else "",
            is_bot=sender.is_bot and target == sender.id,
        )
        if membership == "leave" and sender.id == target:
            return MemberLeft(**{**base, "actor": member}, member=member, how=LeaveHow.LEFT)
        return MemberLeft(**base, member=member, how=LeaveHow.REMOVED)
    return None  # invites, knocks, rejected invites, bans of non-members


def _prev_sender(raw: dict[str, Any]) -> str:
    unsigned = raw.get("unsigned")
    if isinstance(unsigned, dict) and isinstance(unsigned.get("prev_sender"), str):
        return str(unsigned["prev_sender"])
    return ""
