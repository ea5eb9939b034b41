"""IRC channel logs: irssi (and the #ubuntu irclogs variant), weechat and ZNC.

What the format cannot tell, and how this importer copes:

* **No account ids.** The nick is the account id (as written, case kept); a
  nick change is a MemberRenamed from the old nick's account (``old_name`` →
  ``new_name``), after which the new nick is its own account. Hostmasks are
  not kept.
* **The group** is ``options.group``, else the channel named by the first
  join/part/kick line in the file's head (lower-cased: IRC channel names are
  case-insensitive), else a ``#channel`` in the file or folder name, else the
  folder's name.
* **Dates.** irssi and ZNC lines carry only a clock time. The date comes from
  ``--- Log opened``/``--- Day changed`` lines, else from a ``YYYY-MM-DD`` in the
  file name; weechat lines carry their own. Without any, the file is refused
  (ImportFormatError) at the first timed line. When the clock runs backwards by
  more than an hour the log crossed midnight (+24 h); old #ubuntu logs use a
  12-hour clock without AM/PM (12:59 → 01:00), recognised by never showing an
  hour above 12, so there a wrap adds 12 h. The first half-day of such a log is
  read as written (12:xx as noon): the log cannot say whether it was AM or PM.
  Times are local to ``options.tz``. Lines without a time (``=== x has joined``)
  take the time of the line before, or of the first timed line after.
* **Event ids** are ``YYYY-MM-DD:<hash>``, the hash over (local time, line kind,
  nick, text or new nick or kicker, how many times that same tuple already
  occurred). Line numbers are left out on purpose: two logs of the same channel
  and day that start at different lines give the same ids for the lines they
  share, and so do a weechat and a ZNC log when their clocks agree.
* **Replies and mentions.** IRC has no reply links; people address each other
  with ``nick: text`` or ``nick, text``. When a message starts so and ``nick``
  is known in this log (has spoken, joined or been renamed to), it gets
  ``Mention(id=nick)``. No ``reply_to`` is set: an importer stores what the
  log says, and who answers whom is inferred later by analytics
  (``shequn.analytics.replies``), which scores far better against the
  hand-annotated #ubuntu reply links than any guess made here, line by line.
* **Actions** (``/me``) become messages whose text is ``/me <action>``; channel
  notices become messages; modes, topics, private notices and log markers are
  counted with ``options.skip``. A line of no known shape is skipped as
  ``unrecognised line``; when most lines are, the file is not an IRC log and is
  refused.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypedDict

from shequn.events import (
    Actor,
    Event,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessagePosted,
)
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.irc_lines import Line, classify, make_date
from shequn.importers.text import HEAD_BYTES, guess_encoding, iter_chunks, read_head

FORMAT = "irc"
CHECK_LINES = 100
"""The verdict "not an IRC log" is given after this many non-blank lines."""

_EXPECTED = (
    "IRC log lines such as '[12:34] <nick> text' (irssi), "
    "'2024-01-02 12:34:56<TAB>nick<TAB>text' (weechat) or '[12:34:56] <nick> text' (ZNC)"
)
_FILE_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_CHANNEL_IN_NAME = re.compile(r"#[^\s./]+")
_ADDRESSED = re.compile(r"([^\s:,]+)[:,](?:\s|$)")
_BUFFER_LIMIT = 10_000
_RECENT = 4096


def sniff(path: Path, head: bytes) -> bool:
    """True when most of the first non-blank lines of the head are IRC log lines."""
    encoding = guess_encoding(head)
    if encoding is None:
        return False
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    lines = text.split("\n")[:200]
    if len(head) >= HEAD_BYTES and len(lines) < 200:
        lines.pop()  # cut off by the head's end
    lines = [line for line in lines if line.strip()][:50]
    known = sum(classify(line.rstrip("\r")) is not None for line in lines)
    return bool(lines) and known * 5 >= len(lines) * 3


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    """Yield the events of one log; raises ImportFormatError for a file that is not one."""
    for _number, event in numbered_events(path, options):
        yield event


def numbered_events(path: Path, options: ImportOptions) -> Iterator[tuple[int, Event]]:
    """Like :func:`read`, with the line number each event comes from."""
    reader = _Reader(path, options)
    yield from reader.events()


def group_of(path: Path) -> tuple[str, str]:
    """(group id, group name) when ``options.group`` is empty."""
    head = read_head(path)
    encoding = guess_encoding(head) or "utf-8"
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    for line in text.split("\n")[:-1]:
        found = classify(line.rstrip("\r"))
        if found is not None and found.kind in ("join", "leave") and found.other[:1] == "#":
            return found.other.lower(), found.other
    match = _CHANNEL_IN_NAME.search(path.name) or _CHANNEL_IN_NAME.search(path.parent.name)
    if match is not None:
        return match[0].lower(), match[0]
    return path.parent.name, path.parent.name


def _lines(path: Path, options: ImportOptions) -> Iterator[tuple[int, str]]:
    """Numbered lines, read in large chunks (so a decoding error names its exact line)."""
    number = 0
    for chunk in iter_chunks(path, options):
        lines = chunk.split("\n")
        if not lines[-1]:
            lines.pop()
        for line in lines:
            number += 1
            yield number, line.removesuffix("\r")


def _file_date(path: Path) -> date | None:
    match = _FILE_DATE.search(path.name)
    return None if match is None else make_date(match[1], match[2], match[3])


class _Ids:
    """``YYYY-MM-DD:<hash>`` ids; occurrence counts kept for the last ``_RECENT`` keys."""

    def __init__(self) -> None:
        self.current: dict[str, int] = {}
        self.previous: dict[str, int] = {}

    def next(self, local: datetime, kind: str, nick: str, text: str) -> str:
        key = f"{local.isoformat()}\x1f{kind}\x1f{nick}\x1f{text}"
        count = self.current.get(key)
        if count is None:
            count = self.previous.get(key, 0)
            if len(self.current) >= _RECENT:
                self.previous, self.current = self.current, {}
        self.current[key] = count + 1
        digest = hashlib.blake2b(f"{key}\x1f{count}".encode(), digest_size=8).hexdigest()
        return f"{local.date().isoformat()}:{digest}"


class _Clock:
    """Local date and time of each line: markers, file-name date, day and half-day wraps."""

    def __init__(self, day: date | None) -> None:
        self.day = day
        self.shift = timedelta(0)
        self.last: datetime | None = None
        self.twelve_hour = True

    def set_day(self, day: date) -> None:
        self.day, self.shift, self.last = day, timedelta(0), None

    def at(self, clock: time) -> datetime | None:
        """The local datetime of a timed line; None while no date is known."""
        if self.day is None:
            return None
        self.twelve_hour = self.twelve_hour and clock.hour <= 12
        local = datetime.combine(self.day, clock) + self.shift
        while self.last is not None and local < self.last - timedelta(hours=1):
            step = timedelta(hours=12 if self.twelve_hour else 24)
            self.shift += step
            local += step
        self.last = local
        return local


class _Common(TypedDict):
    platform: str
    group: str
    group_name: str
    event_id: str
    at: datetime
    actor: Actor


class _Reader:
    """One pass over one log, with the state nicks and times need."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.group, self.group_name = (
            (options.group, options.group) if options.group else group_of(path)
        )
        self.clock = _Clock(_file_date(path))
        self.ids = _Ids()
        self.known: dict[str, str] = {}  # lower-case nick -> nick as last written
        # lower-case nick -> their last messages: (event id, line, lower-case addressee)
        self.seen = self.unknown = 0

    def events(self) -> Iterator[tuple[int, Event]]:
        """Events are held back until the first ``CHECK_LINES`` lines prove an IRC log."""
        held: list[tuple[int, Event]] = []
        waiting: list[tuple[int, Line]] = []  # untimed lines before the first timed one
        for number, line in _lines(self.path, self.options):
            found = self.count(classify(line)) if line.strip() else None
            if found is not None:
                local = self.local_time(number, found)
                waiting.append((number, found))
                if local is not None:
                    held.extend(self.all_events(waiting, local))
                    waiting = []
                elif len(waiting) > _BUFFER_LIMIT:
                    raise ImportFormatError(self.path, f"line {number}", _EXPECTED)
            if self.seen >= CHECK_LINES:
                if self.seen == CHECK_LINES:
                    self.verdict(f"lines 1-{number}")
                yield from held
                held = []
        self.verdict("whole file")
        if waiting:  # no timed line after these: the day's start is all we know
            held.extend(self.all_events(waiting, datetime.combine(self.day(0), time())))
        yield from held

    def all_events(
        self, lines: list[tuple[int, Line]], local: datetime
    ) -> Iterator[tuple[int, Event]]:
        for number, found in lines:
            for event in self.line_events(number, found, local):
                yield number, event

    def count(self, found: Line | None) -> Line | None:
        self.seen += 1
        if found is None:
            self.unknown += 1
            self.options.skip("unrecognised line")
        return found

    def verdict(self, where: str) -> None:
        """Refuse the file when most of its non-blank lines so far are no IRC lines."""
        if self.unknown * 2 > self.seen or self.seen == 0:
            raise ImportFormatError(self.path, where, _EXPECTED)

    def day(self, number: int) -> date:
        if self.clock.day is None:
            raise ImportFormatError(
                self.path,
                f"line {number}" if number else "whole file",
                "a date for the log's times: a YYYY-MM-DD in the file name, "
                "or a '--- Log opened'/'--- Day changed' line before them",
            )
        return self.clock.day

    def local_time(self, number: int, found: Line) -> datetime | None:
        """The line's local time; None for an untimed line before any timed one."""
        if found.day is not None and (found.day != self.clock.day or found.kind == "date"):
            self.clock.set_day(found.day)
        if found.clock is None:
            return self.clock.last
        self.day(number)
        local = self.clock.at(found.clock)
        if local is not None and local.year > 2999:  # a corrupt log's clock that keeps wrapping
            raise ImportFormatError(self.path, f"line {number}", "times that keep to a calendar")
        return local

    def line_events(self, number: int, found: Line, local: datetime) -> list[Event]:
        """The events of one classified line at its local time."""
        if found.kind in ("skip", "date"):
            if found.kind == "skip":
                self.options.skip(found.nick)
            return []
        actor = Actor(id=found.nick, name=found.nick)
        self.known[found.nick.lower()] = found.nick
        common: _Common = {
            "platform": FORMAT,
            "group": self.group,
            "group_name": self.group_name,
            "event_id": self.ids.next(local, found.kind, found.nick, _id_text(found)),
            "at": local.replace(tzinfo=self.options.tz).astimezone(UTC),
            "actor": actor,
        }
        if found.kind in ("say", "act"):
            return [self.message(number, found, common)]
        if found.kind == "join":
            return [MemberJoined(**common, member=actor)]
        if found.kind == "leave":
            return [MemberLeft(**common, member=actor)]
        if found.kind == "kick":
            common["actor"] = Actor(id=found.other, name=found.other)
            return [MemberLeft(**common, member=actor, how=LeaveHow.REMOVED)]
        self.known[found.other.lower()] = found.other
        return [MemberRenamed(**common, old_name=found.nick, new_name=found.other)]

    def message(self, number: int, found: Line, common: _Common) -> MessagePosted:
        """A message; ``nick: text`` to a known nick is a mention."""
        speaker = found.nick.lower()
        match = _ADDRESSED.match(found.text) if found.kind == "say" else None
        nick = self.known.get(match[1].lower()) if match is not None else None
        if nick is not None and nick.lower() == speaker:
            nick = None  # talking to oneself is neither mention nor reply
        mentions = (Mention(id=nick, name=nick),) if nick is not None else ()
        text = found.text if found.kind == "say" else f"/me {found.text}"
        return MessagePosted(**common, text=text, mentions=mentions)


def _id_text(found: Line) -> str:
    """What besides time, kind and nick tells a line apart (the channel is the group)."""
    if found.kind in ("rename", "kick"):
        return found.other
    return found.text if found.kind in ("say", "act") else ""
