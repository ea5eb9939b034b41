"""Ties on the profile: record one, delete one, and see those inferred from chat.

Recording and deleting need the "note" power; the writes go through
``shequn.community.actions`` and are audited under the user. htmx requests get
the ties section back to swap in place; other requests are redirected to the
profile (or, for a form with errors, get the profile with status 400).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from shequn.community.actions import delete_tie, record_tie
from shequn.community.models import Link
from shequn.web.archive_forms import TieForm
from shequn.web.inferred_ties import safe_inferred_ties
from shequn.web.profile import form_errors, person_for, require, ties_context


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran
    return user


def _section(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    return render(request, "web/_ties.html", context)


@login_required
@require_POST
def tie_add_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record a tie from the profile's person to another member (by member number)."""
    person = person_for(request.user, person_id)
    require(request.user, "note", person.community)
    form = TieForm(request.POST, person=person)
    if not form.is_valid():
        return form_errors(request, person, ties_context(request.user, person, form), "_ties")
    data = form.cleaned_data
    record_tie(
        person, data["other"], data["dimension"], data["note"], user=_user(request), by="web"
    )
    if getattr(request, "htmx", False):
        return _section(request, {**ties_context(request.user, person), "saved": True})
    return redirect("person", person_id=person.pk)


@login_required
@require_POST
def tie_delete_view(request: HttpRequest, person_id: int, link_id: int) -> HttpResponse:
    """Delete one of the person's recorded ties (404 if it is not theirs)."""
    person = person_for(request.user, person_id)
    require(request.user, "note", person.community)
    link = Link.objects.filter(Q(person_a=person) | Q(person_b=person), pk=link_id).first()
    if link is None:
        raise Http404
    delete_tie(link, person, user=_user(request), by="web")
    if getattr(request, "htmx", False):
        return _section(request, ties_context(request.user, person))
    return redirect("person", person_id=person.pk)


@login_required
@require_GET
def inferred_ties_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Who the person exchanged replies and mentions with (any role may look).

    The profile loads this lazily with htmx; opened directly it is a page of its own.
    """
    person = person_for(request.user, person_id)
    context = {
        "person": person,
        "community": person.community,
        "inferred": safe_inferred_ties(person),
    }
    if getattr(request, "htmx", False):
        return render(request, "web/_inferred_ties.html", context)
    return render(request, "web/inferred_ties.html", context)
