"""Editing one member's archive fields from the profile page.

Operators and owners ("edit") may change every field; assistants ("note") may
change the notes only, and get a notes-only form. A POST from an assistant that
carries any other archive field is refused with 403 rather than silently
trimmed. The write goes through ``shequn.community.actions.update_person``, so
the audit row names the user. Requests from htmx get the profile card back (to
swap in place); ordinary POSTs are redirected to the profile on success.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from shequn.community.actions import update_person
from shequn.community.models import Person, Tag, Tier
from shequn.community.permissions import User as AnyUser
from shequn.community.permissions import can, visible_persons


class HtmxHttpRequest(HttpRequest):
    """A request that passed through django-htmx's middleware."""

    htmx: HtmxDetails


TAG_SEPARATORS = re.compile(r"[,，、]")
MAX_TEXT = 5000
MAX_TAGS = 30
TAG_LENGTH = Tag._meta.get_field("name").max_length or 64
EDIT_ONLY_FIELDS = ("tier", "tags", "city", "industry", "intro", "needs", "offers")


def split_tags(value: str) -> list[str]:
    """Tags from a comma-separated string (ASCII comma, Chinese ， or 、), in order, once each."""
    seen: dict[str, None] = {}
    for part in TAG_SEPARATORS.split(value):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


class NotesForm(forms.Form):
    """What an assistant may change: the notes."""

    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PersonForm(NotesForm):
    """Every archive field an operator may change."""

    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("none")), *Tier.choices]
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separate tags with commas."),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=64)
    industry = forms.CharField(label=_("Industry"), required=False, max_length=64)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs = forms.CharField(
        label=_("Needs"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    offers = forms.CharField(
        label=_("Offers"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["tier", "tags", "city", "industry", "intro", "needs", "offers", "notes"]

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data.get("tags", ""))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(
                _("At most %(count)d tags."), code="too_many", params={"count": MAX_TAGS}
            )
        too_long = [t for t in tags if len(t) > TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(
                _("A tag may have at most %(length)d characters."),
                code="too_long",
                params={"length": TAG_LENGTH},
            )
        return tags


def form_class_for(user: AnyUser, person: Person) -> type[NotesForm] | None:
    """The form the user may use on this person, or None when they may not edit at all."""
    if can(user, "edit", person.community):
        return PersonForm
    if can(user, "note", person.community):
        return NotesForm
    return None


def initial_for(person: Person) -> dict[str, Any]:
    return {
        "tier": person.tier,
        "tags": ", ".join(t.name for t in person.tags.all()),
        "city": person.city,
        "industry": person.industry,
        "intro": person.intro,
        "needs": person.needs,
        "offers": person.offers,
        "notes": person.notes,
    }


def edit_context(user: AnyUser, person: Person) -> dict[str, Any]:
    """Context for the profile card: the unbound edit form when the user may edit."""
    form_class = form_class_for(user, person)
    return {"edit_form": form_class(initial=initial_for(person)) if form_class else None}


def _card(
    request: HtmxHttpRequest, person: Person, form: NotesForm, *, saved: bool, status: int = 200
) -> HttpResponse:
    context = {"person": person, "community": person.community, "edit_form": form, "saved": saved}
    return render(request, "web/_person_card.html", context, status=status)


def _page_context(user: AnyUser, person: Person, form: NotesForm) -> dict[str, Any]:
    """The whole profile page around a form with errors (for a POST without htmx)."""
    from shequn.web.profile import profile_context  # the profile builds on this module

    return {**profile_context(user, person), "edit_form": form, "saved": False}


@login_required
@require_POST
def person_edit_view(request: HtmxHttpRequest, person_id: int) -> HttpResponse:
    """Save the profile form: 404 outside the user's communities, 403 without the power."""
    person = get_object_or_404(
        visible_persons(request.user).select_related("community").prefetch_related("tags"),
        pk=person_id,
    )
    form_class = form_class_for(request.user, person)
    if form_class is None:
        raise PermissionDenied
    if form_class is NotesForm and any(name in request.POST for name in EDIT_ONLY_FIELDS):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _card(request, person, form, saved=False)
        context = _page_context(request.user, person, form)
        return render(request, "web/person.html", context, status=400)
    user = request.user
    assert isinstance(user, User)
    data = dict(form.cleaned_data)
    tags = data.pop("tags", None)
    update_person(person, by="web", tags=tags, user=user, **data)
    if request.htmx:
        person = (
            Person.objects.select_related("community").prefetch_related("tags").get(pk=person.pk)
        )
        return _card(request, person, form_class(initial=initial_for(person)), saved=True)
    return redirect("person", person_id=person.pk)
