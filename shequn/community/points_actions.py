"""Writes to the points ledger (积分), audited: award with a daily cap, take back.

Every line names its source (the event that earned it): the ledger's unique
constraint on (person, rule, source) makes a repeated or replayed event a no-op.
The daily cap (WeTool's 每日积分上限) bounds the positive points one person earns
in one community day, whatever earned them; taking back is never capped.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from shequn.community.actions import audit
from shequn.community.models import Group, Person, PointsEntry


def day_bounds(at: datetime, zone: str) -> tuple[datetime, datetime]:
    """The community day holding ``at``: its start and the next day's start (aware)."""
    tz = ZoneInfo(zone)
    day = at.astimezone(tz).date()
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start, end


def earned_on_day(person: Person, at: datetime, zone: str) -> int:
    """Positive points ``person`` earned in the community day holding ``at``."""
    start, end = day_bounds(at, zone)
    total = PointsEntry.objects.filter(
        person=person, created_at__gte=start, created_at__lt=end, points__gt=0
    ).aggregate(total=Sum("points"))["total"]
    return int(total or 0)


def balance(person: Person) -> int:
    """The person's points: everything earned less everything taken back."""
    total = PointsEntry.objects.filter(person=person).aggregate(total=Sum("points"))["total"]
    return int(total or 0)


def award(
    person: Person,
    points: int,
    *,
    rule: str,
    source: str,
    reason: str = "",
    group: Group | None = None,
    cap: int | None = None,
    zone: str = "UTC",
    at: datetime | None = None,
) -> PointsEntry | None:
    """Add ``points`` for ``source`` (at most ``cap`` a day); None when already counted.

    A capped award is still written (perhaps with 0 points), so that the same
    source never earns later, once the day has room again.
    """
    if not source:
        raise ValueError("an award needs a source (the event that earned it)")
    if PointsEntry.objects.filter(person=person, rule=rule, source=source).exists():
        return None
    at = at or timezone.now()
    asked = points
    if cap is not None and points > 0:
        points = max(min(points, cap - earned_on_day(person, at, zone)), 0)
    return _write(
        person, points, asked, rule=rule, source=source, reason=reason, group=group, at=at
    )


def take_back(
    person: Person,
    *,
    rule: str,
    source: str,
    earlier: str,
    reason: str = "",
    group: Group | None = None,
    at: datetime | None = None,
) -> PointsEntry | None:
    """Reverse the award of ``earlier`` (its points, negated) under ``source``.

    None when there is nothing to take back (``earlier`` never earned points)
    or it was already taken back.
    """
    given = PointsEntry.objects.filter(person=person, rule=rule, source=earlier).first()
    if given is None or given.points <= 0:
        return None
    if PointsEntry.objects.filter(person=person, rule=rule, source=source).exists():
        return None
    points = -given.points
    at = at or timezone.now()
    return _write(
        person, points, points, rule=rule, source=source, reason=reason, group=group, at=at
    )


def _write(
    person: Person,
    points: int,
    asked: int,
    *,
    rule: str,
    source: str,
    reason: str,
    group: Group | None,
    at: datetime,
) -> PointsEntry | None:
    """One ledger line and its audit entry, together; None when a racing writer won."""
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                community_id=person.community_id, person=person, group=group, points=points,
                reason=reason[:255], rule=rule, source=source[:255], created_at=at,
            )  # fmt: skip
            details = {"points": points, "asked": asked, "source": source}
            audit(
                person.community, "points", rule=rule, group=group, person=person,
                target=str(person.number), reason=reason, details=details,
            )  # fmt: skip
    except IntegrityError:  # the same source, written meanwhile by another worker
        return None
    return entry
