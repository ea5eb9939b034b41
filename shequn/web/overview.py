"""The home page's overview: each group's health in one line, cached per group.

A report is expensive (it loads the group's history and runs every stat), so the
report itself and the few figures the overview shows (a ``Summary``, which also
keeps the group's message count: counting a million messages costs more than the
rest of the page) are kept in Django's cache; the group page reuses the same
cached report.

Cache invalidation: every key is built from the group's *data version*
(``queries.data_version``): its id, its messages version (raised by every ingest
that stores messages) and its membership counts (all rows and those not left). A new
message raises the version; a join adds a membership row and a leave marks one as
left, so each changes a count. Any of these gives a new key, the next request
computes afresh, and the old entry is never read again (it expires after
``TIMEOUT``). The timeout also bounds how stale a verdict that depends on time alone
(a group going quiet) can get. Edits that change no message or membership (a tier, a
tag, a group's kind) show after the timeout. The overview reads every group's
version in three queries (``queries.group_rows``) and every summary in one cache
read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from shequn.chat.models import Message
from shequn.community.models import Group
from shequn.web.queries import GroupRow, data_version

if TYPE_CHECKING:
    from shequn.analytics.report.build import Report

log = logging.getLogger(__name__)

TIMEOUT = 60 * 60  # seconds; a new message, join or leave invalidates sooner
KEY_PREFIX = "shequn:overview:v2"
REPORT_PREFIX = "shequn:report:v1"

BAND_LABELS: dict[str, Promise] = {
    "small": pgettext_lazy("size band", "Small"),
    "medium": pgettext_lazy("size band", "Medium"),
    "large": pgettext_lazy("size band", "Large"),
    "crowd": pgettext_lazy("size band", "Very large"),
}
LIGHT_RANK = {"red": 0, "amber": 1, "green": 2}
SORTS = ("attention", "members", "messages", "active", "name")


@dataclass(frozen=True)
class Summary:
    """What the overview shows of a group's report; ``verdict`` is None with no messages."""

    verdict: str | None = None
    code: str | None = None  # the top finding's code, None when there is none
    severity: str | None = None
    titles: dict[str, str] = field(default_factory=dict)  # {"zh-hans": …, "en": …}
    band: str | None = None
    active_share: float | None = None
    messages: int = 0  # stored messages at this version

    def title(self, lang: str) -> str:
        """The top finding's title in ``lang``, falling back to Chinese ('' when none)."""
        return self.titles.get(lang) or self.titles.get("zh-hans", "")


def cache_key(group: Group) -> str | None:
    """The summary's cache key, or None when the group has no messages (nothing to cache)."""
    version = data_version(group)
    return None if version is None else f"{KEY_PREFIX}:{version}"


def cached_report(group: Group, version: str) -> Report:
    """The group's report over its whole history up to now, from the cache or computed.

    ``version`` is the group's ``data_version``, so that a caller who already has it
    does not ask the database again.
    """
    from shequn.analytics.report import build

    key = f"{REPORT_PREFIX}:{version}"
    found = cache.get(key)
    if isinstance(found, build.Report):
        return found
    report = build.report_for_group(group.pk, None, None)
    cache.set(key, report, TIMEOUT)
    return report


def compute_summary(group: Group, version: str) -> Summary:
    """Run (or reuse) the group's report and keep what the overview shows."""
    report = cached_report(group, version)
    top = report.findings[0] if report.findings else None
    size = report.results.get("size")
    activity = report.results.get("activity")
    share = activity.value.get("active_share") if activity is not None else None
    return Summary(
        verdict=report.verdict,
        code=top.code if top else None,
        severity=top.severity if top else None,
        titles=dict(top.title) if top else {},
        band=size.value.get("band") if size is not None else None,
        active_share=float(share) if share is not None else None,
        messages=Message.objects.filter(group=group).count(),
    )


def group_summary(group: Group, version: str | None = None) -> Summary:
    """The group's summary from the cache, computed and stored on a miss.

    ``version`` is the group's data version when the caller has it already.
    """
    version = version or data_version(group)
    if version is None:
        return Summary()
    found = cache.get(f"{KEY_PREFIX}:{version}")
    return found if isinstance(found, Summary) else _summarise(group, version)


def _summarise(group: Group, version: str) -> Summary:
    """Compute the summary and cache it; an empty one (not cached) when the report fails."""
    try:
        summary = compute_summary(group, version)
    except Exception:  # one group's failing report must not take the whole overview down
        log.exception("health summary of group %s failed", group.pk)
        return Summary(messages=Message.objects.filter(group=group).count())
    cache.set(f"{KEY_PREFIX}:{version}", summary, TIMEOUT)
    return summary


def summaries(rows: list[GroupRow]) -> list[Summary]:
    """Each row's summary: all cached ones in one read, the missing ones computed."""
    keys = {r.version: f"{KEY_PREFIX}:{r.version}" for r in rows if r.version}
    found = cache.get_many(list(keys.values()))
    result = []
    for r in rows:
        hit = found.get(keys[r.version]) if r.version else None
        if r.version is None:
            result.append(Summary())
        elif isinstance(hit, Summary):
            result.append(hit)
        else:
            result.append(_summarise(r.group, r.version))
    return result


@dataclass(frozen=True)
class OverviewRow:
    """A group's line on the home page: its figures and its cached summary."""

    row: GroupRow
    summary: Summary
    lang: str

    @property
    def group(self) -> Group:
        return self.row.group

    @property
    def light(self) -> str | None:
        return self.summary.verdict

    @property
    def title(self) -> str:
        return self.summary.title(self.lang)

    @property
    def messages(self) -> int:
        return self.summary.messages

    @property
    def band_label(self) -> Any:
        return BAND_LABELS.get(self.summary.band or "", "")

    @property
    def active_percent(self) -> int | None:
        share = self.summary.active_share
        return None if share is None else round(share * 100)


def _last_without_messages(key: Callable[[OverviewRow], Any]) -> Callable[[OverviewRow], Any]:
    return lambda r: (r.summary.verdict is None, key(r))


SORT_KEYS: dict[str, Callable[[OverviewRow], Any]] = {
    "attention": _last_without_messages(
        lambda r: (LIGHT_RANK.get(r.light or "", 3), -r.row.members, r.group.name)
    ),
    "members": _last_without_messages(lambda r: (-r.row.members, r.group.name)),
    "messages": _last_without_messages(lambda r: (-r.messages, r.group.name)),
    "active": _last_without_messages(
        lambda r: (r.summary.active_share is None, -(r.summary.active_share or 0), r.group.name)
    ),
    "name": _last_without_messages(lambda r: (r.group.name, r.group.pk)),
}


def sort_name(value: str | None) -> str:
    """The sort asked for, or the default (attention) when unknown."""
    return value if value in SORT_KEYS else "attention"


def overview_rows(rows: list[GroupRow], sort: str, lang: str) -> list[OverviewRow]:
    """``rows`` with their summaries, ordered by ``sort`` (groups with no messages last)."""
    lines = [OverviewRow(r, s, lang) for r, s in zip(rows, summaries(rows), strict=True)]
    return sorted(lines, key=SORT_KEYS[sort_name(sort)])


__all__ = [
    "SORTS",
    "OverviewRow",
    "Summary",
    "cache_key",
    "cached_report",
    "data_version",
    "group_summary",
    "overview_rows",
    "sort_name",
    "summaries",
]
