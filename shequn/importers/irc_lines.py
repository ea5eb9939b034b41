"""The line shapes of IRC client logs (irssi and its #ubuntu variant, weechat, ZNC).

:func:`classify` turns one line into a :class:`Line`: its clock time and date
when it has them, and what it says (``say``, ``act``, ``join``, ``leave``,
``kick``, ``rename``, ``date``, ``skip``). It knows nothing of events; see
:mod:`shequn.importers.irc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

_WEECHAT = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\t([^\t]*)\t(.*)")
_TIMED = re.compile(r"\[?(\d\d):(\d\d)(?::(\d\d))?\]? (.*)")
_DATE_MARK = re.compile(
    r"--- (?:Log opened|Day changed) \w{3} (\w{3}) (\d{1,2}) (?:\d\d:\d\d:\d\d )?(\d{4})"
)

_SAY = re.compile(r"<([^>]+)> ?(.*)")
_ACT = re.compile(r"\s*\* (\S+) ?(.*)")
_NOTICE = re.compile(r"-([^\s:]+):(#\S+)- ?(.*)")
# (kind, pattern); named groups: nick, other (channel, new nick or kicker), text.
_EVENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        # irssi "-!-" and the #ubuntu logs' "===" (host may hold brackets, nick a space)
        ("join", r"(?:-!-|===) (?P<nick>.+?) \[.*\]\s+has joined (?P<other>\S+)"),
        ("leave", r"(?:-!-|===) (?P<nick>.+?) \[.*\]\s+has (?:left|quit)(?: (?P<other>#\S+))?.*"),
        ("rename", r"(?:-!-|===) (?P<nick>\S+) is now known as (?P<other>\S+)"),
        ("kick", r"-!- (?P<nick>\S+) was kicked from \S+ by (?P<other>\S+).*"),
        ("kick", r"=== (?P<nick>\S+) was kicked off \S+ by (?P<other>\S+).*"),
        ("skip", r"(?:-!-|===) (?:mode/|\S+ changed the topic|\.\.\[topic/|Irssi:|ServerMode).*"),
        # ZNC "***"
        ("join", r"\*\*\* Joins: (?P<nick>\S+) \(.*\)"),
        ("leave", r"\*\*\* (?:Quits|Parts): (?P<nick>\S+) \(.*"),
        ("rename", r"\*\*\* (?P<nick>\S+) is now known as (?P<other>\S+)"),
        ("kick", r"\*\*\* (?P<nick>\S+) was kicked by (?P<other>\S+).*"),
        ("skip", r"\*\*\* .*"),
        ("skip", r"-!- .*"),
        # old #ubuntu logs write /me actions as "=== nick does something"
        ("act", r"=== (?P<nick>\S+) (?P<text>.+)"),
    )
)
_WEECHAT_EVENTS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "-->": (("join", re.compile(r"(?P<nick>\S+) \(.*\) has joined (?P<other>\S+)")),),
    "<--": (
        ("leave", re.compile(r"(?P<nick>\S+) \(.*\) has (?:left|quit).*")),
        ("kick", re.compile(r"(?P<other>\S+) has kicked (?P<nick>\S+).*")),
    ),
    "--": (("rename", re.compile(r"(?P<nick>\S+) is now known as (?P<other>\S+)")),),
}
_MODE_CHARS = "@+%&~! "


@dataclass(frozen=True, slots=True)
class Line:
    """One classified log line; ``clock``/``day`` only when the line carries them."""

    kind: str
    nick: str = ""
    other: str = ""
    text: str = ""
    clock: time | None = None
    day: date | None = None


def classify(line: str) -> Line | None:
    """What one line says, or None when it is no IRC log line we know."""
    match = _WEECHAT.match(line)
    if match is not None:
        y, mo, d, h, mi, s, prefix, text = match.groups()
        found = _weechat(prefix, text)
        if found is None:
            return None
        day = make_date(y, mo, d)
        return None if day is None else _with_time(found, int(h), int(mi), int(s), day)
    match = _TIMED.match(line)
    if match is not None:
        h, mi, s, rest = match.groups()
        found = _body(rest)
        return None if found is None else _with_time(found, int(h), int(mi), int(s or 0))
    if line.startswith("---"):
        return _marker(line)
    if line.startswith("==="):
        return _event(line)
    return None


def _with_time(line: Line, h: int, mi: int, s: int, day: date | None = None) -> Line | None:
    if h > 23 or mi > 59 or s > 59:
        return None
    return Line(line.kind, line.nick, line.other, line.text, time(h, mi, s), day or line.day)


def _body(rest: str) -> Line | None:
    """The part of an irssi/ZNC line after its time."""
    first = rest[:1]
    if first == "<":
        match = _SAY.fullmatch(rest)
        if match is not None:
            return Line("say", match[1].strip(_MODE_CHARS), text=match[2])
    if first == "-" and not rest.startswith("-!-"):
        match = _NOTICE.fullmatch(rest)
        if match is not None:
            return Line("say", match[1], match[2], match[3])
        return Line("skip", "notice")
    if rest.lstrip().startswith("* "):
        match = _ACT.fullmatch(rest)
        if match is not None:
            return Line("act", match[1].strip(_MODE_CHARS), text=match[2])
    return _event(rest)


def _event(text: str) -> Line | None:
    for kind, pattern in _EVENTS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _from_match(kind, match, "mode, topic or server line")
    return None


def _from_match(kind: str, match: re.Match[str], skip_reason: str) -> Line:
    if kind == "skip":
        return Line("skip", skip_reason)
    groups = match.groupdict()
    return Line(
        kind,
        (groups.get("nick") or "").strip(_MODE_CHARS),
        groups.get("other") or "",
        groups.get("text") or "",
    )


def _weechat(prefix: str, text: str) -> Line | None:
    patterns = _WEECHAT_EVENTS.get(prefix)
    if patterns is not None:
        for kind, pattern in patterns:
            match = pattern.fullmatch(text)
            if match is not None:
                return _from_match(kind, match, "")
        return Line("skip", "mode, topic or server line")
    if prefix.strip() == "*":
        nick, _, action = text.partition(" ")
        return Line("act", nick.strip(_MODE_CHARS), text=action)
    if prefix in ("", "=!=", " ") or prefix.startswith("-"):
        return Line("skip", "server line")
    return Line("say", prefix.strip(_MODE_CHARS), text=text)


def _marker(line: str) -> Line:
    match = _DATE_MARK.match(line)
    day = make_date(match[3], str(_MONTHS.get(match[1], 0)), match[2]) if match else None
    return Line("skip", "log marker") if day is None else Line("date", day=day)


def make_date(year: str, month: str, day: str) -> date | None:
    """The date, or None when it is impossible or outside the years logs can have."""
    if not 1970 <= int(year) <= 2999:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
