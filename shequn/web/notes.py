"""Notes and interviews on the profile: a dated record per person, added in place.

Needs the "note" power (assistants, operators, owners); written through
``shequn.community.actions.add_person_record``, so it is audited under the user.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequn.community.actions import add_person_record
from shequn.web.archive_forms import RecordForm
from shequn.web.profile import form_errors, person_for, records_context, require


@login_required
@require_POST
def record_add_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Add a note or interview; htmx gets the section back, others the profile."""
    person = person_for(request.user, person_id)
    require(request.user, "note", person.community)
    form = RecordForm(request.POST, person=person)
    if not form.is_valid():
        context = records_context(request.user, person, form)
        return form_errors(request, person, context, "_records")
    user = request.user
    assert isinstance(user, User)
    data = form.cleaned_data
    add_person_record(person, data["kind"], data["text"], form.moment(), user=user, by="web")
    if getattr(request, "htmx", False):
        context = {**records_context(request.user, person), "saved": True}
        return render(request, "web/_records.html", context)
    return redirect("person", person_id=person.pk)
