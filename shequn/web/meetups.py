"""The meetups pages (线下活动): a group's meetups, one meetup with its sign-ups,
waitlist and attendance.

Anyone with a role in the community reads them; the "edit" power (operators,
owners) creates meetups, signs members up, cancels sign-ups, takes attendance and
sends the attendees a follow-up survey (回访), through ``shequn.playbook.meetups_actions``
and ``surveys_actions`` (validated and audited there). A
refused form comes back with status 400 and the errors on their fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook import meetups_actions as act
from shequn.playbook.models import Meetup, Survey
from shequn.playbook.models import MeetupSignup as Signup
from shequn.playbook.surveys import SurveyError
from shequn.playbook.surveys_actions import follow_up_meetup
from shequn.web.meetups_forms import MeetupForm, SignupForm
from shequn.web.profile import require


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _meetup(request: HttpRequest, meetup_id: int) -> Meetup:
    """A meetup of a group the user sees (404 otherwise)."""
    found = Meetup.objects.select_related("group__community")
    return get_object_or_404(found.filter(group__in=visible_groups(request.user)), pk=meetup_id)


def _create(request: HttpRequest, group: Group, form: MeetupForm) -> Meetup | None:
    """The new meetup, or None with the errors on the form (validated in the local zone)."""
    with timezone.override(group.community.time_zone):
        if not form.is_valid():
            return None
    try:
        return act.create_meetup(group, dict(form.cleaned_data), _user(request), by="web")
    except act.MeetupError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def group_meetups_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's meetups and, for editors, the form that creates one."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    may = can(request.user, "edit", group.community)
    form, status = MeetupForm(), 200
    if request.method == "POST":
        require(request.user, "edit", group.community)
        form = MeetupForm(request.POST)
        meetup = _create(request, group, form)
        if meetup is not None:
            return redirect("meetup", meetup_id=meetup.pk)
        status = 400
    rows = []
    for meetup in Meetup.objects.filter(group=group).order_by("-starts_at"):
        counts = {s: meetup.signups.filter(status=s).count() for s in Signup.Status.values}
        rows.append({"meetup": meetup, **counts})
    context = {"group": group, "community": group.community, "rows": rows, "can_edit": may,
               "form": form if may else None}  # fmt: skip
    return render(request, "web/meetups.html", context, status=status)


def _page(request: HttpRequest, meetup: Meetup, status: int = 200, **forms: Any) -> HttpResponse:
    group = meetup.group
    signups = list(meetup.signups.select_related("account").order_by("position"))
    context = {
        "group": group, "community": group.community, "meetup": meetup,
        "can_edit": can(request.user, "edit", group.community),
        "confirmed": [s for s in signups if s.status == Signup.Status.CONFIRMED],
        "waiting": [s for s in signups if s.status == Signup.Status.WAITING],
        "cancelled": [s for s in signups if s.status == Signup.Status.CANCELLED],
        "photos": act.photos(meetup),
        "attended": sum(1 for s in signups if s.attended),
        "surveys": Survey.objects.filter(group=group).order_by("-created_at")[:50],
        "signup_form": forms.get("signup_form") or SignupForm(group=group),
        "error": forms.get("error", ""),
    }  # fmt: skip
    return render(request, "web/meetup.html", context, status=status)


def _post(request: HttpRequest, meetup: Meetup) -> HttpResponse:
    """Carry out one operator's change (``do``); back to the page, or 400 with the error."""
    what, user = request.POST.get("do", ""), _user(request)
    by = f"operator:{user.get_username()}" if user is not None else "web"
    try:
        if what == "signup":
            form = SignupForm(request.POST, group=meetup.group)
            if not form.is_valid():
                return _page(request, meetup, 400, signup_form=form)
            act.sign_up(meetup, form.account(), form.cleaned_data["name"],
                        Signup.Via.CONSOLE, user, by)  # fmt: skip
        elif what == "cancel":
            signup = get_object_or_404(Signup, meetup=meetup, pk=request.POST.get("signup") or 0)
            act.cancel(signup, user, by)
        elif what == "attendance":
            ids = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
            act.take_attendance(meetup, ids, user, by)
        elif what == "survey":
            return _follow_up(request, meetup, user, by)
        else:
            return _page(
                request, meetup, 400, error="do: expected signup, cancel, attendance or survey"
            )
    except (act.MeetupError, SurveyError) as exc:
        return _page(request, meetup, 400, error=str(exc))
    return redirect("meetup", meetup_id=meetup.pk)


def _follow_up(request: HttpRequest, meetup: Meetup, user: User | None, by: str) -> HttpResponse:
    """Send a follow-up survey to the attendees: the chosen one of the group, or the built-in."""
    chosen = request.POST.get("survey", "")
    survey = None
    if chosen:
        if not chosen.isdigit():
            raise SurveyError("survey: expected a survey of this group")
        survey = get_object_or_404(Survey, pk=int(chosen), group=meetup.group)
    survey, _ = follow_up_meetup(meetup, survey, user=user, by=by)
    return redirect("survey", survey_id=survey.pk)


@login_required
@require_http_methods(["GET", "POST"])
def meetup_view(request: HttpRequest, meetup_id: int) -> HttpResponse:
    """One meetup: its details, sign-ups, waitlist, photos; editors change them."""
    meetup = _meetup(request, meetup_id)
    if request.method != "POST":
        return _page(request, meetup)
    require(request.user, "edit", meetup.group.community)
    return _post(request, meetup)
