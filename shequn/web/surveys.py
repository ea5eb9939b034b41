"""The surveys pages (回访): a group's surveys, one survey with its responses and summary.

Anyone with a role in the community reads them; the "edit" power (operators,
owners) creates surveys, sends one to chosen members, and switches on the daily
newcomer survey. Sending plans a ``survey_send`` job: the running engine asks
the members through its connectors (``shequn.playbook.surveys_jobs``), so the
console never talks to a platform itself. Writes go through
``shequn.playbook.surveys_actions`` (audited there).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community.models import Account, Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook import surveys_actions as act
from shequn.playbook.models import Job, Survey, SurveyResponse
from shequn.playbook.surveys import SurveyError, parse_questions, summary
from shequn.playbook.surveys_jobs import NEWCOMERS, start_newcomers
from shequn.web.profile import require


class SurveyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Survey title"), max_length=200)
    questions = forms.CharField(
        label=gettext_lazy("Questions (one per line)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "choice: question | option | option — scale: question (1–5) — text: question"
        ),
    )
    group_fallback = forms.BooleanField(
        label=gettext_lazy("Ask in the group, naming the member, where direct messages fail"),
        required=False,
    )


class SendForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Members"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(a.pk, str(a)) for a in members(group)]


def members(group: Group) -> list[Account]:
    """The group's current human members, by name."""
    accounts = Account.objects.filter(
        memberships__group=group, memberships__left_at__isnull=True, is_bot=False
    ).distinct()
    return sorted(accounts, key=lambda a: (a.display_name or a.external_id, a.pk))


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    """A survey of a group the user sees (404 otherwise)."""
    visible = Survey.objects.select_related("group__community").filter(
        group__in=visible_groups(request.user)
    )
    return get_object_or_404(visible, pk=survey_id)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _create(form: SurveyForm, group: Group, request: HttpRequest) -> Survey | None:
    """The new survey; a bad line lands on the questions field."""
    try:
        questions = parse_questions(form.cleaned_data["questions"])
        return act.create_survey(
            group, form.cleaned_data["title"], questions,
            group_fallback=form.cleaned_data["group_fallback"], user=_user(request), by="web",
        )  # fmt: skip
    except SurveyError as exc:
        field = "title" if str(exc).startswith("title") else "questions"
        form.add_error(field, str(exc))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def group_surveys_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's surveys and, for editors, the form that creates one."""
    group = _group(request, group_id)
    may = can(request.user, "edit", group.community)
    form, status = SurveyForm(), 200
    if request.method == "POST":
        require(request.user, "edit", group.community)
        form = SurveyForm(request.POST)
        survey = _create(form, group, request) if form.is_valid() else None
        if survey is not None:
            return redirect("survey", survey_id=survey.pk)
        status = 400
    rows = [
        (s, s.responses.count(), s.responses.filter(state=SurveyResponse.State.DONE).count())
        for s in Survey.objects.filter(group=group)
    ]
    context = {
        "group": group, "community": group.community, "rows": rows, "can_edit": may,
        "form": form if may else None,
        "newcomers_on": Job.objects.filter(
            kind=NEWCOMERS, group=group, state=Job.State.PENDING
        ).exists(),
    }  # fmt: skip
    return render(request, "web/surveys.html", context, status=status)


@login_required
@require_POST
def group_surveys_newcomers_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Switch on the daily newcomer survey (7 days after joining) for the group."""
    group = _group(request, group_id)
    require(request.user, "edit", group.community)
    start_newcomers(group, timezone.now())
    return redirect("group_surveys", group_id=group.pk)


def _page(request: HttpRequest, survey: Survey, form: SendForm, status: int) -> HttpResponse:
    questions = act.questions_of(survey)
    responses = list(survey.responses.select_related("account__person").order_by("-sent_at", "-pk"))
    answers = [list(r.answers or []) for r in responses]
    context = {
        "group": survey.group,
        "community": survey.group.community,
        "survey": survey,
        "questions": questions,
        "responses": [(r, list(zip(questions, r.answers or [], strict=False))) for r in responses],
        "summary": summary(questions, answers),
        "can_edit": can(request.user, "edit", survey.group.community),
        "form": form,
        "sending": Job.objects.filter(
            kind=act.SEND, group=survey.group, state=Job.State.PENDING,
            payload__survey=survey.pk,
        ).count(),
    }  # fmt: skip
    return render(request, "web/survey.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def survey_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    """One survey: questions, summary, responses; editors send it to chosen members."""
    survey = _survey(request, survey_id)
    if request.method != "POST":
        return _page(request, survey, SendForm(group=survey.group), 200)
    require(request.user, "edit", survey.group.community)
    form = SendForm(request.POST, group=survey.group)
    if not form.is_valid():
        return _page(request, survey, form, 400)
    chosen = list(form.cleaned_data["members"])
    act.plan_send(survey, chosen, timezone.now(), user=_user(request), by="web")
    return redirect("survey", survey_id=survey.pk)
