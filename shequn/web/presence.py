"""The group page's "presence for the silent" section and its send button.

The section lists the group's silent members, taken from the group page's lurker
list (``shequn.web.group_page.page_parts``, the report's ``lurkers`` metric, so
both sections agree), each with a suggested invitation and, when a column slot
is coming, a hint to mention them there (``shequn.playbook.presence``). The
group page loads it with htmx, like its other sections.

Sending needs the "greet" power. The web process has no connector, so the view
enqueues a ``presence`` job (``shequn.playbook.presence_jobs``) that the engine
posts, and audits the request at once with the user who made it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.community.actions import audit
from shequn.community.models import Group, Person
from shequn.community.permissions import can, visible_groups
from shequn.playbook.actions import enqueue
from shequn.playbook.columns import zone_of
from shequn.playbook.models import ColumnPost
from shequn.playbook.presence import NextColumn, SilentMember, Suggestion, suggest
from shequn.playbook.presence_jobs import KIND
from shequn.web.group_page import page_parts
from shequn.web.profile import require

SHOWN = 20


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


def next_column(group: Group) -> NextColumn | None:
    """The group's next pending slot of a switched-on column, in the community's zone."""
    post = (
        ColumnPost.objects.select_related("column")
        .filter(
            column__group=group,
            column__enabled=True,
            status=ColumnPost.Status.PENDING,
            slot_at__gte=timezone.now(),
        )
        .order_by("slot_at", "pk")
        .first()
    )
    if post is None:
        return None
    local = post.slot_at.astimezone(zone_of(group.community.time_zone))
    return NextColumn(name=post.column.name, local_time=local.strftime("%Y-%m-%d %H:%M"))


def suggestions(group: Group) -> list[Suggestion]:
    """The suggestions for the first ``SHOWN`` lurkers of the group page, longest silent first."""
    parts = page_parts(group, get_language() or "")
    if parts is None:
        return []
    lines = parts.lurkers[:SHOWN]
    persons = Person.objects.in_bulk([line.person_id for line in lines])
    members = []
    for line in lines:
        person = persons.get(line.person_id)
        if person is None:
            continue
        members.append(
            SilentMember(
                person_id=line.person_id,
                name=line.name or person.display_name,
                offers=person.offers,
                industry=person.industry,
                intro=person.intro,
                silent_days=line.days,
            )
        )
    return suggest(members, next_column(group))


def _section(
    request: HttpRequest, group: Group, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {
        "group": group,
        "community": group.community,
        "presence_loaded": True,
        "suggestions": suggestions(group),
        "may_send": can(request.user, "greet", group.community),
        "error": error,
    }
    return render(request, "web/_presence.html", context, status=status)


@login_required
@require_GET
def group_presence_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The section: silent members with their suggestion (and the send button for operators)."""
    return _section(request, _group(request, group_id))


@login_required
@require_POST
def group_presence_send_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Enqueue the suggested invitation to ``person`` (a silent member listed now) and audit it."""
    group = _group(request, group_id)
    require(request.user, "greet", group.community)
    raw = request.POST.get("person", "")
    chosen = [s for s in suggestions(group) if raw.isdigit() and s.person_id == int(raw)]
    if not chosen:
        error = _("person: expected one of the silent members listed, got %(value)r") % {
            "value": raw
        }
        return _section(request, group, 400, error)
    suggestion = chosen[0]
    user = request.user if isinstance(request.user, User) else None
    with transaction.atomic():
        payload = {"text": suggestion.text, "person": suggestion.person_id}
        job = enqueue(KIND, timezone.now(), payload, group=group)
        audit(
            group.community, "PresenceInvite", user=user, group=group,
            person=Person.objects.filter(pk=suggestion.person_id).first(),
            reason=suggestion.basis, details={"text": suggestion.text, "job": job.pk},
        )  # fmt: skip
    return redirect(reverse("group", args=[group.pk]) + "#presence")
