"""Dashboard pages. Views read through permissions and queries; writes go through actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from shequn.community.permissions import visible_communities, visible_groups
from shequn.web.queries import group_rows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every community the user may see, with its groups' real sizes and volumes."""
    communities = list(visible_communities(request.user).order_by("name"))
    rows = group_rows(communities)
    sections = [(c, [r for r in rows if r.community_id == c.pk]) for c in communities]
    return render(request, "web/home.html", {"sections": sections})


@login_required
def group_report(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's health report, the same one `shequn report` writes."""
    from shequn.analytics.report.build import report_for_group
    from shequn.analytics.report.html import render as render_report

    group = get_object_or_404(visible_groups(request.user), pk=group_id)
    lang = "en" if (get_language() or "").startswith("en") else "zh-hans"
    report = report_for_group(group.pk, None, None)
    return HttpResponse(render_report(report, lang))
