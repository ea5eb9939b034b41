"""Element (Matrix) room export in JSON.

Shape: ``{room_name, room_creator, topic, export_date, exported_by,
messages: [raw Matrix events]}``. ``group`` is the events' ``room_id`` (read
from the first event that has one; an event from another room stops the
import), else ``options.group``, else ``room_name``; ``group_name`` is
``room_name``. ``event_id`` is the Matrix event id; ``origin_server_ts``
(milliseconds) becomes UTC. Actors are Matrix user ids (``@alice:example.org``)
with the display name last seen in an ``m.room.member`` event of the export.

Mapping:
- ``m.room.message``: MessagePosted; ``msgtype`` m.image → IMAGE, m.file → FILE,
  m.audio → VOICE, m.video → VIDEO, anything else (m.text, m.notice, m.emote,
  m.location, ...) TEXT, or LINK when the body holds an ``http(s)://`` URL.
  ``m.sticker`` events are STICKER. Text = ``content.body`` byte for byte,
  including the ``> <@user> quoted`` fallback some clients put in replies.
  ``reply_to`` = ``m.relates_to.m.in_reply_to.event_id``; in a thread, a
  message without a real reply answers the thread root. Mentions come from
  ``content["m.mentions"]["user_ids"]``.
- Edits (``rel_type`` m.replace) are not new messages: skipped as
  ``edit (m.replace)``. Streaming cannot go back to the original, so its text
  stays the first version; ``edited_at`` is set only when the server's
  aggregation (``unsigned["m.relations"]["m.replace"]``) is in the export.
- ``m.room.member``: join → MemberJoined (how=INVITE with the inviter when an
  invite was seen, REQUEST after a knock, else UNKNOWN); a join over a join is
  a profile change: MemberRenamed when the display name changed, else skipped;
  an invite → remembered for the join, skipped; a knock then a join (via the
  approving invite) is how=REQUEST without inviter; leave → MemberLeft, LEFT when
  the sender is the member, REMOVED when someone else sent it (a kick); a
  leave after an unanswered invite (declined or withdrawn) is skipped; ban →
  MemberLeft REMOVED.
- ``m.room.name`` → GroupRenamed (old name from ``unsigned.prev_content``);
  ``m.room.create`` → GroupCreated; ``m.reaction`` → ReactionAdded (key =
  emoji); ``m.room.redaction`` → MessageDeleted. A redacted message (empty
  content, ``unsigned.redacted_because``) is still a MessagePosted with empty
  text, followed by the MessageDeleted its redaction tells (once per redaction).

What the format cannot tell, and how we cope:
- Element exports only the events it renders, so reactions, redactions and
  edits are usually absent; we handle them when present.
- A redaction may remove a reaction or a state event rather than a message;
  without keeping every id we cannot tell, so MessageDeleted names whatever
  id was redacted.
- Undecrypted events (``m.room.encrypted``) carry nothing readable: skipped.
- The room's first title is not known at ``m.room.create``: GroupCreated
  carries the export's room name.
- Bots are not marked in Matrix: ``is_bot`` stays False (m.notice included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ijson

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
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.chat_json import (
    RECORD_ERRORS,
    explain,
    first_value,
    open_json,
    read_prelude,
    require,
    scan_head,
    stream_items,
)

FORMAT = "matrix"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
URL = re.compile(r"https?://", re.IGNORECASE)
MSGTYPES = {
    "m.image": MessageKind.IMAGE,
    "m.file": MessageKind.FILE,
    "m.audio": MessageKind.VOICE,
    "m.video": MessageKind.VIDEO,
}


def sniff(path: Path, head: bytes) -> bool:
    """Element's header keys, or raw Matrix events (``origin_server_ts``, ``sender``)."""
    scan = scan_head(head)
    if scan.has("", "room_name") and scan.any("", "room_creator", "export_date", "exported_by"):
        return True
    return scan.has("messages.item", "origin_server_ts", "sender")


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    """Yield the room's events in file order."""
    with open_json(path) as f:
        found, top = read_prelude(f, path, {"messages": "start_array"}, keep=("room_name",))
        if found is None:
            raise ImportFormatError(path, "top level", "an Element export with a 'messages' array")
        room = _Room(path, options, top, first_value(f, "messages.item.room_id"))
        items = ijson.items(f, "messages.item", use_float=True)
        for event in stream_items(f, path, items, options):
            yield from room.convert(event)


