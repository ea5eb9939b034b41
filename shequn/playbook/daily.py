"""Daily jobs at a wall-clock time in the community's zone (digest, leaderboard, sweeps, surveys).

One place says what "the next 22:00" is, so that every daily job moves with
daylight saving the same way, and one place plans a day's job only once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shequn.community.models import Group
from shequn.playbook.actions import enqueue
from shequn.playbook.models import Job


def next_daily(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first ``at`` o'clock in ``zone`` strictly after ``now`` (aware, in ``zone``)."""
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), at, tzinfo=zone)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return due


def clock(text: str) -> time:
    """``"HH:MM"`` (validated by the rule's config) as a time of day."""
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


def plan_day(kind: str, group: Group, due: datetime, day: date) -> Job:
    """The pending job of ``kind`` for ``day`` in ``group``: made if missing, never twice."""
    pending = Job.objects.filter(
        kind=kind, group=group, state=Job.State.PENDING, payload__day=day.isoformat()
    ).first()
    return pending or enqueue(kind, due, {"day": day.isoformat()}, group=group)
