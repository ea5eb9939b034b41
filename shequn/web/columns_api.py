"""The columns API: a group's columns with their next slot, queue length and turnout.

Mounted on the shared NinjaAPI (``shequn.web.api``), so the bearer token and the
404 convention are the same: any role in the community reads; outsiders get 404.
Times are UTC (ISO 8601); ``zone`` is the community's zone the schedule is read in.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from shequn.community.permissions import visible_groups
from shequn.playbook.columns_summary import engagement
from shequn.playbook.models import Column, ColumnPost

router = Router(tags=["columns"])


class TurnoutOut(Schema):
    slot_at: datetime
    posted_at: datetime
    speakers: int
    messages: int


class ColumnOut(Schema):
    id: int
    name: str
    schedule: str
    zone: str
    enabled: bool
    next_slot: datetime | None
    queued: int
    window_hours: int
    turnout: list[TurnoutOut]


@router.get("/groups/{group_id}/columns", response=list[ColumnOut])
def list_columns(request: HttpRequest, group_id: int) -> list[ColumnOut]:
    """The group's columns, by name, each with its turnout after its latest posts."""
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    group = get_object_or_404(visible_groups(user), pk=group_id)
    out = []
    for column in Column.objects.filter(group=group).select_related("group__community"):
        pending = column.posts.filter(status=ColumnPost.Status.PENDING).order_by("slot_at").first()
        out.append(
            ColumnOut(
                id=column.pk, name=column.name, schedule=column.schedule,
                zone=group.community.time_zone, enabled=column.enabled,
                next_slot=pending.slot_at if pending else None,
                queued=column.items.filter(used_at__isnull=True).count(),
                window_hours=column.window_hours,
                turnout=[TurnoutOut(**vars(t)) for t in engagement(column)],
            )
        )  # fmt: skip
    return sorted(out, key=lambda c: c.name)
