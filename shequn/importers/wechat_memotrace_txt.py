"""MemoTrace (留痕, WeChatMsg) TXT export of a WeChat chat.

Blocks of ``YYYY-MM-DD HH:MM:SS name``, the content lines, then a blank line.
System messages are a single line ``YYYY-MM-DD HH:MM:SS <text>`` with no
content below it. Media are placeholders (``[图片]``, ``[语音]``, ``[视频]``,
``[表情包]``, ``[文件]``, ``[音乐分享]``, ``[链接]:…``); a quote reply ends with
``引用:name:content`` (or ``引用:未知``).

What the format cannot tell, and how we cope:

- No chat id and no title: the group id and name are ``options.group``, else
  the file's stem.
- No message ids: ``event_id`` is a hash of (StrTime, name, content, occurrence
  of that triple at that time), so re-reading the same or an overlapping file
  gives the same ids.
- No wxids: the sender's display name is the Actor id. ``你`` in system
  messages is the exporting account, Actor id ``self``.
- Times are local: read in ``options.tz``.
- A header is only recognised at the start or after a blank line; a blank line
  followed by a non-header line belongs to the message, so multi-line messages
  (with empty lines inside) stay whole. A message line that itself looks like
  ``YYYY-MM-DD HH:MM:SS …`` right after an empty line is read as a new message:
  the format cannot tell them apart.
- A block whose header has no content under it is a system message (see
  ``wechat_system`` for what is recognised); a recall names no message and is
  skipped (``recall without message id``).
- Quote replies: the ``引用:`` trailer is not kept in the text; the quoted
  message is looked up among the last 5,000 messages by (name, text), then by
  text alone; ``reply_to`` stays None when not found.
- Placeholders are kept as the text, byte-exact; ``[红包]`` is read as a red
  packet (MemoTrace itself does not write red packets to TXT).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shequn.events import Event, MessageKind, MessagePosted
from shequn.importers import wechat_system as system
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.text import guess_encoding, iter_lines
from shequn.importers.wechat_memotrace import local_time

FORMAT = "wechat_memotrace_txt"
PLATFORM = "wechat"
QUOTE = "引用:"

K = MessageKind
_HEADER = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}) (.*)")
_PLACEHOLDERS = {
    "[图片]": K.IMAGE,
    "[语音]": K.VOICE,
    "[视频]": K.VIDEO,
    "[表情包]": K.STICKER,
    "[文件]": K.FILE,
    "[音乐分享]": K.LINK,
    "[红包]": K.RED_PACKET,
}


@dataclass
class _Block:
    line: int
    time: str
    name: str
    lines: list[str] = field(default_factory=list)
    blanks: int = 0

    @property
    def is_system(self) -> bool:
        return not self.lines and self.blanks <= 1

    def body(self) -> str:
        """Content lines byte-exact; blank lines beyond the terminator are content."""
        return "\n".join(self.lines + [""] * max(self.blanks - 1, 0))


def _blocks(path: Path, options: ImportOptions) -> Iterator[_Block]:
    block: _Block | None = None
    blanks = 0
    for number, line in iter_lines(path, options):
        if line == "":
            blanks += 1
            continue
        m = _HEADER.fullmatch(line) if block is None or blanks else None
        if m is not None:
            if block is not None:
                block.blanks = blanks
                yield block
            block, blanks = _Block(number, m[1], m[2]), 0
            continue
        if block is None:
            raise ImportFormatError(
                path, f"line {number}", "a 'YYYY-MM-DD HH:MM:SS name' line (MemoTrace TXT)"
            )
        block.lines.extend([""] * blanks + [line])
        blanks = 0
    if block is not None:
        block.blanks = blanks
        yield block


def sniff(path: Path, head: bytes) -> bool:
    encoding = guess_encoding(head)
    if encoding is None:
        return False
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    text = text.replace("\r\n", "\n").lstrip("\n")
    first = text.split("\n", 1)[0]
    return _HEADER.fullmatch(first) is not None and "\n\n" in text


def _split_quote(lines: list[str]) -> tuple[list[str], str | None]:
    """The reply's own lines and the quote after ``引用:``, when there is one."""
    for i in range(len(lines) - 1, 0, -1):
        if lines[i].startswith(QUOTE):
            return lines[:i], "\n".join(lines[i:])[len(QUOTE) :]
    return lines, None


def _kind(text: str) -> MessageKind:
    if text.lstrip(" ").startswith("[链接]:"):
        return K.LINK
    return _PLACEHOLDERS.get(text, K.TEXT)


class _Reader:
    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.group = options.group or path.stem
        self.book = system.NameBook()
        self.index = system.RecentIndex()
        self.ids = system.StableIds()

    def find_quote(self, quote: str) -> str | None:
        """``name:content`` where the name may itself hold colons: try each split."""
        start = 0
        while (colon := quote.find(":", start)) >= 0:
            name, text = quote[:colon], quote[colon + 1 :]
            if found := self.index.find(text, name):
                return found
            start = colon + 1
        return None

    def events(self, block: _Block) -> Iterator[Event]:
        at = local_time(block.time, self.options.tz)
        if at is None:
            raise ImportFormatError(self.path, f"line {block.line}", "a valid date and time")
        if block.is_system:
            event_id = self.ids.next(block.time, "", block.name)
            notice = system.parse(block.name, self.book)
            where = system.Where(self.group, event_id, at, self.group)
            yield from system.events(notice, where, self.book, self.options)
            return
        event_id = self.ids.next(block.time, block.name, block.body())
        lines, quote = _split_quote(block.lines)
        text = "\n".join(lines) if quote is not None else block.body()
        kind = _kind(text)
        reply_to = self.find_quote(quote) if quote else None
        if kind is K.TEXT:
            self.index.add(event_id, text, block.name)
        yield MessagePosted(
            platform=PLATFORM,
            group=self.group,
            group_name=self.group,
            event_id=event_id,
            at=at,
            actor=self.book.actor(block.name),
            kind=kind,
            text=text,
            reply_to=reply_to,
            mentions=system.mentions(text, self.book),
        )


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    reader = _Reader(path, options)
    for block in _blocks(path, options):
        yield from reader.events(block)
