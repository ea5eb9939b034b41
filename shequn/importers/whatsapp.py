"""WhatsApp ``.txt`` chat exports (Android ``… - Name: text``, iOS ``[…] Name: text``).

What the format cannot tell, and how this importer copes:

* **No ids at all.** A member's account id is their display name as the export
  shows it (a contact name or a phone number); the same person under two names
  is two accounts, and the exporting account appears in system lines only as
  "You" (``SELF``). The group id is ``options.group``, else the file name without
  the ``WhatsApp Chat with``/``WhatsApp-Chat mit`` prefix (for an iOS
  ``_chat.txt``, the name of its folder). The group name starts as the same and
  follows "created group"/"changed the subject" lines.
* **Event ids** are a hash of (local header time as ISO text, sender, exact body,
  how many times that same triple already occurred in the file). Re-importing
  the same file, or a later export of the same chat that goes further (or
  starts later), yields the same ids for the same messages. Occurrences are
  counted among the last 4096 (to 8192) distinct triples only, so memory stays
  flat: identical triples share a minute, hence sit close together. An export
  that starts in the middle of such a run of identical messages numbers them
  differently. Local time, not UTC, goes into the id, so a re-import with
  another ``tz`` finds the same rows.
* **Day/month order** is decided per file from all its dates, in a cheap first
  pass over the date prefixes only (see :mod:`whatsapp_dates`).
* **Times are local** and carry no zone: they are read in ``options.tz`` and
  converted to aware UTC; a wall time that DST skips or repeats takes the
  zone's first reading (``fold=0``).
* **Message boundaries**: a line that does not start with a valid header is a
  continuation of the message before it, newline kept; a header-shaped line with
  an impossible date or time is such a continuation too. Bodies are kept
  exactly, except that line endings are ``\\n`` and a U+200E/U+200F before the
  header is part of the header, not of the body. A U+200E at the start of an iOS
  body is kept (it marks attachments and system lines there).
* **System lines** (no ``Name:``, or an iOS line whose body starts with U+200E)
  become GroupCreated, MemberJoined (ADDED with inviter, LINK), MemberLeft
  (LEFT, REMOVED with actor), GroupRenamed and, for "+1… changed to +1…",
  MemberRenamed, in English and German; everything else is counted with
  ``options.skip("system line: …")`` and never becomes a message.
* **Attachments** only show a file name or a placeholder; the kind comes from
  the extension (table in :mod:`whatsapp_system`). Mentions are read only where
  the export marks them: ``@\\u2068Name\\u2069``.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TypedDict

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
    MessageKind,
    MessagePosted,
)
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.posted import posted
from shequn.importers.text import guess_encoding, iter_chunks
from shequn.importers.whatsapp_dates import Clock, HeaderForm, decide_day_first, detect_form
from shequn.importers.whatsapp_system import (
    Fact,
    attachment_kind,
    is_deleted_note,
    parse_system,
    skip_reason,
)

FORMAT = "whatsapp"
HEAD_LINES = 200
"""A file is refused when none of its first lines is a WhatsApp header."""

_EXPECTED = (
    "a WhatsApp header line such as '31/12/19, 23:59 - Name: text' "
    "or '[31/12/19, 23:59:59] Name: text'"
)
_PREFIXES = ("WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp-Chat mit ", "WhatsApp Chat mit ")
_NAME_LIMIT = 25  # longer names (WhatsApp profile names are shorter) take the slow path
_QUOTES = ('"', "“", "„", "«")
_TEXT = MessageKind.TEXT
_MENTION = re.compile("@\u2068(.+?)\u2069")
_RECENT = 4096
# Copying a fresh hash costs less than making one (keyword arguments): ids are per message.
_ID_HASH = hashlib.blake2b(digest_size=12)
_ODD_ENDS = (">", ")")  # attachment placeholders end so


def sniff(path: Path, head: bytes) -> bool:
    """True when the first non-blank line of the head is a WhatsApp header."""
    encoding = guess_encoding(head)
    if encoding is None:
        return False
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    for line in text.split("\n", 5)[:5]:
        if line.strip():
            return detect_form([line]) is not None
    return False


def read(path: Path, options: ImportOptions) -> Iterator[Event]:
    """Yield the events of one export; raises ImportFormatError for a file that is not one."""
    form = _detect(path)
    starts = re.compile("\n" + form.pattern().pattern)
    day_first = decide_day_first(form, (m.groups() for m in _headers(path, starts)))
    yield from _Reader(path, options, form, day_first).events()


def group_of(path: Path) -> str:
    """The group id when ``options.group`` is empty: the export's file name, prefix removed."""
    stem = path.stem
    if stem.lstrip("_").lower() == "chat" and path.parent.name:
        stem = path.parent.name
    for prefix in _PREFIXES:
        if stem.startswith(prefix):
            return stem[len(prefix) :]
    return stem


