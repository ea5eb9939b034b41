"""The console's resource matching (资源对接): a group's page, a member's profile, and the writes.

- ``groups/<id>/matching/``: the group's questions and what the routing suggested
  (with outcomes), the weekly digest as it stands (open needs, suggested
  matches with a one-click introduction), and its introductions.
- ``members/<id>/matching/``: what the member's profile holds, with its evidence,
  the matches for their needs, and their opt-out.

Reading needs any role in the community; introducing and marking acceptance
the "greet" power (the assistant's work); opting a member out "edit". Writes
go through ``shequn.playbook.matching_actions`` (audited, with the user).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.community.models import Group, Person
from shequn.community.permissions import can, visible_groups
from shequn.playbook import matching_actions as act
from shequn.playbook.matching_digest import digest
from shequn.playbook.matching_intro import DEFAULT_TEMPLATE, check_template
from shequn.playbook.matching_models import Introduction, MatchingOptOut
from shequn.playbook.matching_report import figures
from shequn.web.matching_queries import WINDOW_DAYS, person_profile, questions, window
from shequn.web.profile import person_for, require

BY = "console"


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _page(request: HttpRequest, group: Group, status: int = 200, error: str = "") -> HttpResponse:
    intros = Introduction.objects.filter(group=group).select_related("person_a", "person_b")
    context: dict[str, Any] = {
        "group": group,
        "community": group.community,
        "questions": questions(group),
        "figures": figures(group.pk, window(WINDOW_DAYS)),
        "window_days": WINDOW_DAYS,
        "digest": digest(group, timezone.now()),
        "introductions": intros.order_by("-created_at", "-pk")[:50],
        "may_introduce": can(request.user, "greet", group.community),
        "template": DEFAULT_TEMPLATE,
        "error": error,
    }
    return render(request, "web/matching_group.html", context, status=status)


@login_required
@require_GET
def group_matching_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's questions, suggestions and outcomes, its digest and its introductions."""
    return _page(request, _group(request, group_id))


def _persons(group: Group, *raw: str) -> list[Person] | None:
    """The members named by ``raw`` ids in the group's community (None when one is not)."""
    if not all(r.isdigit() and len(r) < 19 for r in raw):
        return None
    found = Person.objects.in_bulk([int(r) for r in raw])
    people = [found.get(int(r)) for r in raw]
    if any(p is None or p.community_id != group.community_id for p in people):
        return None
    return [p for p in people if p is not None]


@login_required
@require_POST
def group_matching_introduce_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Introduce ``person_a`` (who needs) to ``person_b`` (who offers), with the template text."""
    group = _group(request, group_id)
    require(request.user, "greet", group.community)
    post = request.POST
    people = _persons(group, post.get("person_a", ""), post.get("person_b", ""))
    if people is None:
        error = _("person_a, person_b: expected two members of this community")
        return _page(request, group, 400, error)
    text = post.get("text", "").strip() or DEFAULT_TEMPLATE
    try:
        act.introduce(
            group, people[0], people[1], need=post.get("need", ""), reason=post.get("reason", ""),
            text=check_template(text[:2000]), dimension=post.get("dimension", "friend"),
            user=_user(request), by=BY,
        )  # fmt: skip
    except ValueError as exc:
        return _page(request, group, 400, str(exc))
    return redirect(reverse("group_matching", args=[group.pk]) + "#introductions")


@login_required
@require_POST
def group_matching_accept_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Note that ``person`` accepted introduction ``introduction`` (both: the tie is recorded)."""
    group = _group(request, group_id)
    require(request.user, "greet", group.community)
    raw, who = request.POST.get("introduction", ""), request.POST.get("person", "")
    intro = (
        Introduction.objects.filter(group=group, pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 19
        else None
    )
    people = _persons(group, who)
    if intro is None or people is None:
        error = _("introduction, person: expected an introduction of this group and one of its two")
        return _page(request, group, 400, error)
    try:
        act.accept(intro, people[0], user=_user(request), by=BY)
    except act.MatchingError as exc:
        return _page(request, group, 400, str(exc))
    return redirect(reverse("group_matching", args=[group.pk]) + "#introductions")


@login_required
@require_GET
def person_matching_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """The member's matching profile with its evidence, their matches, and their opt-out."""
    person = person_for(request.user, person_id)
    context = {
        "person": person,
        "community": person.community,
        "profile": person_profile(person),
        "opted_out": MatchingOptOut.objects.filter(person=person).exists(),
        "may_edit": can(request.user, "edit", person.community),
    }
    return render(request, "web/matching_person.html", context)


@login_required
@require_POST
def person_matching_optout_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Opt the member out of matching (``opt_out=1``) or back in (``opt_out=0``)."""
    person = person_for(request.user, person_id)
    require(request.user, "edit", person.community)
    value = request.POST.get("opt_out", "")
    if value not in ("0", "1"):
        error = _("opt_out: expected 1 (opt out) or 0 (opt back in)")
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    act.set_opt_out(person, value == "1", user=_user(request), by=BY)
    return redirect(reverse("person_matching", args=[person.pk]))
