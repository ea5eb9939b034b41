"""The group page: the health report, lurkers, newcomers waiting, joins and leaves.

Everything analytical comes from the group's report (``shequn.analytics.report``,
the same metrics as ``shequn report``): the report body, the lurker list (the
``lurkers`` metric of ``analytics/metrics/speakers.py``) and the newcomers still
waiting for a first answer (the ``newcomers`` metric's ``waiting`` evidence). The
report and the parts of the page built from it are cached.

Cache invalidation: the parts are keyed by the group's data version
(``overview.data_version``: messages version and membership counts) and the
language. A new message, a join or a leave gives a new version, so the next
request builds the parts afresh from a fresh report; old entries are never read
again and expire after ``overview.TIMEOUT``. Recent joins and leaves are read from
the Membership rows on every request (a small indexed query), so they are never
stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import QuerySet

from shequn.community.models import Group, Membership
from shequn.web.overview import TIMEOUT, cached_report, data_version

if TYPE_CHECKING:
    from shequn.analytics.report.build import Report

PARTS_PREFIX = "shequn:group-page:v1"
LURKERS_SHOWN = 50
RECENT_DAYS = 30  # a newcomer is recent when they joined this long before the last message
MOVES_SHOWN = 20


@dataclass(frozen=True)
class PersonLine:
    """A member named on the page, with the times that explain why."""

    person_id: int
    name: str
    days: float | None = None
    first: datetime | None = None
    second: datetime | None = None


@dataclass(frozen=True)
class Parts:
    """What the page shows from the report, in one language."""

    body: str  # the report's sections as HTML (escaped by the report's templates)
    lurkers: list[PersonLine]
    lurker_count: int
    member_count: int
    waiting: list[PersonLine]
    last_message_at: datetime | None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def lurker_lines(report: Report, limit: int = LURKERS_SHOWN) -> tuple[list[PersonLine], int, int]:
    """The longest-silent members (at most ``limit``), how many are silent, how many members."""
    result = report.results.get("lurkers")
    if result is None:
        return [], 0, 0
    rows = result.evidence.get("silent") or []
    lines = [
        PersonLine(
            person_id=int(r["person_id"]),
            name=str(r.get("name") or ""),
            days=r.get("silent_days"),
            first=_when(r.get("last_message_at")),
        )
        for r in rows[:limit]
    ]
    return lines, len(rows), int(result.value.get("members") or 0)


def waiting_lines(
    report: Report, recent: timedelta = timedelta(days=RECENT_DAYS)
) -> list[PersonLine]:
    """Newcomers who spoke and got no answer, having joined within ``recent`` of the last message.

    "Recent" is measured back from the group's last message rather than from now, so
    an imported history that ended a while ago still shows who was left waiting at
    its end.
    """
    newcomers = report.results.get("newcomers")
    lifecycle = report.results.get("lifecycle")
    last = _when(lifecycle.value.get("last_message_at")) if lifecycle is not None else None
    if newcomers is None or last is None:
        return []
    lines = []
    for row in newcomers.evidence.get("waiting") or []:
        joined = _when(row.get("joined_at"))
        if joined is None or joined < last - recent:
            continue
        lines.append(
            PersonLine(
                person_id=int(row["person_id"]),
                name=str(row.get("name") or ""),
                first=joined,
                second=_when(row.get("first_message_at")),
            )
        )
    return lines


def build_parts(group: Group, version: str, lang: str) -> Parts:
    """The page's report-derived parts, from the (cached) report."""
    from shequn.analytics.report.html import render_body

    report = cached_report(group, version)
    lurkers, silent, members = lurker_lines(report)
    lifecycle = report.results.get("lifecycle")
    return Parts(
        body=render_body(report, lang),
        lurkers=lurkers,
        lurker_count=silent,
        member_count=members,
        waiting=waiting_lines(report),
        last_message_at=_when(lifecycle.value.get("last_message_at")) if lifecycle else None,
    )


def page_parts(group: Group, lang: str) -> Parts | None:
    """The cached parts for ``group`` in ``lang``; None when the group has no messages."""
    version = data_version(group)
    if version is None:
        return None
    key = f"{PARTS_PREFIX}:{version}:{lang}"
    found = cache.get(key)
    if isinstance(found, Parts):
        return found
    parts = build_parts(group, version, lang)
    cache.set(key, parts, TIMEOUT)
    return parts


def recent_joins(group: Group, limit: int = MOVES_SHOWN) -> QuerySet[Membership]:
    """The latest stays that began with a known join, newest first, with their inviters."""
    return (
        Membership.objects.filter(group=group, joined_at__isnull=False)
        .select_related("account__person", "inviter__person")
        .order_by("-joined_at", "-pk")[:limit]
    )


def recent_leaves(group: Group, limit: int = MOVES_SHOWN) -> QuerySet[Membership]:
    """The latest stays that ended, newest first, with who removed them (if anyone)."""
    return (
        Membership.objects.filter(group=group, left_at__isnull=False)
        .select_related("account__person", "inviter__person", "removed_by__person")
        .order_by("-left_at", "-pk")[:limit]
    )


__all__ = ["Parts", "PersonLine", "page_parts", "recent_joins", "recent_leaves"]
