"""QQ message manager (消息管理器) ``.txt`` export.

A header ``消息记录（此消息记录为文本格式，不支持重新导入）``, a rule of ``=``,
``消息分组:<folder>``, a rule, ``消息对象:<group name>``, a rule, a blank line;
then per message ``YYYY-MM-DD H:MM:SS <nick>(<QQ number>)`` (or
``<nick><<email>>``; 12 h ``8:43:38 PM`` and ``下午 8:43:38`` also read), the
content lines and a blank line. A whole-account export repeats the rule /
分组 / 对象 lines per chat: each starts a new group. UTF-8 or GBK.

What the format cannot tell, and how we cope:

- No message ids: ``event_id`` is a hash of (date and time as written, QQ
  number, content, occurrence of that triple at that time), so re-reading the
  same or an overlapping file gives the same ids.
- No group number: the group id and name are ``options.group``, else the
  ``消息对象`` name.
- Times are local: read in ``options.tz``.
- Titles before the nick (``【群主】`` → role ``owner``, ``【管理员】`` →
  ``admin``, any other ``【…】`` → the title itself) are kept as Actor.role, a
  hint only; the nick without the title is the Actor name, the QQ number (or
  e-mail) its id.
- Content is kept byte-exact line by line (line endings become ``\\n``); a
  header is only recognised at the start or after a blank line, so multi-line
  messages with empty lines inside stay whole.
- ``[图片]`` alone is an IMAGE, ``[表情]`` alone a STICKER; mixed content is TEXT.
- System messages (sender ``系统消息(10000)``): we recognise ``X加入本群`` (also
  ``加入了本群``), ``X邀请Y加入本群`` (Y invited by X), ``X退出本群`` (left),
  ``X被管理员移出本群`` / ``X被Y移出本群`` (removed), each name optionally
  followed by ``(QQ number)`` and the line by ``。``. A name without a number
  is mapped to the QQ number of a sender of that nick seen earlier in the file
  (bounded), else the name is the id. Anything else is skipped with a reason.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shequn.events import (
    Actor,
    Event,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MessageKind,
    MessagePosted,
)
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.text import guess_encoding, iter_lines

FORMAT = "qq"
PLATFORM = "qq"
TITLE_LINE = "消息记录"
SYSTEM_ID = "10000"
KNOWN_NAMES = 20000

_MESSAGE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) (?:(上午|下午) ?)?([0-9]{1,2}):([0-9]{2}):([0-9]{2})"
    r"(?: ?([AaPp][Mm]))? (.*?)(?:\(([0-9]{4,})\)|<([^<>\s]+)>)"
)
_TITLE = re.compile(r"【([^】]*)】(.*)", re.DOTALL)
_RULE = re.compile(r"={10,}")
_ROLES = {"群主": "owner", "管理员": "admin"}
_KINDS = {"[图片]": MessageKind.IMAGE, "[表情]": MessageKind.STICKER}
_WHO = r"(.+?)(?:\(([0-9]{4,})\))?"
_END = r"[。.!！]?"
_INVITED = re.compile(rf"{_WHO}邀请{_WHO}加入了?本群{_END}")
_JOINED = re.compile(rf"{_WHO}(?:已经)?加入了?本群{_END}")
_LEFT = re.compile(rf"{_WHO}(?:已经)?退出了?本群{_END}")
_REMOVED = re.compile(rf"{_WHO}被{_WHO}移出了?本群{_END}")


@dataclass
class _Block:
    line: int
    match: re.Match[str]
    group: str
    lines: list[str] = field(default_factory=list)
    blanks: int = 0

    def body(self) -> str:
        return "\n".join(self.lines + [""] * max(self.blanks - 1, 0))


class _Splitter:
    """Turns numbered lines into message blocks, following 消息对象 sections."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.group = options.group
        self.fixed = bool(options.group)
        self.in_header = True
        self.block: _Block | None = None
        self.blanks = 0
        self.rule: str | None = None

    def header_line(self, line: str) -> bool:
        s = line.strip()
        if not s or _RULE.fullmatch(s) or s.startswith(TITLE_LINE) or s.startswith("消息分组"):
            return True
        if s.startswith("消息对象") and s[4:5] in (":", "："):
            self.group = self.group if self.fixed else s[5:]
            return True
        return False

    def flush(self) -> Iterator[_Block]:
        if self.block is not None:
            self.block.blanks = self.blanks
            yield self.block
        self.block, self.blanks = None, 0

    def add(self, line: str) -> None:
        assert self.block is not None
        self.block.lines.extend([""] * self.blanks + [line])
        self.blanks = 0

    def feed(self, number: int, line: str) -> Iterator[_Block]:
        if self.rule is not None:
            rule, self.rule = self.rule, None
            if line.startswith(("消息分组", "消息对象")):
                yield from self.flush()
                self.in_header = True
            else:
                self.add(rule)
        if self.in_header and self.header_line(line):
            return
        if line == "":
            self.blanks += 1
            return
        boundary = self.block is None or self.blanks > 0
        if boundary and self.block is not None and _RULE.fullmatch(line):
            self.rule = line
            return
        m = _MESSAGE.fullmatch(line.rstrip()) if boundary else None
        if m is not None:
            yield from self.flush()
            self.block, self.in_header = _Block(number, m, self.group), False
        elif self.block is None:
            raise ImportFormatError(
                self.path,
                f"line {number}",
                "a QQ message line 'YYYY-MM-DD H:MM:SS nick(QQ number)'",
            )
        else:
            self.add(line)

    def finish(self) -> Iterator[_Block]:
        if self.rule is not None:
            self.add(self.rule)
        yield from self.flush()


