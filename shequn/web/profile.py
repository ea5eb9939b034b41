"""What a member's profile page shows, section by section, and who may change what.

The profile view and the in-place (htmx) edits of its sections all build their
context here, so a section re-rendered after a change shows exactly what the
full page would. Powers come from ``shequn.community.permissions``: "note"
(assistants, operators, owners) records ties, notes and interviews; "edit"
(operators, owners) edits every archive field and merges or un-merges persons.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from shequn.community.merge import latest_open_merge
from shequn.community.models import Community, Person, PersonMerge, PersonRecord
from shequn.community.permissions import User, can, visible_persons
from shequn.web.archive_forms import RecordForm, TieForm
from shequn.web.edit import edit_context
from shequn.web.member_queries import membership_history, recent_messages, ties
from shequn.web.timeline import timeline_events, weekly_messages

RECORDS_SHOWN = 100


def person_for(user: User, person_id: int) -> Person:
    """A person the user may see (404 otherwise, so that its existence is not revealed)."""
    return get_object_or_404(
        visible_persons(user).select_related("community").prefetch_related("tags"),
        pk=person_id,
    )


def require(user: User, power: str, community: Community) -> None:
    """403 when the user's role in the (visible) community lacks ``power``."""
    if not can(user, power, community):
        raise PermissionDenied


def ties_context(user: User, person: Person, form: TieForm | None = None) -> dict[str, Any]:
    """The recorded ties and, for those who may record one, the form."""
    may = can(user, "note", person.community)
    return {
        "person": person,
        "community": person.community,
        "ties": ties(person),
        "can_note": may,
        "tie_form": (form or TieForm(person=person)) if may else None,
    }


def records_context(user: User, person: Person, form: RecordForm | None = None) -> dict[str, Any]:
    """Notes and interviews, newest first, and the form to add one."""
    may = can(user, "note", person.community)
    records = PersonRecord.objects.filter(person=person).select_related("author")
    return {
        "person": person,
        "community": person.community,
        "records": list(records.order_by("-at", "-pk")[:RECORDS_SHOWN]),
        "record_form": (form or RecordForm(person=person)) if may else None,
    }


def merges_context(user: User, person: Person) -> dict[str, Any]:
    """Merges into this person, and which one undo would take back (for "edit" only)."""
    may = can(user, "edit", person.community)
    latest = latest_open_merge(person) if may else None
    merges = PersonMerge.objects.filter(kept=person).select_related("by", "undone_by")
    return {
        "merges": list(merges.order_by("-at", "-pk")),
        "can_merge": may,
        "undoable": latest.pk if latest else None,
    }


def form_errors(
    request: HttpRequest, person: Person, section: dict[str, Any], template: str
) -> HttpResponse:
    """A section's form with errors: the section for htmx (200, so that htmx swaps it),
    else the whole profile around it with status 400. Nothing was saved."""
    if getattr(request, "htmx", False):
        return render(request, f"web/{template}.html", section)
    context = {**profile_context(request.user, person), **section}
    return render(request, "web/person.html", context, status=400)


def profile_context(user: User, person: Person) -> dict[str, Any]:
    """Everything the profile page shows."""
    stays = list(membership_history(person))
    return {
        **ties_context(user, person),
        **records_context(user, person),
        **merges_context(user, person),
        **edit_context(user, person),
        "accounts": person.accounts.order_by("platform", "pk"),
        "stays": stays,
        "recent": recent_messages(person),
        "sparkline": weekly_messages(person),
        "events": timeline_events(person, stays),
    }
