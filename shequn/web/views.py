"""Dashboard pages. Views read through permissions and queries; writes go through actions."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from shequn.community.models import Community
from shequn.community.permissions import can, visible_communities, visible_groups
from shequn.web import group_page, plotly_static
from shequn.web.messages import page_of, parse_filters
from shequn.web.overview import SORTS, cached_report, data_version, overview_rows, sort_name
from shequn.web.queries import group_rows

log = logging.getLogger(__name__)


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
    owned = {c.pk for c in communities if can(request.user, "invite_staff", c)}
    context = {"sections": sections, "sort": sort, "sorts": SORTS, "owned": owned}
    return render(request, "web/home.html", context)


def chart_assets() -> dict[str, str]:
    """Static URLs of the report's stylesheet, plotly (the installed package's) and chart script."""
    return {
        "css": static("report/report.css"),
        "plotly": static(plotly_static.static_path()),
        "charts": static("report/charts.js"),
    }


@login_required
@require_GET
def group_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group page: its health report, lurkers, newcomers waiting, joins and leaves."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    failed = False
    try:
        parts = group_page.page_parts(group, report_language())
    except Exception:  # the rest of the page (joins, leaves, links) is still worth showing
        log.exception("group page report of group %s failed", group.pk)
        parts, failed = None, True
    context = {
        "group": group,
        "community": group.community,
        "parts": parts,
        "report_failed": failed,
        # The report's own templates escaped every text from chats in it.
        "report_body": mark_safe(parts.body) if parts else "",
        "joins": group_page.recent_joins(group),
        "leaves": group_page.recent_leaves(group),
        "assets": chart_assets(),
        "recent_days": group_page.RECENT_DAYS,
    }
    return render(request, "web/group.html", context)


@login_required
@require_GET
def group_messages(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's message history, newest first, searchable by text and sender.

    An htmx request from the filter form or the pager gets the list alone, swapped
    in place.
    """
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    filters = parse_filters(request.GET.dict())
    page = page_of(group, filters, request.GET.get("before"), request.GET.get("after"))
    context = {
        "group": group,
        "community": group.community,
        "filters": filters,
        "page": page,
        "query": filters.query(),
        "can_mark": can(request.user, "moderate", group.community),  # essence buttons
    }
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "web/_messages_list.html", context)
    return render(request, "web/messages.html", context)


@login_required
@require_GET
def group_report(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's health report, the same one `shequn report` writes.

    Served with its stylesheet and scripts as static files (plotly from the installed
    package), so the page needs no inline script.
    """
    from shequn.analytics.report.build import report_for_group
    from shequn.analytics.report.html import Assets
    from shequn.analytics.report.html import render as render_report

    group = get_object_or_404(visible_groups(request.user), pk=group_id)
    version = data_version(group)
    report = cached_report(group, version) if version else report_for_group(group.pk, None, None)
    return HttpResponse(render_report(report, report_language(), Assets(**chart_assets())))


def community_of(request: HttpRequest, community_id: int) -> Community:
    """The community if the user has a role in it, else 404 (outsiders learn nothing)."""
    return get_object_or_404(visible_communities(request.user), pk=community_id)
