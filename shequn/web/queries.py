"""Read-only figures for pages, computed in the database, not row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max

from shequn.chat.models import Message
from shequn.community.models import Community, Group, Membership


@dataclass(frozen=True)
class GroupRow:
    community_id: int
    group: Group
    members: int
    messages: int
    last_message_at: datetime | None


def group_rows(communities: list[Community]) -> list[GroupRow]:
    """Each group of these communities with members now and messages stored."""
    groups = list(Group.objects.filter(community__in=communities).order_by("name"))
    ids = [g.pk for g in groups]
    members = dict(
        Membership.objects.filter(group_id__in=ids, left_how="")
        .values("group_id")
        .annotate(n=Count("account_id", distinct=True))
        .values_list("group_id", "n")
    )
    volume = {
        gid: (n, last)
        for gid, n, last in Message.objects.filter(group_id__in=ids)
        .values("group_id")
        .annotate(n=Count("id"), last=Max("at"))
        .values_list("group_id", "n", "last")
    }
    return [
        GroupRow(
            community_id=g.community_id,
            group=g,
            members=members.get(g.pk, 0),
            messages=volume.get(g.pk, (0, None))[0],
            last_message_at=volume.get(g.pk, (0, None))[1],
        )
        for g in groups
    ]


__all__ = ["GroupRow", "group_rows"]