def _detect(path: Path) -> HeaderForm:
    first = next(iter_chunks(path), "")
    form = detect_form(first.split("\n", HEAD_LINES)[:HEAD_LINES])
    if form is None:
        raise ImportFormatError(path, f"lines 1-{HEAD_LINES}", _EXPECTED)
    return form


def _headers(path: Path, starts: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Every header-shaped line start of the file (the cheap first pass).

    Chunks end at line breaks, so each one starts a line: hence the ``\\n``.
    """
    for chunk in iter_chunks(path):
        yield from starts.finditer("\n" + chunk)


class _Ids:
    """Stable event ids: a hash of local time, sender, body and occurrence count.

    Counts are kept for the last ``_RECENT`` to ``2 * _RECENT`` distinct triples
    only, so memory stays flat; identical triples share a minute, hence sit close
    together in a time-ordered export.
    """

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def next(self, local: str, sender: str, body: str) -> str:
        """The id of the next event with this (local time, sender, body)."""
        key = f"{local}\x1f{sender}\x1f{body}"
        seen = self.seen
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key = f"{key}\x1f{count}"
        elif len(seen) > 2 * _RECENT:
            self.seen = dict(list(seen.items())[-_RECENT:])
        digest = _ID_HASH.copy()
        digest.update(key.encode())
        return digest.hexdigest()


class _Reader:
    """One pass over one file: header lines start messages, other lines continue them."""

    def __init__(self, path: Path, options: ImportOptions, form: HeaderForm, day_first: bool):
        self.path = path
        self.options = options
        self.form = form
        self.clock = Clock(form, day_first, options.tz)
        self.group = options.group or group_of(path)
        self.group_name = self.group
        self.ids = _Ids()
        self.actors: dict[str, Actor] = {}

    def actor(self, name: str) -> Actor:
        found = self.actors.get(name)
        if found is None:
            found = self.actors[name] = Actor(id=name, name=name)
        return found

    def events(self) -> Iterator[Event]:
        """Split each chunk at header lines with one expression; what follows a header is its body.

        ``split`` returns [text before, header, body, header, body, …] in one call,
        so the Python loop runs once per message, not once per line.
        """
        split = re.compile("\n(" + self.form.pattern(capture=False).pattern + ")").split
        read_clock, message, known = self.clock.read, self.message, self.clock.stamps.get
        stamp: tuple[datetime, str] | None = None
        body = ""  # the pending message's text so far
        for chunk in iter_chunks(self.path, self.options):
            parts = split("\n" + (chunk.replace("\r\n", "\n") if "\r" in chunk else chunk))
            parts[-1] = parts[-1].removesuffix("\n")
            pairs = iter(parts)
            body += next(pairs)
            for header, text in zip(pairs, pairs, strict=True):
                found = known(header) or read_clock(header)
                if found is None:  # impossible date: the line is text of the body
                    body += "\n" + header + text
                    continue
                if stamp is not None:
                    event = message(*stamp, body)
                    if event is None:
                        yield from self.other(*stamp, body)
                    else:
                        yield event
                elif body.strip():
                    self.options.skip("text before the first message")
                stamp, body = found, text
        if stamp is not None:
            yield from self.other(*stamp, body)
        elif body.strip():
            raise ImportFormatError(self.path, "end of file", _EXPECTED)

    def message(self, at: datetime, local: str, rest: str) -> MessagePosted | None:
        """The common case, kept short: a plain text message, else None."""
        name, sep, body = rest.partition(": ")
        if (
            not sep
            or len(name) > _NAME_LIMIT
            or body[-1:] in _ODD_ENDS
            or body[:1] == "\u200e"
            or "\n" in rest
            or '"' in name
            or "“" in name
            or "„" in name
            or "«" in name
            or "@\u2068" in body
            or body.endswith(("omitted", "weggelassen"))
        ):
            return None
        actor = self.actors.get(name) or self.actor(name)
        event_id = self.ids.next(local, name, body)
        return posted(
            FORMAT, self.group, event_id, at, actor, self.group_name, _TEXT, body, None, (), None
        )

    def other(self, at: datetime, local: str, rest: str) -> list[Event]:
        """Everything else: system lines, attachments, mentions, names that look odd."""
        name, sep, body = rest.partition(": ")
        if not sep or "\n" in name or _system_with_colon(name, rest):
            return self.system(at, local, rest)
        end = body.find("\n")
        kind = attachment_kind(body if end < 0 else body[:end]) or MessageKind.TEXT
        if body.startswith("\u200e") and kind is MessageKind.TEXT and not is_deleted_note(body):
            # iOS writes system lines as "<chat name>: \u200e<text>".
            return self.system(at, local, body[1:])
        mentions: tuple[Mention, ...] = ()
        if "@\u2068" in body:
            mentions = tuple(Mention(id=n, name=n) for n in dict.fromkeys(_MENTION.findall(body)))
        event_id = self.ids.next(local, name, body)
        actor = self.actor(name)
        return [
            posted(
                FORMAT,
                self.group,
                event_id,
                at,
                actor,
                self.group_name,
                kind,
                body,
                None,
                mentions,
                None,
            )
        ]

    def system(self, at: datetime, local: str, text: str) -> list[Event]:
        """Events for a system line; one line may name several members."""
        fact = parse_system(text)
        if fact is None:
            self.options.skip(skip_reason(text))
            return []
        base = self.ids.next(local, "", text)
        actor = self.actor(fact.actor) if fact.actor else None
        if fact.kind == "created":
            self.group_name = fact.new or fact.old or self.group_name
            return [GroupCreated(**self.common(base, at, actor))]
        if fact.kind == "subject":
            self.group_name = fact.new
            return [
                GroupRenamed(**self.common(base, at, actor), new_name=fact.new, old_name=fact.old)
            ]
        if fact.kind == "number":
            return [
                MemberRenamed(**self.common(base, at, actor), old_name=fact.old, new_name=fact.new)
            ]
        return [
            self.membership(fact, self.common(f"{base}.{i}" if i else base, at, actor), name)
            for i, name in enumerate(fact.members)
        ]

    def common(self, event_id: str, at: datetime, actor: Actor | None) -> _Common:
        return {
            "platform": FORMAT,
            "group": self.group,
            "event_id": event_id,
            "at": at,
            "actor": actor,
            "group_name": self.group_name,
        }

    def membership(self, fact: Fact, common: _Common, name: str) -> Event:
        member = self.actor(name)
        if fact.kind == "added":
            return MemberJoined(**common, member=member, how=JoinHow.ADDED, inviter=common["actor"])
        if fact.kind == "self_added":
            return MemberJoined(**common, member=member, how=JoinHow.ADDED)
        if fact.kind == "removed":
            return MemberLeft(**common, member=member, how=LeaveHow.REMOVED)
        common["actor"] = member
        if fact.kind == "link":
            return MemberJoined(**common, member=member, how=JoinHow.LINK)
        return MemberLeft(**common, member=member, how=LeaveHow.LEFT)


class _Common(TypedDict):
    platform: str
    group: str
    event_id: str
    at: datetime
    actor: Actor | None
    group_name: str


def _system_with_colon(name: str, rest: str) -> bool:
    """A system line with ': ' in it, which looks like ``name: body``.

    Only quoted group names hold ': ' in system lines, so quotes must be in the
    "name" and the line must state a creation or a new subject; an encryption
    notice never passes for a person either.
    """
    if "end-to-end" in name or "Ende-zu-Ende" in name:
        return True
    if not any(quote in name for quote in _QUOTES):
        return False
    fact = parse_system(rest)
    return fact is not None and fact.kind in ("created", "subject")
