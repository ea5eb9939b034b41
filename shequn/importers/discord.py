"""DiscordChatExporter JSON (one channel per file).

Shape: ``{guild, channel, dateRange, exportedAt, messages: [...], messageCount}``.
``group`` is the channel id and ``group_name`` ``"<guild> / #<channel>"``. Ids
are snowflakes kept as strings. ``timestamp`` (ISO with offset) becomes UTC.

Messages of type ``Default`` and ``Reply`` become MessagePosted: author
``Actor(id, name=nickname or name, is_bot=isBot, role=<highest role>)``,
text = ``content`` byte for byte, mentions by id, ``edited_at`` from
``timestampEdited``. ``reply_to`` is ``reference.messageId`` for a ``Reply``
whose reference points into this channel (a reply into another channel, or a
forward, has no target here: None). Kind: the first attachment decides, even
with a caption, as for a captioned Telegram photo (image/audio/video
extensions give IMAGE/VOICE/VIDEO, anything else FILE), then stickers
(STICKER), then LINK when the content holds an ``http(s)://`` URL, else TEXT.
A file without a channel id needs ``options.group``.

What the format cannot tell, and how we cope:
- Reaction times and most reactors: the export has counts and, when it could
  fetch them, ``users[]``. We yield one ReactionAdded per listed user, id
  ``<message>:<emoji>:<user>``, at the message's own time (the real time is
  unknown). Custom emoji are written ``<:name:id>`` as Discord does.
- How someone joined the server: ``GuildMemberJoin`` does not name an invite,
  so MemberJoined has how=UNKNOWN and no inviter.
- ``RecipientAdd``/``RecipientRemove`` (group DMs) name the member in
  ``mentions[0]``: MemberJoined how=ADDED with the author as inviter;
  MemberLeft LEFT when the member is the author, else REMOVED.
- ``ChannelNameChange``: DiscordChatExporter writes "Changed the channel name:
  <name>" (older versions only "Changed the channel name."); we yield
  GroupRenamed when the new name is there, else skip. No old name.
- Other system types (pins, threads, calls, icons, ...) are skipped as
  ``type: <type>``. Roles are those at export time, not at message time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from shequn.events import (
    Actor,
    Event,
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.chat_json import (
    RECORD_ERRORS,
    explain,
    iso_utc,
    open_json,
    read_prelude,
    require,
    scan_head,
    stream_items,
)

FORMAT = "discord"
POSTED = frozenset({"Default", "Reply"})
URL = re.compile(r"https?://", re.IGNORECASE)
RENAMED = "Changed the channel name"
_EXTENSIONS = {
    MessageKind.IMAGE: "png jpg jpeg gif webp bmp tif tiff heic heif avif svg",
    MessageKind.VOICE: "mp3 ogg oga opus wav m4a aac flac wma",
    MessageKind.VIDEO: "mp4 mov webm mkv avi m4v wmv flv 3gp",
}
KIND_BY_EXTENSION = {ext: kind for kind, exts in _EXTENSIONS.items() for ext in exts.split()}


def sniff(path: Path, head: bytes) -> bool:
    """DiscordChatExporter writes ``guild`` and ``channel`` first; messages have ``author``."""
    scan = scan_head(head)
    if scan.has("", "guild", "channel") and scan.any("channel", "id", "name"):
        return True
    return scan.has("messages.item", "author", "timestamp")


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    """Yield the channel's events in file order."""
    with open_json(path) as f:
        found, top = read_prelude(f, path, {"messages": "start_array"}, keep=("guild", "channel"))
        if found is None:
            raise ImportFormatError(path, "top level", "a DiscordChatExporter 'messages' array")
        channel = _Channel(path, options, top)
        items = ijson.items(f, "messages.item", use_float=True)
        for message in stream_items(f, path, items, options):
            yield from channel.convert(message)


def _named(value: Any, key: str) -> str:
    return str(value.get(key) or "") if isinstance(value, dict) else ""


