"""Slack workspace export (zip).

``channels.json`` and ``users.json`` at the root (or in one top folder), then one
folder per channel named after it, with one ``YYYY-MM-DD.json`` array of
messages per day. ``groups.json``, ``mpims.json`` (folders named after them) and
``dms.json`` (folders named by id) are read too when present.

How we read it, and what the format cannot tell:

- One group per channel: group id = channel id, group_name = channel name.
  Messages in a folder no channel list names are skipped (one skip per file).
- ``ts`` is the message id; a thread reply (``thread_ts`` != ``ts``) has
  ``reply_to`` = ``thread_ts``; ``edited.ts`` is ``edited_at``.
- Text is kept exactly as Slack wrote it, markup included (``<@U123>``,
  ``<http://…|label>``, ``&lt;``): we do not expand it. ``<@U123>`` also becomes
  a Mention (id, name from users.json), once per user per message.
- Names: a user's Actor name is their profile display name, else real name,
  else handle. Bot messages (``bot_message``) have Actor id ``bot_id`` (else
  ``username``), ``is_bot=True``.
- ``channel_join`` / ``group_join`` → MemberJoined, how=INVITE with the
  ``inviter`` when there is one, else UNKNOWN; ``channel_leave`` /
  ``group_leave`` → MemberLeft(LEFT); ``channel_name`` → GroupRenamed.
- ``file_share`` → kind from the file's mimetype (image, video, audio → voice,
  else file); ``file_comment`` is a message by the commenter.
- Reactions: one ReactionAdded per (emoji, user). The export has no reaction
  time: we use the message's time. Their id is ``ts:emoji:user``.
- Topic and purpose changes, integrations added or removed, pins, archives,
  hidden messages and other subtypes are skipped with the subtype as reason.
- Streaming: members are read one at a time (users.json and channels.json
  first), each JSON array item by item with ijson; memory holds only the user
  and channel names.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ijson

from shequn.events import (
    Actor,
    Event,
    GroupRenamed,
    JoinHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from shequn.importers.base import ImportFormatError, ImportOptions

FORMAT = "slack"
PLATFORM = "slack"

_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    ijson.JSONError,
)
_TS = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,6})[0-9]*)?", re.ASCII)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_MESSAGES = {None, "bot_message", "file_share", "file_comment", "thread_broadcast", "me_message"}
_JOINS = {"channel_join", "group_join"}
_LEAVES = {"channel_leave", "group_leave"}
_RENAMES = {"channel_name", "group_name"}
_LISTS = (("channels.json", "name"), ("groups.json", "name"), ("mpims.json", "name"))


@dataclass(frozen=True, slots=True)
class _Channel:
    id: str
    name: str


def _root(names: list[str]) -> str | None:
    """The folder holding channels.json and users.json: "" or one top folder."""
    found = set(names)
    roots = {n.removesuffix("channels.json") for n in names if n.endswith("channels.json")}
    for root in sorted(roots):
        top = root == "" or (root.endswith("/") and root.count("/") == 1)
        if top and f"{root}users.json" in found:
            return root
    return None


def sniff(path: Path, head: bytes) -> bool:
    if not head.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return _root(zf.namelist()) is not None
    except (*_ERRORS, KeyError):
        return False


def _items(zf: zipfile.ZipFile, name: str, path: Path) -> Iterator[Any]:
    """Items of the JSON array in member ``name``, one at a time."""
    try:
        with zf.open(name) as f:
            start = f.read(256).lstrip()
        if not start.startswith(b"["):
            raise ImportFormatError(path, name, "a JSON array")
        with zf.open(name) as f:
            items = ijson.items(f, "item", use_float=True)
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    return
                yield item
    except (*_ERRORS, KeyError) as exc:
        raise ImportFormatError(path, name, f"a readable JSON array ({exc})") from None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _users(zf: zipfile.ZipFile, name: str, path: Path) -> dict[str, tuple[str, bool]]:
    users: dict[str, tuple[str, bool]] = {}
    for user in _items(zf, name, path):
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            raise ImportFormatError(path, name, "user objects with an id")
        profile = user.get("profile")
        if not isinstance(profile, dict):
            profile = {}
        shown = (
            _text(profile.get("display_name"))
            or _text(user.get("real_name"))
            or _text(profile.get("real_name"))
            or _text(user.get("name"))
        )
        users[user["id"]] = (shown, user.get("is_bot") is True)
    return users


def _channels(zf: zipfile.ZipFile, root: str, path: Path) -> dict[str, _Channel]:
    """Folder name → channel, from every channel list present."""
    names = set(zf.namelist())
    folders: dict[str, _Channel] = {}
    lists = [*_LISTS, ("dms.json", "id")]
    for file_name, folder_key in lists:
        if f"{root}{file_name}" not in names:
            continue
        for item in _items(zf, f"{root}{file_name}", path):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ImportFormatError(path, f"{root}{file_name}", "channel objects with an id")
            folder = _text(item.get(folder_key))
            folders[folder] = _Channel(item["id"], _text(item.get("name")) or item["id"])
    return folders


def _day_files(zf: zipfile.ZipFile, root: str) -> list[tuple[str, str]]:
    """(folder, member name) of every per-day file, in folder then date order."""
    days = []
    for name in zf.namelist():
        rest = name[len(root) :] if name.startswith(root) else ""
        parts = rest.split("/")
        if len(parts) == 2 and parts[1].endswith(".json"):
            days.append((parts[0], name))
    return sorted(days)


def _time(ts: Any, where: str, path: Path) -> datetime:
    at = _parse_ts(ts)
    if at is None:
        raise ImportFormatError(path, where, "a ts like 1452837318.000002")
    return at


def _parse_ts(ts: Any) -> datetime | None:
    """A ts as UTC, None when unreadable (an edit time is then dropped)."""
    m = _TS.fullmatch(ts) if isinstance(ts, str) else None
    if m is None:
        return None
    micro = int((m[2] or "0").ljust(6, "0"))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(m[1]), microseconds=micro)


def _kind(msg: dict[str, Any]) -> MessageKind:
    files = msg.get("files")
    file = files[0] if isinstance(files, list) and files else msg.get("file")
    mime = _text(file.get("mimetype")) if isinstance(file, dict) else ""
    if msg.get("subtype") != "file_share" and not files:
        return MessageKind.TEXT
    for prefix, kind in (("image/", "image"), ("video/", "video"), ("audio/", "voice")):
        if mime.startswith(prefix):
            return MessageKind(kind)
    return MessageKind.FILE


class _Reader:
    def __init__(self, path: Path, options: ImportOptions, users: dict[str, tuple[str, bool]]):
        self.path = path
        self.options = options
        self.users = users

    def user(self, user_id: Any) -> Actor | None:
        if not isinstance(user_id, str) or not user_id:
            return None
        name, is_bot = self.users.get(user_id, ("", False))
        return Actor(id=user_id, name=name, is_bot=is_bot)

    def author(self, msg: dict[str, Any]) -> Actor | None:
        if msg.get("subtype") == "bot_message" or (msg.get("bot_id") and not msg.get("user")):
            profile = msg.get("bot_profile")
            name = _text(msg.get("username")) or (
                _text(profile.get("name")) if isinstance(profile, dict) else ""
            )
            bot_id = _text(msg.get("bot_id")) or name
            return Actor(id=bot_id, name=name, is_bot=True) if bot_id else None
        comment = msg.get("comment")
        if msg.get("subtype") == "file_comment" and isinstance(comment, dict):
            return self.user(comment.get("user"))
        return self.user(msg.get("user"))

    def mentions(self, text: str) -> tuple[Mention, ...]:
        seen: dict[str, Mention] = {}
        for user_id, label in _MENTION.findall(text):
            name = self.users.get(user_id, (label, False))[0] or label
            seen.setdefault(user_id, Mention(id=user_id, name=name))
        return tuple(seen.values())

    def message(self, msg: dict[str, Any], channel: _Channel, at: datetime) -> MessagePosted:
        ts = msg["ts"]
        thread = msg.get("thread_ts")
        edited = msg.get("edited")
        edited_ts = edited.get("ts") if isinstance(edited, dict) else None
        text = _text(msg.get("text"))
        return MessagePosted(
            platform=PLATFORM,
            group=channel.id,
            group_name=channel.name,
            event_id=ts,
            at=at,
            actor=self.author(msg),
            kind=_kind(msg),
            text=text,
            reply_to=thread if isinstance(thread, str) and thread != ts else None,
            mentions=self.mentions(text),
            edited_at=_parse_ts(edited_ts),
        )

    def reactions(self, msg: dict[str, Any], channel: _Channel, at: datetime) -> Iterator[Event]:
        reactions = msg.get("reactions")
        for reaction in reactions if isinstance(reactions, list) else []:
            if not isinstance(reaction, dict) or not isinstance(reaction.get("users"), list):
                continue
            emoji = _text(reaction.get("name"))
            for user_id in reaction["users"]:
                if not isinstance(user_id, str):
                    continue
                actor = self.user(user_id)
                yield ReactionAdded(
                    platform=PLATFORM,
                    group=channel.id,
                    group_name=channel.name,
                    event_id=f"{msg['ts']}:{emoji}:{user_id}",
                    at=at,
                    actor=actor,
                    message_id=msg["ts"],
                    emoji=emoji,
                )

    def membership(self, msg: dict[str, Any], channel: _Channel, at: datetime) -> Event:
        ts, group, name = msg["ts"], channel.id, channel.name
        member = self.user(msg.get("user")) or Actor(id="")
        subtype = msg.get("subtype")
        if subtype in _LEAVES:
            return MemberLeft(
                platform=PLATFORM,
                group=group,
                group_name=name,
                event_id=ts,
                at=at,
                actor=member,
                member=member,
            )
        if subtype in _RENAMES:
            return GroupRenamed(
                platform=PLATFORM,
                group=group,
                group_name=name,
                event_id=ts,
                at=at,
                actor=self.user(msg.get("user")),
                new_name=_text(msg.get("name")),
                old_name=_text(msg.get("old_name")),
            )
        inviter = self.user(msg.get("inviter"))
        return MemberJoined(
            platform=PLATFORM,
            group=group,
            group_name=name,
            event_id=ts,
            at=at,
            actor=inviter or member,
            member=member,
            how=JoinHow.INVITE if inviter else JoinHow.UNKNOWN,
            inviter=inviter,
        )

    def events(self, msg: Any, channel: _Channel, where: str) -> Iterator[Event]:
        if not isinstance(msg, dict):
            raise ImportFormatError(self.path, where, "message objects")
        at = _time(msg.get("ts"), where, self.path)
        subtype = msg.get("subtype")
        if msg.get("hidden") is True:
            self.options.skip("slack hidden message")
        elif subtype in _MESSAGES:
            yield self.message(msg, channel, at)
            yield from self.reactions(msg, channel, at)
        elif subtype in _JOINS | _LEAVES | _RENAMES:
            yield self.membership(msg, channel, at)
        else:
            self.options.skip(f"slack {subtype}")


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ERRORS as exc:
        raise ImportFormatError(path, "byte 0", f"a zip archive (Slack export) ({exc})") from None


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    with _open(path) as zf:
        root = _root(zf.namelist())
        if root is None:
            raise ImportFormatError(
                path, "channels.json", "a Slack export with channels.json and users.json"
            )
        reader = _Reader(path, options, _users(zf, f"{root}users.json", path))
        channels = _channels(zf, root, path)
        done = 0
        for folder, name in _day_files(zf, root):
            channel = channels.get(folder)
            if channel is None:
                options.skip("slack folder not in channels.json")
                continue
            for i, msg in enumerate(_items(zf, name, path)):
                yield from reader.events(msg, channel, f"{name} message {i + 1}")
            done += zf.getinfo(name).compress_size
            options.progress(done)
