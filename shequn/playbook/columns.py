"""Columns (栏目): when a slot falls, and what the bot says in it (pure; no I/O, no clock).

A column's schedule is a five-field cron expression read in the community's
time zone ("0 19 * * 3" is every Wednesday 19:00 local). Slots are found by
walking the cron expression over *naive local* times and only then giving each
its zone, so a daylight-saving change never moves a slot off its local hour:

- a local time that does not exist (the hour skipped in spring) is posted at the
  first instant after the gap (02:30 → 03:00 in New York), as cron does;
- a local time that happens twice (the hour repeated in autumn) is posted once,
  at its first occurrence.

The texts are built here so that the job handlers, the tests and the console
preview say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.utils.translation import gettext as _

#: A slot whose post was missed (the engine was down) is still posted this late; later, it is
#: skipped and the operators are told. A column's post belongs to its hour ("morning report"):
#: an hour late it still reads as today's, half a day late it would be noise.
LATE_GRACE = timedelta(hours=1)
#: The operators are warned this long before a slot that no queued text is left for.
DRY_WARNING = timedelta(days=1)
#: ...but not sooner than this after the slot was planned (a new column's queue is being filled).
DRY_GRACE = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)


class ScheduleError(ValueError):
    """A schedule or time zone that cannot be used, with what was expected."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ScheduleError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r} (expected e.g. Asia/Shanghai)") from None


def check_schedule(expression: str) -> str:
    """``expression`` normalised (single spaces); ScheduleError saying what is expected."""
    text = " ".join(expression.split())
    if len(text.split(" ")) != 5 or not croniter.is_valid(text):
        raise ScheduleError(
            f"{expression!r} is not a five-field cron schedule "
            "(minute hour day month weekday, e.g. '0 19 * * 3' for Wednesdays 19:00)"
        )
    return text


def _aware(naive: datetime, zone: ZoneInfo) -> datetime:
    """``naive`` local time in ``zone``; a time in a spring gap moves to the gap's end."""
    first = naive.replace(tzinfo=zone, fold=0)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back == naive:
        return first
    # Nonexistent: fold=0 read it with the offset before the gap, naming an instant
    # past the gap by as much as ``naive`` lies into it. Walk back to the gap's end,
    # the first valid local minute after it (gaps are at most a few hours).
    moment = first.astimezone(UTC)
    while (moment - MINUTE).astimezone(zone).replace(tzinfo=None) >= naive:
        moment -= MINUTE
    return moment


def next_slot(expression: str, zone_name: str, after: datetime) -> datetime:
    """The first slot of ``expression`` (local to ``zone_name``) strictly after ``after`` (UTC)."""
    zone = zone_of(zone_name)
    start = after.astimezone(zone).replace(tzinfo=None)
    walk = croniter(check_schedule(expression), start - timedelta(hours=3))
    for _step in range(10_000):
        candidate = _aware(walk.get_next(datetime), zone).astimezone(UTC)
        if candidate > after:
            return candidate
    raise ScheduleError(f"{expression!r} has no slot after {after:%Y-%m-%d %H:%M}")


def slots(expression: str, zone_name: str, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` slots after ``after`` (UTC), for previews and tests."""
    found: list[datetime] = []
    moment = after
    for _step in range(count):
        moment = next_slot(expression, zone_name, moment)
        found.append(moment)
    return found


def host_at(host_ids: list[int], sequence: int) -> int | None:
    """The host (Account id) of slot number ``sequence``: the rotation, round and round."""
    return host_ids[sequence % len(host_ids)] if host_ids else None


@dataclass(frozen=True)
class SummaryFigures:
    """What the summary of one post says: speakers, replies, messages and the top messages."""

    speakers: list[str]
    messages: int
    replies: int
    top: list[tuple[str, str, int]]  # (who, text, replies to it)


def post_text(name: str, body: str, host: str) -> str:
    """The column post: its title line, the queued text, the host announced."""
    lines = [f"【{name}】", body.strip()]
    if host:
        lines.append(_("Host of this session: %(host)s") % {"host": host})
    return "\n".join(lines)


def reminder_text(name: str, local_time: str, host: str) -> str:
    """The reminder before a slot; names (and so reminds) the host when there is one."""
    text = _("Coming up at %(time)s: 【%(name)s】.") % {"time": local_time, "name": name}
    if host:
        text += " " + _("@%(host)s, you host this session.") % {"host": host}
    return text


def summary_text(name: str, hours: int, figures: SummaryFigures) -> str:
    """The summary after a slot: who spoke, how many messages and replies, the top messages."""
    lines = [
        _("【%(name)s】 summary, %(hours)s hours after the post:") % {"name": name, "hours": hours},
        _("%(people)s people spoke, %(messages)s messages, %(replies)s replies.")
        % {"people": len(figures.speakers), "messages": figures.messages,
           "replies": figures.replies},
    ]  # fmt: skip
    if figures.speakers:
        lines.append(_("Who spoke: %(names)s") % {"names": "、".join(figures.speakers)})
    for who, text, replies in figures.top:
        short = text if len(text) <= 60 else text[:59] + "…"
        lines.append(f"· {who}: {short} ({replies})")
    return "\n".join(lines)


def dry_text(name: str, local_time: str) -> str:
    """The operators' warning that the queue is empty for the next slot."""
    return _(
        "Column 【%(name)s】 has no queued text left for its slot at %(time)s; "
        "add one in the console or the slot will be skipped."
    ) % {"name": name, "time": local_time}


def skipped_text(name: str, local_time: str, why: str) -> str:
    """The operators' notice that a slot was not posted, and why."""
    return _("Column 【%(name)s】: the slot at %(time)s was skipped (%(why)s).") % {
        "name": name,
        "time": local_time,
        "why": why,
    }