def _content(ev: dict[str, Any]) -> dict[str, Any]:
    content = ev.get("content")
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ValueError("'content' as an object")
    return content


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Room:
    """One exported room: its group, names seen so far and pending invites."""

    def __init__(self, path: Path, options: ImportOptions, top: dict[str, Any], room: Any) -> None:
        self.path, self.options = path, options
        name = top.get("room_name")
        self.name = name if isinstance(name, str) else options.group
        self.room_id = room if isinstance(room, str) else None
        self.group = self.room_id or options.group or self.name
        if not self.group:
            raise ImportFormatError(path, "top level", "a room id in the events or a 'room_name'")
        self.names: dict[str, str] = {}
        self.invites: dict[str, str] = {}
        self.knocks: set[str] = set()
        self.redactions: set[str] = set()
        self.index = 0

    def convert(self, ev: Any) -> tuple[Event, ...]:
        self.index += 1
        try:
            if type(ev) is not dict:
                raise ValueError(f"an event object, found {type(ev).__name__}")
            room_id = ev.get("room_id")
            if room_id is not None and self.room_id is not None and room_id != self.room_id:
                raise ValueError(f"every event from room {self.room_id}, found {room_id}")
            require(ev, "event_id", str)  # every Matrix event has one
            handler = _HANDLERS.get(require(ev, "type", str))
            if handler is None:
                self.options.skip(f"event: {ev['type']}")
                return ()
            return handler(self, ev)
        except RECORD_ERRORS as exc:
            where = f"event #{self.index}"
            if isinstance(ev, dict) and "event_id" in ev:
                where += f" ({ev['event_id']})"
            raise ImportFormatError(self.path, where, explain(exc)) from None

    def _actor(self, user_id: str) -> Actor:
        return Actor(id=user_id, name=self.names.get(user_id, ""))

    def _base(self, ev: dict[str, Any]) -> dict[str, Any]:
        ts = require(ev, "origin_server_ts", (int, float))
        return {
            "platform": FORMAT,
            "group": self.group,
            "group_name": self.name,
            "event_id": require(ev, "event_id", str),
            "at": EPOCH + timedelta(milliseconds=ts),
            "actor": self._actor(require(ev, "sender", str)),
        }

    def _message(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        content = _content(ev)
        relation = _dict(content.get("m.relates_to"))
        if relation.get("rel_type") == "m.replace":
            self.options.skip("edit (m.replace)")
            return ()
        body = content.get("body") or ""
        if not isinstance(body, str):
            raise ValueError("'content.body' as a string")
        kind = MSGTYPES.get(content.get("msgtype") or "", MessageKind.TEXT)
        if ev["type"] == "m.sticker":
            kind = MessageKind.STICKER
        elif kind is MessageKind.TEXT and URL.search(body):
            kind = MessageKind.LINK
        unsigned = _dict(ev.get("unsigned"))
        edit = _dict(_dict(unsigned.get("m.relations")).get("m.replace"))
        edited = edit.get("origin_server_ts")
        posted = MessagePosted(
            **self._base(ev),
            kind=kind,
            text=body,
            reply_to=_reply_target(relation),
            mentions=self._mentions(content),
            edited_at=EPOCH + timedelta(milliseconds=edited) if edited else None,
        )
        return (posted, *self._redacted_because(unsigned, posted.event_id))

    def _mentions(self, content: dict[str, Any]) -> tuple[Mention, ...]:
        users = _dict(content.get("m.mentions")).get("user_ids") or ()
        return tuple(Mention(id=u, name=self.names.get(u, "")) for u in users if isinstance(u, str))

    def _redacted_because(self, unsigned: dict[str, Any], target: str) -> tuple[Event, ...]:
        redaction = unsigned.get("redacted_because")
        if not isinstance(redaction, dict):
            return ()
        base = self._base(redaction)
        if base["event_id"] in self.redactions:
            return ()
        self.redactions.add(base["event_id"])
        return (MessageDeleted(**base, message_id=target),)

    def _redaction(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        target = ev.get("redacts") or _content(ev).get("redacts")
        if not isinstance(target, str):
            raise ValueError("a redaction with 'redacts'")
        base = self._base(ev)
        if base["event_id"] in self.redactions:
            return ()
        self.redactions.add(base["event_id"])
        return (MessageDeleted(**base, message_id=target),)

    def _reaction(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        relation = _dict(_content(ev).get("m.relates_to"))
        target, key = relation.get("event_id"), relation.get("key")
        if not isinstance(target, str) or not isinstance(key, str):
            raise ValueError("a reaction with 'm.relates_to' 'event_id' and 'key'")
        return (ReactionAdded(**self._base(ev), message_id=target, emoji=key),)

    def _room_name(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        new = _content(ev).get("name")
        if not isinstance(new, str):
            raise ValueError("an m.room.name event with a 'name' string")
        old = _dict(_dict(ev.get("unsigned")).get("prev_content")).get("name")
        return (GroupRenamed(**self._base(ev), new_name=new, old_name=str(old or "")),)

    def _create(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        return (GroupCreated(**self._base(ev)),)

    def _encrypted(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        self.options.skip("encrypted (not decrypted)")
        return ()

    def _member(self, ev: dict[str, Any]) -> tuple[Event, ...]:
        member_id = require(ev, "state_key", str)
        content = _content(ev)
        membership = content.get("membership")
        prev = _dict(_dict(ev.get("unsigned")).get("prev_content"))
        before = prev.get("membership")
        if before is None and member_id in self.invites:
            before = "invite"
        if membership == "join":
            return self._joined(ev, member_id, content, prev, before)
        if membership == "invite":
            self.invites[member_id] = require(ev, "sender", str)
            self.options.skip("member: invite (not yet joined)")
            return ()
        if membership in ("leave", "ban"):
            self.knocks.discard(member_id)
            return self._left(ev, member_id, membership, before)
        if membership == "knock":
            self.knocks.add(member_id)
        self.options.skip(f"member: {membership}")
        return ()

    def _joined(
        self, ev: dict[str, Any], member_id: str, content: dict[str, Any], prev: Any, before: Any
    ) -> tuple[Event, ...]:
        old, new = self.names.get(member_id, ""), content.get("displayname")
        if isinstance(new, str):
            self.names[member_id] = new
        base = self._base(ev)
        if before == "join":
            old = str(prev.get("displayname") or old)
            if not isinstance(new, str) or new == old:
                self.options.skip("member: profile change")
                return ()
            base["actor"] = self._actor(member_id)
            return (MemberRenamed(**base, old_name=old, new_name=new),)
        inviter_id = self.invites.pop(member_id, None)
        inviter = self._actor(inviter_id) if inviter_id else None
        how = JoinHow.INVITE if before == "invite" or inviter else JoinHow.UNKNOWN
        if member_id in self.knocks or before == "knock":
            # An accepted knock: the invite only approved the request; no referral.
            self.knocks.discard(member_id)
            how, inviter = JoinHow.REQUEST, None
        return (MemberJoined(**base, member=self._actor(member_id), how=how, inviter=inviter),)

    def _left(
        self, ev: dict[str, Any], member_id: str, membership: str, before: Any
    ) -> tuple[Event, ...]:
        if before == "invite":
            self.invites.pop(member_id, None)
            self.options.skip("member: invite declined or withdrawn")
            return ()
        if before in ("leave", "ban") or (before == "knock" and membership == "leave"):
            self.options.skip(f"member: {membership} after {before}")
            return ()
        base = self._base(ev)
        member = self._actor(member_id)
        removed = membership == "ban" or base["actor"].id != member_id
        how = LeaveHow.REMOVED if removed else LeaveHow.LEFT
        return (MemberLeft(**base, member=member, how=how),)


def _reply_target(relation: dict[str, Any]) -> str | None:
    reply = relation.get("m.in_reply_to")
    target = reply.get("event_id") if isinstance(reply, dict) else None
    if relation.get("rel_type") == "m.thread" and (
        target is None or relation.get("is_falling_back")
    ):
        target = relation.get("event_id")
    return target if isinstance(target, str) else None


_HANDLERS: dict[str, Callable[[_Room, dict[str, Any]], tuple[Event, ...]]] = {
    "m.room.message": _Room._message,
    "m.sticker": _Room._message,
    "m.room.member": _Room._member,
    "m.room.name": _Room._room_name,
    "m.room.create": _Room._create,
    "m.reaction": _Room._reaction,
    "m.room.redaction": _Room._redaction,
    "m.room.encrypted": _Room._encrypted,
}
