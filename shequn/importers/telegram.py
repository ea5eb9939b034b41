"""Telegram Desktop JSON export (``result.json``): one chat, or a whole account.

Shapes. A single-chat export is ``{name, type, id, messages: [...]}``; a
whole-account export has ``chats.list`` (and ``left_chats.list``, the groups
the exporting account has left) whose items are such chats. Each chat is its
own group: ``group`` = ``str(id)``, ``group_name`` = ``name``. A chat without an
``id`` uses ``options.group``, then its ``name``; with none of them the import
stops. Private chats (``personal_chat``, ``bot_chat``, ``saved_messages``,
``replies``) are not groups: their messages are counted with
``options.skip("private chat")`` in both shapes.

Messages. ``event_id`` is the message ``id``; a message without one (only in
hand-trimmed files, e.g. chat-miner's fixtures) gets ``n<position>:<hash>``,
stable for the same file. Times come from ``date_unixtime`` (UTC); older
exports only have ``date``, the exporting machine's local time, read in
``options.tz``. The text is the exact concatenation of the ``text`` pieces.
Kind: ``photo`` is IMAGE, ``media_type`` sticker/voice/audio/video/animation map
to STICKER/VOICE/VIDEO, any other ``file`` is FILE (an image sent "as a file"
stays FILE, as Telegram shows it), else LINK when the text has a ``link`` or
``text_link`` entity, else TEXT (polls, locations and contacts included, with
the text Telegram wrote, often empty). Mentions: ``@name`` entities become
``Mention(name="name")`` (username, without the ``@``), ``mention_name``
entities ``Mention(id="user<user_id>", name=<text>)``; duplicates are dropped.
``reply_to`` is ``reply_to_message_id`` unless ``reply_to_peer_id`` names
another chat (a cross-chat reply has no target in this group: None).
Reactions (newer exports) become one ReactionAdded per ``recent`` reactor.

What the format cannot tell, and how we cope:
- Deleted accounts: Telegram writes ``"from": null`` (the app shows "Deleted
  Account"); we keep ``from_id`` as the actor id and an empty name.
- Whether a sender is a bot: not exported; ``is_bot`` stays False.
- Service messages name members only by display name (``members``,
  ``inviter``). A listed name equal to the actor's name is the actor (with
  their id: a self-join in a public group is ``invite_members`` by the member
  themselves, imported as how=UNKNOWN without inviter); other names become
  ``Actor(id="name:<name>")``. A null name (deleted account) is skipped.
- ``invite_members`` and ``create_group`` members: MemberJoined how=ADDED with
  the actor as inviter; ``join_group_by_link``: how=LINK, inviter by name;
  ``join_group_by_request``: how=REQUEST. ``remove_members``: MemberLeft,
  LEFT when the member is the actor, else REMOVED. Events made from one
  service message's member list have ids ``<id>:<n>`` (n from 1).
- ``create_group``/``create_channel`` give GroupCreated, ``edit_group_title``
  GroupRenamed (no old name). Other service actions (``pin_message``,
  ``migrate_to_supergroup``, calls, ...) are skipped as ``service: <action>``.
- Reaction times: ``recent`` entries carry only a local ``date`` (read in
  ``options.tz``); reactors beyond the ``recent`` list are unknown.
- Edits: only the last edit time (``edited_at``) and the final text exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from shequn.events import Actor, Event, Mention, MessagePosted, ReactionAdded
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.chat_json import (
    RECORD_ERRORS,
    explain,
    open_json,
    read_prelude,
    scan_head,
    stream_items,
)
from shequn.importers.json_items import array_items
from shequn.importers.posted import posted
from shequn.importers.telegram_service import ServiceMixin
from shequn.importers.telegram_text import flatten, message_kind, moment, peer_digits

FORMAT = "telegram"
PRIVATE_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "replies"})
CHAT_TYPES = PRIVATE_TYPES | {
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
}
_fromtimestamp = datetime.fromtimestamp
_MESSAGES = "chats.list.item.messages"
_MESSAGES_DOT = _MESSAGES + "."
_MESSAGE = _MESSAGES + ".item"
_CONTAINERS = {"messages": "start_array", "chats": "start_map", "left_chats": "start_map"}
_MESSAGE_KEYS = ("date_unixtime", "from_id", "text_entities", "actor_id")
_WATCH = frozenset(
    {"", "chats.list.item", "chats.list.item.name", "chats.list.item.type", "chats.list.item.id"}
)


def sniff(path: Path, head: bytes) -> bool:
    """A Telegram export: its messages have ``date`` and ``text``/``from``/``action``."""
    scan = scan_head(head)
    for prefix in ("messages.item", "chats.list.item.messages.item"):
        if scan.any(prefix, *_MESSAGE_KEYS):
            return True
        if scan.has(prefix, "type", "date") and scan.any(prefix, "text", "from", "action"):
            return True
    if scan.has("", "messages") and scan.top.get("type") in CHAT_TYPES:
        return scan.any("", "id", "name")
    return scan.has("", "personal_information") or scan.has("chats", "list")


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    """Yield the events of every group chat in the export, in file order."""
    with open_json(path) as f:
        found, top = read_prelude(f, path, _CONTAINERS, keep=("name", "type", "id"))
        if found is None:
            raise ImportFormatError(
                path, "top level", "a Telegram export: 'messages' (one chat) or 'chats.list'"
            )
        if found == "messages":
            chat = _Chat(path, options, top)
            for message in array_items(f, path, "messages", options):
                yield from chat.convert(message)
            return
        chat_meta: list[dict[str, Any]] = [{}]
        events = _account_events(ijson.parse(f, use_float=True), chat_meta, options)
        items = ijson.items(events, _MESSAGE)
        current: _Chat | None = None
        for message in stream_items(f, path, items, options):
            if current is None or current.meta is not chat_meta[0]:
                current = _Chat(path, options, chat_meta[0])
            yield from current.convert(message)


def _account_events(
    events: Iterator[tuple[str, str, Any]], chat_meta: list[dict[str, Any]], options: ImportOptions
) -> Iterator[tuple[str, str, Any]]:
    """Pass parse events through, noting the current chat's name/type/id in ``chat_meta[0]``.

    Chats under ``left_chats.list`` are renamed to ``chats.list`` so that one
    ``ijson.items`` prefix sees the messages of both lists. The messages of
    private chats are dropped here, unbuilt (an account's export is mostly
    private chats), and counted as skipped.
    """
    left = private = False
    for event in events:
        prefix = event[0]
        if left and prefix[:11] == "left_chats.":
            prefix = "chats." + prefix[11:]
            event = (prefix, event[1], event[2])
        if private and (prefix == _MESSAGES or prefix[:25] == _MESSAGES_DOT):
            if prefix == _MESSAGE and event[1] == "start_map":
                options.skip("private chat")
            continue
        if prefix in _WATCH:
            kind = event[1]
            if prefix == "":
                left = kind == "map_key" and event[2] == "left_chats"
            elif prefix == "chats.list.item":
                if kind == "start_map":
                    chat_meta[0], private = {}, False
            elif kind != "map_key":
                chat_meta[0][prefix[16:]] = event[2]
                private = private or (prefix[16:] == "type" and event[2] in PRIVATE_TYPES)
        yield event


class _Chat(ServiceMixin):
    """One chat's converter: its group, the options, and a cache of actors."""

    def __init__(self, path: Path, options: ImportOptions, meta: dict[str, Any]) -> None:
        self.path, self.options, self.meta = path, options, meta
        self.private = meta.get("type") in PRIVATE_TYPES
        chat_id, name = meta.get("id"), meta.get("name")
        if chat_id is not None:
            self.group = str(chat_id)
        elif options.group or name or self.private:
            self.group = options.group or str(name or "")
        else:
            raise ImportFormatError(
                path, "chat header", "a chat 'id' or 'name' before its messages (or a group option)"
            )
        self.name = name if isinstance(name, str) else options.group
        self.digits = "" if chat_id is None else str(chat_id)
        self.actors: dict[tuple[Any, Any], Actor] = {}
        self.index = 0

    def convert(self, message: Any) -> tuple[Event, ...]:
        """The events of one message; malformed messages stop the import."""
        self.index += 1
        if self.private:
            self.options.skip("private chat")
            return ()
        try:
            if type(message) is not dict:
                raise ValueError(f"a message object, found {type(message).__name__}")
            kind = message["type"]
            if kind == "message":
                posted = self._posted(message)
                if "reactions" in message:
                    return (posted, *self._reactions(message, posted))
                return (posted,)
            if kind == "service":
                return self._service(message)
            if kind == "unsupported":  # media this Telegram version could not export
                self.options.skip("message type: unsupported")
                return ()
            raise ValueError(f"'type' message, service or unsupported, found {kind!r}")
        except RECORD_ERRORS as exc:
            raise ImportFormatError(self.path, self._where(message), explain(exc)) from None

    def _where(self, message: Any) -> str:
        where = f"chat {self.group!r} message #{self.index}"
        if isinstance(message, dict) and "id" in message:
            where += f" (id {message['id']})"
        return where

    def _posted(self, m: dict[str, Any]) -> MessagePosted:
        """A message. The common case (plain text, unixtime, a sender seen before) stays
        inline: this runs once per message of exports with millions of them."""
        text = m.get("text", "")
        mentions: tuple[Mention, ...] = ()
        has_link = False
        if type(text) is not str:
            text, mentions, has_link = flatten(text)
        message_id, unix = m.get("id"), m.get("date_unixtime")
        sender = m.get("from_id"), m.get("from")
        edited = None
        if "edited" in m or "edited_unixtime" in m:
            edited = moment(m, "edited_unixtime", "edited", self.options.tz)
        return posted(
            FORMAT,
            self.group,
            str(message_id) if message_id is not None else self._id(m, text),
            _fromtimestamp(int(unix), UTC) if type(unix) is str and unix.isdigit() else self._at(m),
            self.actors.get(sender) or self._actor(*sender),
            self.name,
            message_kind(m, has_link),
            text,
            None if m.get("reply_to_message_id") is None else self._reply_to(m),
            mentions,
            edited,
        )

    def _id(self, m: dict[str, Any], text: str = "") -> str:
        message_id = m.get("id")
        if message_id is not None:
            return str(message_id)
        seed = f"{m.get('date_unixtime') or m.get('date')}\x00{m.get('from')}\x00{text}"
        digest = hashlib.blake2b(seed.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
        return f"n{self.index}:{digest}"

    def _at(self, m: dict[str, Any]) -> Any:
        at = moment(m, "date_unixtime", "date", self.options.tz)
        if at is None:
            raise ValueError("a message with 'date_unixtime' or 'date'")
        return at

    def _actor(self, actor_id: Any, name: Any) -> Actor | None:
        key = (actor_id, name)
        actor = self.actors.get(key)
        if actor is None:
            if actor_id is None and name is None:
                return None
            text = name if isinstance(name, str) else ""
            ident = str(actor_id) if actor_id is not None else f"name:{text}"
            actor = self.actors[key] = Actor(id=ident, name=text)
        return actor

    def _reply_to(self, m: dict[str, Any]) -> str | None:
        target = m.get("reply_to_message_id")
        if target is None:
            return None
        peer = m.get("reply_to_peer_id")
        if peer is not None and peer_digits(peer) != self.digits:
            return None
        return str(target)

    def _reactions(self, m: dict[str, Any], posted: MessagePosted) -> list[Event]:
        events: list[Event] = []
        for reaction in m["reactions"] or ():
            emoji = reaction.get("emoji") or f"custom:{reaction.get('document_id', '')}"
            for recent in reaction.get("recent") or ():
                actor = self._actor(recent.get("from_id"), recent.get("from"))
                at = moment(recent, "date_unixtime", "date", self.options.tz) or posted.at
                who = actor.id if actor is not None else ""
                events.append(
                    ReactionAdded(
                        platform=FORMAT,
                        group=self.group,
                        group_name=self.name,
                        event_id=f"{posted.event_id}:{emoji}:{who}",
                        at=at,
                        actor=actor,
                        message_id=posted.event_id,
                        emoji=emoji,
                    )
                )
        return events

    # --- service messages: the handlers are in telegram_service.ServiceMixin ----

    def _base(self, m: dict[str, Any]) -> dict[str, Any]:
        actor = self._actor(m.get("actor_id"), m.get("actor"))
        return {
            "platform": FORMAT,
            "group": self.group,
            "group_name": self.name,
            "event_id": self._id(m),
            "at": self._at(m),
            "actor": actor,
        }
