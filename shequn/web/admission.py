"""The admission queue of a group (门槛): who waits, with their answers and referrals.

Anyone with a role in the community reads the page; operators and owners (the
"moderate" power) approve or reject a waiting request, with a reason, and
create members' invite codes ("edit"). A decision is written at once
(``community.admission_actions.decide_admission``, audited under the user); telling the
member, and removing a rejected one politely, is an ``admission`` job the
engine carries out (``shequn.playbook.admission_jobs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shequn.community.admission_actions import create_invite_code
from shequn.community.models import (
    AdmissionRequest,
    AdmissionStatus,
    Group,
    InviteCode,
    Membership,
    Person,
)
from shequn.community.permissions import can, visible_groups
from shequn.playbook.admission_jobs import decide, group_config

DECIDED_SHOWN = 20
CODES_SHOWN = 100


class DecideForm(forms.Form):
    request = forms.IntegerField(label=gettext_lazy("Request"), min_value=1)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the request is rejected; the member is told."))
        return data


class CodeForm(forms.Form):
    number = forms.IntegerField(label=gettext_lazy("Member number"), min_value=1)
    campaign = forms.CharField(label=gettext_lazy("Campaign"), max_length=64, required=False)


@dataclass(frozen=True)
class Line:
    """One request as the page shows it."""

    request: AdmissionRequest
    inside: bool
    position: int = 0


def group_for(request: HttpRequest, group_id: int) -> Group:
    """A group the user may see (404 otherwise, revealing nothing)."""
    groups = visible_groups(request.user).select_related("community")
    return get_object_or_404(groups, pk=group_id)


def lines(group: Group, statuses: tuple[str, ...]) -> list[Line]:
    """The group's requests with these statuses, oldest first, with who is in the group now."""
    found = list(
        AdmissionRequest.objects.filter(group=group, status__in=statuses)
        .select_related("account__person", "inviter__person", "decided_by")
        .order_by("pk")
    )
    inside = set(
        Membership.objects.filter(
            group=group, left_how="", account_id__in=[r.account_id for r in found]
        ).values_list("account_id", flat=True)
    )
    return [Line(r, r.account_id in inside, i) for i, r in enumerate(found, start=1)]


def page_context(
    request: HttpRequest, group: Group, form: DecideForm | None = None
) -> dict[str, Any]:
    community = group.community
    decided = (
        AdmissionRequest.objects.filter(group=group)
        .exclude(status__in=("pending", "waitlisted", "approved"))
        .select_related("account__person", "decided_by")
        .order_by("-pk")[:DECIDED_SHOWN]
    )
    codes = InviteCode.objects.filter(community=community).select_related("owner")
    return {
        "group": group,
        "community": community,
        "config": group_config(group),
        "pending": lines(group, (AdmissionStatus.PENDING,)),
        "waiting": lines(group, (AdmissionStatus.WAITLISTED,)),
        "approved": lines(group, (AdmissionStatus.APPROVED,)),
        "decided": decided,
        "codes": codes[:CODES_SHOWN],
        "can_decide": can(request.user, "moderate", community),
        "can_edit": can(request.user, "edit", community),
        "form": form,
        "code_form": CodeForm(),
    }


@login_required
@require_GET
def admission_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The queue page: waiting requests, the waiting list, recent decisions, invite codes."""
    group = group_for(request, group_id)
    return render(request, "web/admission.html", page_context(request, group))


@login_required
@require_POST
def admission_decide_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Approve or reject one open request of the group (operators and owners)."""
    group = group_for(request, group_id)
    if not can(request.user, "moderate", group.community):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        context = page_context(request, group, form)
        return render(request, "web/admission.html", context, status=400)
    data = form.cleaned_data
    found = AdmissionRequest.objects.select_related("group__community", "account")
    item = get_object_or_404(found, pk=data["request"], group=group)
    if item.status not in ("pending", "waitlisted", "approved"):
        form.add_error("request", _("This request was already decided."))
        return render(request, "web/admission.html", page_context(request, group, form), status=400)
    user = request.user
    assert isinstance(user, User)
    try:
        status = decide(item, data["decision"] == "approve", data["reason"].strip(), user)
    except ValueError:  # another operator decided it meanwhile
        form.add_error("request", _("This request was already decided."))
        return render(request, "web/admission.html", page_context(request, group, form), status=400)
    name = item.account.display_name or item.account.external_id
    messages.success(request, _("%(name)s: %(status)s.") % {"name": name, "status": _(status)})
    return redirect("group_admission", group_id=group.pk)


@login_required
@require_POST
def invite_code_create_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Create an invite code for the member with the given archive number ("edit" power)."""
    group = group_for(request, group_id)
    if not can(request.user, "edit", group.community):
        raise PermissionDenied
    form = CodeForm(request.POST)
    person = None
    if form.is_valid():
        number = form.cleaned_data["number"]
        person = Person.objects.filter(community=group.community, number=number).first()
        if person is None:
            form.add_error("number", _("No member has number %(number)s.") % {"number": number})
    if person is None:
        context = {**page_context(request, group), "code_form": form}
        return render(request, "web/admission.html", context, status=400)
    user = request.user
    assert isinstance(user, User)
    code = create_invite_code(person, campaign=form.cleaned_data["campaign"], user=user, by="web")
    messages.success(request, _("Invite code %(code)s created.") % {"code": code.code})
    return redirect("group_admission", group_id=group.pk)
