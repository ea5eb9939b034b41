"""The funnel API: a community's free → trial → paid funnel, the numbers of its console page.

Mounted on the shared NinjaAPI (``shequn.web.api``): the same bearer token and
404 convention; any role in the community reads. ``at`` (UTC, default now)
draws the funnel as of that moment. Rates are shares (0..1), null when nobody
was counted; a community without a free group has an empty funnel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from shequn.analytics.funnel_load import community_funnel
from shequn.community.permissions import visible_communities

router = Router(tags=["growth"])


class FunnelOut(Schema):
    """The funnel's tables as rows (see ``shequn.analytics.funnel``)."""

    totals: dict[str, Any]
    cohorts: list[dict[str, Any]]
    by_tier: list[dict[str, Any]]
    by_activity: list[dict[str, Any]]
    by_inviter: list[dict[str, Any]]
    by_time: list[dict[str, Any]]
    seeds: list[dict[str, Any]]


@router.get("/communities/{community_id}/funnel", response=FunnelOut)
def community_funnel_api(
    request: HttpRequest, community_id: int, at: datetime | None = None
) -> dict[str, Any]:
    """The community's funnel per cohort, by tier, activity, inviter and time; its seeds."""
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    community = get_object_or_404(visible_communities(user), pk=community_id)
    return community_funnel(community.pk, at or timezone.now()).as_dict()
