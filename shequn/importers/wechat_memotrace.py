"""MemoTrace (留痕, WeChatMsg) CSV export of a WeChat chat.

Columns ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,
StrTime,Remark,NickName,Sender``, UTF-8 with BOM (GBK also read). One file is one
chat; ``TalkerId`` is its group id (in MemoTrace it is the local database's
numeric talker index, not the ``…@chatroom`` id, so it is only stable for
exports from the same WeChat database; a row without one falls back to
``options.group``, else the file stem). The group's title is not in the file:
``group_name`` is the file's stem without MemoTrace's ``_utf8`` suffix
(MemoTrace names the file after the chat's remark).

What the format cannot tell, and how we cope:

- Message ids: ``localId`` is the id (MsgSvrID is not exported); a row without
  one gets a hash of (StrTime, Sender, StrContent, occurrence of that triple).
- Senders: ``Sender`` is the member's wxid and the Actor id; without it the
  NickName (else Remark) is used as the id; ``IsSender=1`` without a wxid is the
  exporting account, Actor id ``self``.
- Times: ``CreateTime`` (unix seconds) becomes UTC; a row without it falls back
  to ``StrTime`` read in ``options.tz``.
- Quote replies (Type 49 SubType 57): only when ``StrContent`` holds the appmsg
  XML (older WeChat versions; newer ones keep it in CompressContent, which
  MemoTrace does not export) can we read the reply's title and the quoted
  ``refermsg``. The quoted message is looked up among the last 5,000 messages by
  (quoted sender's wxid or name, text), then by text alone; ``reply_to`` stays
  None when it is older or not found.
- App messages (Type 49) with XML keep the XML's ``title`` as text; other rows
  keep ``StrContent`` exactly, except media rows (image, voice, video, sticker)
  whose XML is metadata: their text is empty.
- Transfers (49/2000) are counted as RED_PACKET: the closest kind we have.
- System messages go through ``wechat_system``; a ``<revokemsg>`` recall names
  a MsgSvrID, which this export lacks, so it is skipped with a reason.
- Voice and video calls (Type 50) are skipped.
"""

from __future__ import annotations

import codecs
import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from shequn.events import Actor, Event, MessageKind, MessagePosted
from shequn.importers import wechat_system as system
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.text import guess_encoding, read_head

FORMAT = "wechat_memotrace"
PLATFORM = "wechat"
COLUMNS = (
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "StrContent",
    "StrTime",
    "Remark",
    "NickName",
    "Sender",
)
MAX_LINE = 16 * 1024 * 1024

K = MessageKind
_KINDS = {1: K.TEXT, 3: K.IMAGE, 34: K.VOICE, 43: K.VIDEO, 47: K.STICKER, 42: K.LINK}
_MEDIA = {3, 34, 43, 47}
_APP_KINDS = {
    **dict.fromkeys((57, 1, 19, 53, 87), K.TEXT),
    **dict.fromkeys((0, 6, 74), K.FILE),
    **dict.fromkeys((2000, 2001, 2003), K.RED_PACKET),
    8: K.STICKER,
}
_SKIPPED_TYPES = {50: "wechat call", 37: "wechat friend request", 11000: "wechat type 11000"}
_LOCAL_TIME = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2})")


# --- CSV plumbing shared with the PyWxDump importer ---------------------------


def header_of(head: bytes) -> list[str]:
    """The first CSV row of ``head``, decoded; empty when it is not text."""
    encoding = guess_encoding(head)
    if encoding is None:
        return []
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    try:
        return next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), [])
    except csv.Error:
        return []


def _lines(path: Path, encoding: str, options: ImportOptions) -> Iterator[str]:
    """Physical lines with their endings kept, so quoted fields stay byte-exact."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with path.open("rb") as f:
        while raw := f.readline(MAX_LINE):
            number += 1
            if len(raw) == MAX_LINE and not raw.endswith(b"\n"):
                raise ImportFormatError(path, f"line {number}", "lines shorter than 16 MiB")
            try:
                yield decoder.decode(raw)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    path, f"line {number}", f"valid {encoding} text ({exc.reason})"
                ) from None
            if number & 0xFFF == 0:
                options.progress(f.tell())
        options.progress(f.tell())
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFormatError(
            path, f"line {number}", f"valid {encoding} text (truncated character)"
        ) from None


def _next_row(reader: Iterator[list[str]], path: Path, line: int) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise ImportFormatError(path, f"line {line}", f"well-formed CSV ({exc})") from None


def csv_rows(
    path: Path, options: ImportOptions, columns: Sequence[str]
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, values of columns)`` per record; line is where the record starts."""
    head = read_head(path)
    if not head:
        raise ImportFormatError(path, "byte 0", "a CSV export, found an empty file")
    encoding = guess_encoding(head)
    if encoding is None:
        raise ImportFormatError(path, "byte 0", "UTF-8 or GBK text, found binary bytes")
    # App-message XML (merged forwards) can exceed csv's default 128 KiB field limit;
    # raising the process-wide limit only makes other readers more permissive.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))
    reader = csv.reader(_lines(path, encoding, options), strict=True)
    header = _next_row(reader, path, 1) or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportFormatError(path, "line 1", f"a header with column {missing[0]!r}")
    picks = [header.index(c) for c in columns]
    width = max(picks) + 1
    line = reader.line_num + 1
    while (row := _next_row(reader, path, line)) is not None:
        if len(row) >= width:
            yield line, [row[i] for i in picks]
        elif row:
            raise ImportFormatError(path, f"line {line}", f"{len(header)} fields, found {len(row)}")
        line = reader.line_num + 1


