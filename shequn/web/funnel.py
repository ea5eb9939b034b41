"""The funnel page of a community (转化漏斗): free → trial → paid group, per cohort and breakdown.

Anyone with a role in the community reads it. The numbers are
``analytics.funnel``'s, the same the API (``/api/communities/{id}/funnel``) and
the report's funnel section give; the seeds (active, trusted members of the free
group never offered the paid one) link to their archive entries.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shequn.analytics.funnel import ACTIVITY, WITHIN_DAYS, Funnel, SeedRules
from shequn.analytics.funnel_load import community_funnel
from shequn.community.models import Community, Group, GroupKind, Tier
from shequn.community.permissions import visible_communities

FUNNEL_KINDS = (GroupKind.FREE, GroupKind.TRIAL, GroupKind.PAID)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows with each ``*_rate`` also as a percentage (``<name>_pct``)."""
    return [
        {**r, **{f"{k[:-5]}_pct": _percent(v) for k, v in r.items() if k.endswith("_rate")}}
        for r in records
    ]


def funnel_tables(result: Funnel) -> dict[str, Any]:
    """The funnel as the page's template reads it."""
    data = result.as_dict()
    tiers = dict(Tier.choices)
    by_tier = [{**r, "label": tiers.get(r["tier"], "")} for r in _rows(data["by_tier"])]
    return {
        "totals": data["totals"],
        "cohorts": _rows(data["cohorts"]),
        "by_tier": by_tier,
        "by_activity": _rows(data["by_activity"]),
        "by_inviter": _rows(data["by_inviter"]),
        "by_time": _rows(data["by_time"]),
        "seeds": [{**s, "tier_label": tiers.get(s["tier"], "")} for s in data["seeds"]],
    }


@login_required
@require_GET
def funnel_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's funnel as of now, with the groups it runs through."""
    community: Community = get_object_or_404(visible_communities(request.user), pk=community_id)
    groups = Group.objects.filter(community=community, kind__in=FUNNEL_KINDS).order_by("kind")
    has_free = groups.filter(kind=GroupKind.FREE).exists()
    rules = SeedRules()
    context: dict[str, Any] = {
        "community": community,
        "groups": groups,
        "has_free": has_free,
        "rules": rules,
        "bands": [label for label, _ in ACTIVITY],
        "within": WITHIN_DAYS,
    }
    if has_free:
        context |= funnel_tables(community_funnel(community.pk, timezone.now(), rules))
    return render(request, "web/funnel.html", context)
