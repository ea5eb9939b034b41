"""Dashboard pages. Views read through permissions and queries; writes go through actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequn.community.permissions import visible_communities
from shequn.web.queries import group_rows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every community the user may see, with its groups' real sizes and volumes."""
    communities = list(visible_communities(request.user).order_by("name"))
    rows = group_rows(communities)
    sections = [(c, [r for r in rows if r.community_id == c.pk]) for c in communities]
    return render(request, "web/home.html", {"sections": sections})
