"""Merging two members into one from the profile, and undoing a merge.

Operators and owners only (the "edit" power). The profile's form asks for the
other member's number and opens a confirmation page (GET, nothing written)
listing what will move; its POST merges. Each merge is recorded with what moved
(``shequn.community.merge``), listed on the kept member's profile, and can be
undone there. Both are audited under the user.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community.merge import MergeError, merge_persons, preview_merge, undo_merge
from shequn.community.models import Person, PersonMerge
from shequn.community.permissions import visible_communities, visible_persons
from shequn.web.archive_forms import other_member
from shequn.web.profile import person_for, require


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran
    return user


def _page(request: HttpRequest, person: Person, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"person": person, "community": person.community, **extra}
    return render(request, "web/merge.html", context, status=status)


def _other_by_number(person: Person, value: str) -> Person:
    """The member to merge in, from the form's number (a ValidationError names the problem)."""
    number = value.strip().lstrip("#")
    if not number.isdigit():
        raise forms.ValidationError(_("Enter the member number of the other member."))
    return other_member(person, int(number))


@login_required
@require_http_methods(["GET", "POST"])
def person_merge_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """GET ``?other=<number>``: what would move; POST ``other_id``: merge it into this person."""
    person = person_for(request.user, person_id)
    require(request.user, "edit", person.community)
    if request.method == "POST":
        return _merge(request, person)
    try:
        other = _other_by_number(person, request.GET.get("other", ""))
    except forms.ValidationError as error:
        return _page(request, person, status=400, error=" ".join(error.messages), bad_number=True)
    return _page(request, person, other=other, preview=preview_merge(person, other))


def _merge(request: HttpRequest, person: Person) -> HttpResponse:
    raw = request.POST.get("other_id", "")
    others = visible_persons(request.user).filter(community_id=person.community_id)
    other = get_object_or_404(others, pk=int(raw)) if raw.isdigit() else None
    if other is None:
        return _page(request, person, status=400, bad_number=True)
    try:
        merge_persons(person, other, user=_user(request), by="web")
    except MergeError as error:
        return _page(request, person, status=409, error=str(error))
    return redirect("person", person_id=person.pk)


@login_required
@require_POST
def merge_undo_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo a merge: both persons come back; then the restored person's profile opens."""
    merges = PersonMerge.objects.filter(community__in=visible_communities(request.user))
    merge = get_object_or_404(merges.select_related("kept__community"), pk=merge_id)
    require(request.user, "edit", merge.kept.community)
    try:
        restored = undo_merge(merge, user=_user(request), by="web")
    except MergeError as error:
        return _page(request, merge.kept, status=409, error=str(error))
    return redirect("person", person_id=restored.pk)
