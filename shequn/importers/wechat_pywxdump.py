"""PyWxDump CSV export of a WeChat chat.

Columns ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime``
(UTF-8; GBK also read). ``room_name`` is the chat id (``…@chatroom`` for a
group) and the group id; ``talker`` is the sender's wxid, ``我`` for the
exporting account. ``type_name`` is PyWxDump's Chinese name of the type
(``文本``, ``图片``, ``动画表情``, ``引用回复``, ``系统通知``, ``消息撤回1``, …).

What the format cannot tell, and how we cope:

- Message ids: ``MsgSvrID`` (the server id) is the id; ``id`` is only a row
  number of that export and is ignored. A row without MsgSvrID gets a hash of
  (CreateTime, talker, msg, occurrence of that triple).
- Names: the CSV has wxids only (PyWxDump writes names to a separate
  users.json, which we do not read), so Actors carry the wxid and no name.
  ``我`` is the exporting account, Actor id ``self``; ``未知``/``系统`` senders
  leave the actor None. The group's title is not in the file: ``group_name``
  stays empty.
- Times: ``CreateTime`` is local ``YYYY-MM-DD HH:MM:SS`` (PyWxDump formats it in
  the exporting machine's zone), read in ``options.tz``; unix seconds also read.
- Quote replies: ``msg`` is ``title\\n\\n[引用](time)name:content``; the text is
  the title, the quoted message is looked up among the last 5,000 messages by
  text (names are not in this export, so not by sender); ``reply_to`` stays None
  when not found.
- Recalls: ``<revokemsg>`` names the recalled message's MsgSvrID (its
  ``newmsgid``), our id, so it becomes MessageDeleted; a plain
  ``"A"撤回了一条消息`` names none and is skipped. Other system messages go
  through ``wechat_system``.
- Red packets (PyWxDump names 49/2001 ``未知``), pats (``拍一拍``), calls and
  other types we cannot place are skipped with their type name as the reason.
  Transfers (``转账``) count as RED_PACKET: the closest kind we have.
- Other bodies are kept as PyWxDump wrote them (``图片``, ``语音时长：…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from shequn.events import Actor, Event, MessageKind, MessagePosted
from shequn.importers import wechat_system as system
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.wechat_memotrace import csv_rows, header_of, local_time, unix_time

FORMAT = "wechat_pywxdump"
PLATFORM = "wechat"
COLUMNS = ("MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "CreateTime")
QUOTE = "\n\n[引用]("

K = MessageKind
_KINDS = {
    **dict.fromkeys(("文本", "位置", "粘贴的文本", "合并转发的聊天记录", "接龙", "群公告"), K.TEXT),
    **dict.fromkeys(("动画表情", "用户上传的GIF表情"), K.STICKER),
    **dict.fromkeys(("文件", "文件(猜)"), K.FILE),
    **dict.fromkeys(("转账", "红包", "赠送红包封面"), K.RED_PACKET),
    "引用回复": K.TEXT,
    "图片": K.IMAGE,
    "语音": K.VOICE,
    "视频": K.VIDEO,
    "推荐公众号": K.LINK,
}
_LINK_PREFIXES = ("(分享)", "视频号")
_SYSTEM = re.compile(r"系统通知|邀请加群|消息撤回[0-9]*")
_NOBODY = {"未知", "系统", ""}


def sniff(path: Path, head: bytes) -> bool:
    header = set(header_of(head))
    return {"MsgSvrID", "type_name", "talker", "room_name", "msg", "CreateTime"} <= header


def _kind(type_name: str) -> MessageKind | None:
    if type_name.startswith(_LINK_PREFIXES):
        return K.LINK
    return _KINDS.get(type_name)


class _Reader:
    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.book = system.NameBook()
        self.index = system.RecentIndex()
        self.ids = system.StableIds()

    def when(self, text: str, line: int) -> datetime:
        at = unix_time(text) or local_time(text, self.options.tz)
        if at is None:
            raise ImportFormatError(
                self.path, f"line {line}", "CreateTime as YYYY-MM-DD HH:MM:SS or unix seconds"
            )
        return at

    def quote(self, msg: str) -> tuple[str, str | None]:
        """The reply's title and the quoted message's id when found."""
        cut = msg.find(QUOTE)
        close = msg.find(")", cut + len(QUOTE)) if cut >= 0 else -1
        if close < 0:
            return msg, None
        title, quoted = msg[:cut], msg[close + 1 :]
        start = 0
        while (colon := quoted.find(":", start)) >= 0:
            if found := self.index.find(quoted[colon + 1 :]):
                return title, found
            start = colon + 1
        return title, None

    def system_events(self, where: system.Where, msg: str) -> Iterator[Event]:
        notice = system.parse(msg, self.book)
        yield from system.events(notice, where, self.book, self.options)

    def events(self, line: int, row: list[str]) -> Iterator[Event]:
        svrid, type_name, _is_sender, talker, room, msg, created = row
        at = self.when(created, line)
        svrid = svrid.strip()
        event_id = svrid if svrid not in ("", "0") else self.ids.next(created, talker, msg)
        group = room.strip() or self.options.group or self.path.stem
        if _SYSTEM.fullmatch(type_name):
            yield from self.system_events(system.Where(group, event_id, at), msg)
            return
        kind = _kind(type_name)
        if kind is None:
            self.options.skip(f"pywxdump type {type_name or '(empty)'}")
            return
        text, reply_to = self.quote(msg) if type_name == "引用回复" else (msg, None)
        if kind is K.TEXT:
            self.index.add(event_id, text, talker)
        actor = None if talker in _NOBODY else Actor(id=talker)
        yield MessagePosted(
            platform=PLATFORM,
            group=group,
            event_id=event_id,
            at=at,
            actor=system.SELF if talker == "我" else actor,
            kind=kind,
            text=text,
            reply_to=reply_to,
            mentions=system.mentions(text, self.book),
        )


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    reader = _Reader(path, options)
    for line, row in csv_rows(path, options, COLUMNS):
        yield from reader.events(line, row)