def local_time(text: str, zone: tzinfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` in ``zone`` as UTC, None when it is not one."""
    m = _LOCAL_TIME.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in m.groups())
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def unix_time(text: str) -> datetime | None:
    text = text.strip()
    if not _is_digits(text):
        return None
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- app messages (Type 49) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppMessage:
    title: str
    refer_user: str = ""
    refer_name: str = ""
    refer_content: str = ""


def parse_appmsg(content: str) -> AppMessage | None:
    """The title and quoted message of an ``<msg><appmsg>`` XML, None if not one."""
    if not content.lstrip().startswith("<"):
        return None
    try:
        root = ET.fromstring(content.strip())
    except (ET.ParseError, ValueError):
        return None
    appmsg = root if root.tag == "appmsg" else root.find("appmsg")
    if appmsg is None:
        return None
    refer = appmsg.find("refermsg")
    if refer is None:
        return AppMessage(appmsg.findtext("title") or "")
    return AppMessage(
        appmsg.findtext("title") or "",
        (refer.findtext("chatusr") or refer.findtext("fromusr") or "").strip(),
        refer.findtext("displayname") or "",
        refer.findtext("content") or "",
    )


# --- the importer ---------------------------------------------------------------


def sniff(path: Path, head: bytes) -> bool:
    header = set(header_of(head))
    return {"localId", "TalkerId", "Type", "StrContent", "CreateTime", "IsSender"} <= header


class _Reader:
    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.book = system.NameBook()
        self.index = system.RecentIndex()
        self.ids = system.StableIds()
        self.group_name = path.stem.removesuffix("_utf8")

    def when(self, create: str, strtime: str, line: int) -> datetime:
        at = unix_time(create) or local_time(strtime, self.options.tz)
        if at is None:
            raise ImportFormatError(
                self.path,
                f"line {line}",
                "CreateTime as unix seconds or StrTime as YYYY-MM-DD HH:MM:SS",
            )
        return at

    def number(self, text: str, column: str, line: int) -> int:
        digits = text.strip() or "0"
        if not _is_digits(digits):
            raise ImportFormatError(
                self.path, f"line {line}", f"an integer {column}, found {text!r}"
            )
        return int(digits)

    def actor(self, is_sender: str, sender: str, nick: str, remark: str) -> Actor | None:
        name = nick or remark
        if sender:
            self.book.learn(sender, nick, remark)
            return Actor(id=sender, name=name)
        if is_sender.strip() == "1":
            return system.SELF
        return Actor(id=name, name=name) if name else None

    def content(self, kind_type: int, sub: int, raw: str) -> tuple[MessageKind, str, str | None]:
        """Kind, text and reply_to of a message row."""
        if kind_type != 49:
            text = "" if kind_type in _MEDIA and raw.lstrip().startswith("<") else raw
            return _KINDS.get(kind_type, K.TEXT), text, None
        app = parse_appmsg(raw)
        kind = _APP_KINDS.get(sub, K.LINK)
        if app is None:
            return kind, raw, None
        reply_to = None
        if sub == 57:
            reply_to = self.index.find(app.refer_content, app.refer_user, app.refer_name)
        return kind, app.title, reply_to

    def events(self, line: int, row: list[str]) -> Iterator[Event]:
        local_id, talker, type_, sub_, is_sender, create, raw, strtime, remark, nick, sender = row
        at = self.when(create, strtime, line)
        kind_type = self.number(type_, "Type", line)
        sub = self.number(sub_, "SubType", line)
        event_id = local_id.strip() or self.ids.next(strtime or create, sender or nick, raw)
        group = talker.strip() or self.options.group or self.group_name
        if kind_type in (10000, 10002):
            notice = system.parse(raw, self.book)
            where = system.Where(group, event_id, at, self.group_name)
            yield from system.events(notice, where, self.book, self.options, recall_ids=False)
            return
        if kind_type in _SKIPPED_TYPES or kind_type > 10000:
            self.options.skip(_SKIPPED_TYPES.get(kind_type, f"wechat type {kind_type}"))
            return
        actor = self.actor(is_sender, sender, nick, remark)
        kind, text, reply_to = self.content(kind_type, sub, raw)
        if kind is K.TEXT:
            self.index.add(event_id, text, sender, nick, remark)
        yield MessagePosted(
            platform=PLATFORM,
            group=group,
            group_name=self.group_name,
            event_id=event_id,
            at=at,
            actor=actor,
            kind=kind,
            text=text,
            reply_to=reply_to,
            mentions=system.mentions(text, self.book),
        )


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    reader = _Reader(path, options)
    for line, row in csv_rows(path, options, COLUMNS):
        yield from reader.events(line, row)