def _blocks(path: Path, options: ImportOptions) -> Iterator[_Block]:
    splitter = _Splitter(path, options)
    for number, line in iter_lines(path, options):
        if number == 1 and not line.lstrip().startswith(TITLE_LINE):
            raise ImportFormatError(path, "line 1", f"the QQ header {TITLE_LINE}（…）")
        yield from splitter.feed(number, line)
    yield from splitter.finish()


def sniff(path: Path, head: bytes) -> bool:
    encoding = guess_encoding(head)
    if encoding is None:
        return False
    text = codecs.getincrementaldecoder(encoding)().decode(head[:1024], final=False)
    return text.lstrip().startswith(TITLE_LINE)


def _stable_id(time: str, sender: str, content: str, n: int) -> str:
    h = hashlib.blake2b(digest_size=12)
    for part in (time, sender, content, str(n)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


class _Reader:
    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.numbers: OrderedDict[str, str] = OrderedDict()
        self.time = ""
        self.seen: dict[tuple[str, str, str], int] = {}

    def event_id(self, time: str, sender: str, content: str) -> str:
        """Occurrences of the same triple are counted within one time only."""
        if time != self.time:
            self.time, self.seen = time, {}
        key = (time, sender, hashlib.blake2b(content.encode(), digest_size=12).hexdigest())
        n = self.seen[key] = self.seen.get(key, -1) + 1
        return _stable_id(time, sender, content, n)

    def when(self, block: _Block) -> datetime:
        year, month, day, cn, hour, minute, second, ampm = block.match.groups()[:8]
        h = int(hour)
        pm = (ampm or "").upper() == "PM" or cn == "下午"
        if ampm or cn:
            h = h % 12 + (12 if pm else 0) if 1 <= h <= 12 else 99
        try:
            naive = datetime(int(year), int(month), int(day), h, int(minute), int(second))
        except ValueError:
            raise ImportFormatError(
                self.path, f"line {block.line}", "a valid date and time"
            ) from None
        return naive.replace(tzinfo=self.options.tz).astimezone(UTC)

    def learn(self, name: str, number: str) -> None:
        self.numbers[name] = number
        self.numbers.move_to_end(name)
        if len(self.numbers) > KNOWN_NAMES:
            self.numbers.popitem(last=False)

    def actor(self, name: str, number: str | None) -> Actor:
        return Actor(id=number or self.numbers.get(name) or name, name=name)

    def sender(self, block: _Block) -> Actor:
        raw, number, email = block.match.group(9, 10, 11)
        title, name = "", raw
        if m := _TITLE.fullmatch(raw):
            title, name = m[1], m[2]
        account = number or email
        self.learn(name, account)
        return Actor(id=account, name=name, role=_ROLES.get(title, title))

    def notice(self, text: str) -> tuple[str, Actor | None, Actor] | None:
        """(kind, actor, member) of a system text we recognise, else None."""
        if m := _INVITED.fullmatch(text):
            return "invite", self.actor(m[1], m[2]), self.actor(m[3], m[4])
        if m := _REMOVED.fullmatch(text):
            remover = None if m[3] == "管理员" else self.actor(m[3], m[4])
            return "removed", remover, self.actor(m[1], m[2])
        if m := _LEFT.fullmatch(text):
            return "left", self.actor(m[1], m[2]), self.actor(m[1], m[2])
        if m := _JOINED.fullmatch(text):
            return "joined", self.actor(m[1], m[2]), self.actor(m[1], m[2])
        return None

    def system(self, block: _Block, at: datetime, event_id: str, text: str) -> Iterator[Event]:
        notice = self.notice(text)
        if notice is None:
            self.options.skip("qq system message not recognised")
            return
        kind, actor, member = notice
        if kind in ("invite", "joined"):
            yield MemberJoined(
                platform=PLATFORM,
                group=block.group,
                group_name=block.group,
                event_id=event_id,
                at=at,
                actor=actor,
                member=member,
                how=JoinHow.INVITE if kind == "invite" else JoinHow.UNKNOWN,
                inviter=actor if kind == "invite" else None,
            )
            return
        yield MemberLeft(
            platform=PLATFORM,
            group=block.group,
            group_name=block.group,
            event_id=event_id,
            at=at,
            actor=actor,
            member=member,
            how=LeaveHow.REMOVED if kind == "removed" else LeaveHow.LEFT,
        )

    def events(self, block: _Block) -> Iterator[Event]:
        at = self.when(block)
        time = block.match[0][: block.match.start(9)]
        body = block.body()
        if block.match[10] == SYSTEM_ID:
            event_id = self.event_id(time, SYSTEM_ID, body)
            yield from self.system(block, at, event_id, body.strip())
            return
        actor = self.sender(block)
        yield MessagePosted(
            platform=PLATFORM,
            group=block.group,
            group_name=block.group,
            event_id=self.event_id(time, actor.id, body),
            at=at,
            actor=actor,
            kind=_KINDS.get(body, MessageKind.TEXT),
            text=body,
        )


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    reader = _Reader(path, options)
    for block in _blocks(path, options):
        yield from reader.events(block)
