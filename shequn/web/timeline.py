"""A member's activity timeline for the profile: messages per week, stays, staff actions.

Kept cheap and bounded whatever the history: the weekly counts are one
aggregate query over the ``(group, sender, at)`` index covering the
``WEEKS`` weeks up to the member's latest message (so an old import still
shows its activity); joins and leaves come from the stays the profile already
reads; staff actions are the latest ``STAFF_ACTIONS`` audit rows naming the
member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from shequn.chat.models import Message
from shequn.community.models import AuditLog, Membership, Person

WEEKS = 26
STAFF_ACTIONS = 30
BAR_WIDTH = 10
BAR_GAP = 2
CHART_HEIGHT = 40


@dataclass(frozen=True)
class WeekBar:
    """One week's bar of the sparkline (SVG coordinates computed here, not in the page)."""

    start: date
    count: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class Sparkline:
    bars: list[WeekBar]
    total: int
    peak: int
    width: int
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    @property
    def first_week(self) -> date:
        return self.bars[0].start

    @property
    def last_week(self) -> date:
        return self.bars[-1].start


@dataclass(frozen=True)
class TimelineEvent:
    """A dated line of the timeline: a join, a leave or a staff action."""

    at: datetime
    kind: str  # "joined" | "left" | "staff"
    label: str
    group_name: str = ""
    entry: AuditLog | None = None


def _week_start(moment: datetime, zone: ZoneInfo) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def _day(value: datetime | date, zone: ZoneInfo) -> date:
    """A truncated week as its first day (the database returns a datetime)."""
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def weekly_messages(person: Person, weeks: int = WEEKS) -> Sparkline | None:
    """Messages per week (Monday-based, community zone) up to the latest; None if silent."""
    zone = ZoneInfo(person.community.time_zone)
    group_ids = list(person.community.groups.order_by().values_list("pk", flat=True))
    account_ids = list(person.accounts.order_by().values_list("pk", flat=True))
    said = Message.objects.filter(group_id__in=group_ids, sender_id__in=account_ids).order_by()
    last = said.aggregate(last=Max("at"))["last"]
    if last is None:
        return None
    first_week = _week_start(last, zone) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first_week, time.min, tzinfo=zone)
    rows = (
        said.filter(at__gte=since)
        .annotate(week=TruncWeek("at", tzinfo=zone))
        .values("week")
        .annotate(n=Count("id"))
    )
    counts = {_day(row["week"], zone): row["n"] for row in rows}
    return _sparkline([(first_week + timedelta(weeks=i)) for i in range(weeks)], counts)


def _sparkline(starts: list[date], counts: dict[date, int]) -> Sparkline:
    peak = max(counts.values(), default=0)
    bars = []
    for i, start in enumerate(starts):
        n = counts.get(start, 0)
        height = round(CHART_HEIGHT * n / peak) if peak else 0
        height = max(height, 1) if n else 0
        x = i * (BAR_WIDTH + BAR_GAP)
        bars.append(WeekBar(start, n, x, CHART_HEIGHT - height, height))
    width = len(starts) * (BAR_WIDTH + BAR_GAP)
    return Sparkline(bars, sum(counts.get(s, 0) for s in starts), peak, width)


def _stay_events(stays: Iterable[Membership]) -> list[TimelineEvent]:
    events = []
    for stay in stays:
        joined = stay.joined_at or stay.first_seen_at
        if joined is not None:
            label = _("joined") if stay.joined_at else _("first seen")
            events.append(TimelineEvent(joined, "joined", label, stay.group.name))
        if stay.left_how and stay.left_at is not None:
            events.append(
                TimelineEvent(stay.left_at, "left", stay.get_left_how_display(), stay.group.name)
            )
    return events


def timeline_events(person: Person, stays: Iterable[Membership]) -> list[TimelineEvent]:
    """Joins, leaves and the latest staff actions on the person, newest first."""
    entries = (
        AuditLog.objects.filter(person=person)
        .select_related("user")
        .order_by("-at", "-pk")[:STAFF_ACTIONS]
    )
    staff = [TimelineEvent(e.at, "staff", e.action, entry=e) for e in entries]
    return sorted([*_stay_events(stays), *staff], key=lambda e: e.at, reverse=True)
