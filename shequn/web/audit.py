"""A community's audit log: every action taken in it, newest first, 50 a page.

Any role in the community may read it; a community outside the user's is a 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from shequn.community.models import AuditLog
from shequn.community.permissions import can, visible_communities

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    details: str


def _details_text(details: object) -> str:
    """The details as compact JSON, Chinese kept readable; the template escapes it."""
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)


@login_required
def audit_log_view(request: HttpRequest, community_id: int) -> HttpResponse:
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    if not can(request.user, "view", community):
        raise Http404
    entries = AuditLog.objects.filter(community=community)
    actions = list(entries.order_by("action").values_list("action", flat=True).distinct())
    users = User.objects.filter(
        pk__in=entries.exclude(user=None).order_by().values("user_id")
    ).order_by("username")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action=action)
    user_param = request.GET.get("user", "").strip()
    user_id = int(user_param) if user_param.isdigit() else None
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    entries = entries.select_related("user", "person", "group").order_by("-at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "community": community,
        "page": page,
        "rows": [AuditRow(e, _details_text(e.details)) for e in page.object_list],
        "actions": actions,
        "users": users,
        "action": action,
        "user_id": user_id,
    }
    return render(request, "web/audit.html", context)