class _Channel:
    """One exported channel: its group, the options and a cache of authors."""

    def __init__(self, path: Path, options: ImportOptions, top: dict[str, Any]) -> None:
        self.path, self.options = path, options
        guild, channel = top.get("guild"), top.get("channel")
        self.group = _named(channel, "id") or options.group
        if not self.group:
            raise ImportFormatError(path, "'channel'", "a channel object with an 'id'")
        guild_name, channel_name = _named(guild, "name"), _named(channel, "name")
        self.name = f"{guild_name} / #{channel_name}" if channel_name else guild_name
        self.actors: dict[tuple[Any, ...], Actor] = {}
        self.index = 0

    def convert(self, message: Any) -> tuple[Event, ...]:
        self.index += 1
        try:
            if type(message) is not dict:
                raise ValueError(f"a message object, found {type(message).__name__}")
            kind = require(message, "type", str)
            require(message, "timestamp", str)  # every DiscordChatExporter message has one
            if kind in POSTED:
                posted = self._posted(message, kind)
                return (posted, *self._reactions(message, posted))
            handler = _SYSTEM.get(kind)
            if handler is None:
                self.options.skip(f"type: {kind}")
                return ()
            return handler(self, message)
        except RECORD_ERRORS as exc:
            where = f"message #{self.index}"
            if isinstance(message, dict) and "id" in message:
                where += f" (id {message['id']})"
            raise ImportFormatError(self.path, where, explain(exc)) from None

    def _actor(self, user: Any) -> Actor:
        if not isinstance(user, dict) or user.get("id") is None:
            raise ValueError("a user object with an 'id'")
        # Reaction users come without roles; they must not hide an author's role.
        key = (
            user["id"],
            user.get("name"),
            user.get("nickname"),
            user.get("isBot"),
            "roles" in user,
        )
        actor = self.actors.get(key)
        if actor is None:
            roles = [r for r in user.get("roles") or () if isinstance(r, dict)]
            top = max(roles, key=lambda r: r.get("position") or 0) if roles else {}
            actor = self.actors[key] = Actor(
                id=str(user["id"]),
                name=str(user.get("nickname") or user.get("name") or ""),
                is_bot=bool(user.get("isBot")),
                role=str(top.get("name") or ""),
            )
        return actor

    def _base(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "platform": FORMAT,
            "group": self.group,
            "group_name": self.name,
            "event_id": str(require(m, "id", (str, int))),
            "at": iso_utc(require(m, "timestamp", str)),
            "actor": self._actor(m.get("author")),
        }

    def _posted(self, m: dict[str, Any], kind: str) -> MessagePosted:
        text = m.get("content") or ""
        if not isinstance(text, str):
            raise ValueError("'content' as a string")
        edited = m.get("timestampEdited")
        mentions = tuple(
            Mention(id=str(u["id"]), name=str(u.get("nickname") or u.get("name") or ""))
            for u in m.get("mentions") or ()
        )
        return MessagePosted(
            **self._base(m),
            kind=_kind(m, text),
            text=text,
            reply_to=self._reply_to(m) if kind == "Reply" else None,
            mentions=mentions,
            edited_at=iso_utc(edited) if edited else None,
        )

    def _reply_to(self, m: dict[str, Any]) -> str | None:
        ref = m.get("reference")
        if not isinstance(ref, dict) or not ref.get("messageId"):
            return None
        if ref.get("type") not in (None, "Default"):
            return None  # a forward, not a reply
        if ref.get("channelId") not in (None, self.group):
            return None
        return str(ref["messageId"])

    def _reactions(self, m: dict[str, Any], posted: MessagePosted) -> list[Event]:
        events: list[Event] = []
        for reaction in m.get("reactions") or ():
            emoji = _emoji(reaction.get("emoji"))
            for user in reaction.get("users") or ():
                actor = self._actor(user)
                events.append(
                    ReactionAdded(
                        platform=FORMAT,
                        group=self.group,
                        group_name=self.name,
                        event_id=f"{posted.event_id}:{emoji}:{actor.id}",
                        at=posted.at,
                        actor=actor,
                        message_id=posted.event_id,
                        emoji=emoji,
                    )
                )
        return events

    def _guild_join(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        return (MemberJoined(**base, member=base["actor"], how=JoinHow.UNKNOWN),)

    def _recipient(self, m: dict[str, Any]) -> tuple[Event, ...]:
        mentioned = m.get("mentions") or ()
        if not mentioned:
            self.options.skip(f"type: {m['type']} without the member")
            return ()
        base = self._base(m)
        member, actor = self._actor(mentioned[0]), base["actor"]
        if m["type"] == "RecipientAdd":
            return (MemberJoined(**base, member=member, how=JoinHow.ADDED, inviter=actor),)
        how = LeaveHow.LEFT if member.id == actor.id else LeaveHow.REMOVED
        return (MemberLeft(**base, member=member, how=how),)

    def _renamed(self, m: dict[str, Any]) -> tuple[Event, ...]:
        content = m.get("content") or ""
        if not isinstance(content, str):
            raise ValueError("'content' as a string")
        name = content.removeprefix(RENAMED + ": ") if content.startswith(RENAMED) else content
        if not name or name == RENAMED + ".":
            self.options.skip("type: ChannelNameChange without the new name")
            return ()
        return (GroupRenamed(**self._base(m), new_name=name),)


def _kind(m: dict[str, Any], text: str) -> MessageKind:
    attachments = m.get("attachments") or ()
    if attachments:
        name = str(attachments[0].get("fileName") or attachments[0].get("url") or "")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return KIND_BY_EXTENSION.get(extension, MessageKind.FILE)
    if m.get("stickers"):
        return MessageKind.STICKER
    return MessageKind.LINK if URL.search(text) else MessageKind.TEXT


def _emoji(emoji: Any) -> str:
    """A unicode emoji as itself; a custom one as Discord writes it, ``<:name:id>``."""
    if isinstance(emoji, str):
        return emoji
    if not isinstance(emoji, dict) or not (emoji.get("name") or emoji.get("id")):
        raise ValueError("a reaction 'emoji' with a 'name'")
    name, emoji_id = str(emoji.get("name") or ""), str(emoji.get("id") or "")
    return f"<:{name}:{emoji_id}>" if emoji_id else name


_SYSTEM = {
    "GuildMemberJoin": _Channel._guild_join,
    "RecipientAdd": _Channel._recipient,
    "RecipientRemove": _Channel._recipient,
    "ChannelNameChange": _Channel._renamed,
}
