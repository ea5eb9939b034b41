"""Read-only figures for pages, computed in the database, not row by row.

The overview runs on every home page load, so its figures for all groups come in a
fixed number of queries whatever the number of groups, each answered from an index:
a group's latest message time through ``(group, at)`` as one correlated ``LIMIT 1``
per group, and its messages version (the cache version, raised by ingest) off the row.
Counting a group's messages walks all of them (hundreds of milliseconds at a million),
so that count is kept with the cached summary instead (``overview.Summary.messages``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery

from shequn.chat.models import Message
from shequn.community.models import AuditLog, Community, Group, Membership


@dataclass(frozen=True)
class GroupRow:
    community_id: int
    group: Group
    members: int
    last_message_at: datetime | None
    version: str | None  # the group's data version (see ``data_version``); None: no messages


def format_version(group_id: int, messages: int, rows: int, current: int) -> str | None:
    """``<group id>:<messages version>:<stays>:<current stays>``; None with no messages."""
    return None if not messages else f"{group_id}:{messages}:{rows}:{current}"


def _stay_counts(group_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per group: (stay rows, open stays, distinct accounts with an open stay)."""
    rows = (
        Membership.objects.filter(group_id__in=group_ids)
        .values("group_id")
        .annotate(
            rows=Count("id"),
            current=Count("id", filter=Q(left_how="")),
            accounts=Count("account_id", distinct=True, filter=Q(left_how="")),
        )
        .values_list("group_id", "rows", "current", "accounts")
    )
    return {gid: (n, current, accounts) for gid, n, current, accounts in rows}


def messages_version(group_id: int) -> int:
    """The group's messages version as stored now (0: no messages ever stored)."""
    found = Group.objects.filter(pk=group_id).values_list("messages_version", flat=True)
    return next(iter(found), 0)


def data_version(group: Group) -> str | None:
    """The group's data version: it changes with every new message, join and leave.

    Every cache key of a group's report and pages is built from it (see
    ``shequn.web.overview`` for what invalidates what).
    """
    latest = messages_version(group.pk)
    if not latest:
        return None
    rows, current, _ = _stay_counts([group.pk]).get(group.pk, (0, 0, 0))
    return format_version(group.pk, latest, rows, current)


def archive_version(community: Community) -> str:
    """A digest that changes with any message, join, leave or audited edit in the community.

    Every group's data version plus the community's latest audit row: every change
    to a member's archive (fields, tags, merges, imports) is audited, so a new audit
    id stands for any of them. Costs three small indexed queries.
    """
    latest = dict(Group.objects.filter(community=community).values_list("pk", "messages_version"))
    stays = _stay_counts(list(latest))
    audit = AuditLog.objects.filter(community=community).order_by("-id").values_list("id")[:1]
    parts = [f"{g}:{latest[g]}:{stays.get(g, (0, 0, 0))[:2]}" for g in sorted(latest)]
    parts.append(f"audit:{next(iter(audit), (None,))[0]}")
    return hashlib.sha1(";".join(parts).encode(), usedforsecurity=False).hexdigest()


def group_rows(communities: list[Community]) -> list[GroupRow]:
    """Each group of these communities with members now, last message time and data version."""
    newest = Message.objects.filter(group_id=OuterRef("pk")).order_by()
    groups = list(
        Group.objects.filter(community__in=communities)
        .annotate(
            latest_at=Subquery(newest.order_by("-at").values("at")[:1]),
        )
        .order_by("name")
    )
    stays = _stay_counts([g.pk for g in groups])
    rows = []
    for g in groups:
        n, current, accounts = stays.get(g.pk, (0, 0, 0))
        rows.append(
            GroupRow(
                community_id=g.community_id,
                group=g,
                members=accounts,
                last_message_at=g.latest_at,
                version=format_version(g.pk, g.messages_version, n, current),
            )
        )
    return rows


__all__ = [
    "GroupRow",
    "archive_version",
    "data_version",
    "format_version",
    "group_rows",
    "messages_version",
]
