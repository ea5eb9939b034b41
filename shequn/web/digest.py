"""The daily digest page of a group (每日精华), and marking essence from the message history.

The page is one group's one day, ``?day=YYYY-MM-DD`` in the community's time zone
(yesterday by default): anyone with a role in the community reads it. Marking or
unmarking a message as essence is a POST from the message history, for roles with
the ``moderate`` power; it goes through ``essence_actions`` (audited, with the user).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.analytics.digest_load import digest_for
from shequn.chat.models import Message
from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook.essence_actions import EssenceError, mark_message, unmark_message

EARLIEST = date(2000, 1, 1)


def local_today(group: Group) -> date:
    return datetime.now(ZoneInfo(group.community.time_zone)).date()


def parse_day(text: str | None, today: date) -> date | None:
    """The asked day (default yesterday); None when it is no date or not in a sensible range."""
    if not text:
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= today else None


@login_required
@require_GET
def digest_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """One day's digest of the group: threads, keywords, essence, members credited."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    today = local_today(group)
    day = parse_day(request.GET.get("day"), today)
    context = {"group": group, "community": group.community, "today": today}
    if day is None:
        context["error"] = _("day: expected a date YYYY-MM-DD between 2000-01-01 and today.")
        return render(request, "web/digest.html", context, status=400)
    context.update(
        day=day,
        digest=digest_for(group.pk, day),
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1) if day < today else None,
    )
    return render(request, "web/digest.html", context)


@login_required
@require_POST
def essence_mark_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Mark (``action=mark``) or unmark (``action=unmark``) message ``message`` as essence."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    if not can(request.user, "moderate", group.community):
        raise PermissionDenied
    action = request.POST.get("action", "")
    pk = request.POST.get("message", "").strip()
    if action not in ("mark", "unmark") or not pk.isdigit() or len(pk) > 18:
        return HttpResponseBadRequest(_("Expected action (mark or unmark) and a message id."))
    messages = Message.objects.select_related("group__community", "sender__person")
    message = get_object_or_404(messages, pk=int(pk), group=group)
    assert isinstance(request.user, User)
    try:
        if action == "mark":
            mark_message(message, request.user)
        else:
            unmark_message(message, request.user)
    except EssenceError as exc:
        return HttpResponseBadRequest(str(exc))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("group_messages", args=[group.pk])
    return HttpResponseRedirect(back)
