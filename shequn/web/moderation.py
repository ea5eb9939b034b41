"""The review queue of moderation (广告管理) in the console: each step, with one-click undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.community.models import AuditLog, Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook.moderation.review import ReviewError, review_queue, undo_step
from shequn.web.profile import require


def _group(request: HttpRequest, group_id: int) -> Group:
    """A group the user may see (404 otherwise: its existence is not revealed)."""
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


@login_required
@require_GET
def moderation_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's latest moderation steps, the message behind each, and undo buttons."""
    group = _group(request, group_id)
    user = request.user
    assert isinstance(user, User)
    context = {
        "group": group,
        "community": group.community,
        "items": review_queue(group),
        "may_undo": can(user, "moderate", group.community),
    }
    return render(request, "web/moderation.html", context)


@login_required
@require_POST
def moderation_undo_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Undo one step: the strike is withdrawn now, the platform's part done by the engine."""
    group = _group(request, group_id)
    user = request.user
    assert isinstance(user, User)
    require(user, "moderate", group.community)
    raw = request.POST.get("entry", "")
    if not raw.isdigit():
        return HttpResponse(_("Missing field 'entry': the id of an audit entry."), status=400)
    entry = get_object_or_404(AuditLog.objects.select_related("group"), pk=int(raw), group=group)
    try:
        undo_step(entry, user)
    except ReviewError:
        return HttpResponse(
            _("This step cannot be undone (already undone, or a deletion)."), status=409
        )
    messages.success(request, _("Undone. Anything the platform must do is done by the engine."))
    return redirect("group_moderation", group_id=group.pk)
