"""Dashboard pages. Views read through permissions and queries; writes go through actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from shequn.community.permissions import visible_communities, visible_groups
from shequn.web.overview import SORTS, overview_rows, sort_name
from shequn.web.queries import group_rows


def report_language() -> str:
    """The language reports and findings speak: English when asked for, else Chinese."""
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every community the user may see, its groups' sizes, volumes and health.

    Groups needing attention come first (red, amber, green, then those with no
    messages); ``?sort=`` picks another order (members, messages, active, name).
    """
    communities = list(visible_communities(request.user).order_by("name"))
    rows = group_rows(communities)
    sort = sort_name(request.GET.get("sort"))
    lines = overview_rows(rows, sort, report_language())
    sections = [(c, [r for r in lines if r.row.community_id == c.pk]) for c in communities]
    context = {"sections": sections, "sort": sort, "sorts": SORTS}
    return render(request, "web/home.html", context)


@login_required
def group_report(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's health report, the same one `shequn report` writes."""
    from shequn.analytics.report.build import report_for_group
    from shequn.analytics.report.html import render as render_report

    group = get_object_or_404(visible_groups(request.user), pk=group_id)
    report = report_for_group(group.pk, None, None)
    return HttpResponse(render_report(report, report_language()))
