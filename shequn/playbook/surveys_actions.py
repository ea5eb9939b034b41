"""Every write of follow-up surveys (回访) goes through here, audited.

Surveys are created by operators (console) or built in (the newcomer survey);
a response is opened once per member and survey (a constraint keeps it so, so a
retried send never asks twice). Answers arrive as the rule's ``SurveyAnswer``
store action: ``record_answer`` keeps them on the response, writes a dated
record in the member's archive and fills its empty needs/offers fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequn.community.actions import add_person_record, audit
from shequn.community.models import Account, Group, Person
from shequn.events import Action, FillArchive
from shequn.playbook.actions import enqueue
from shequn.playbook.archive_actions import ArchiveActionError, fill_archive, person_of
from shequn.playbook.models import Job, Meetup, Survey, SurveyResponse
from shequn.playbook.surveys import (
    MEETUP_QUESTIONS,
    MEETUP_TITLE,
    NEWCOMER_QUESTIONS,
    NEWCOMER_TITLE,
    SurveyAnswer,
    SurveyError,
)
from shequn.playbook.surveys_view import Question, SurveyView

State = SurveyResponse.State
SEND = "survey_send"  # the job kind that sends (``surveys_jobs``)
DELIVERED = ("direct", "group")


def create_survey(
    group: Group,
    title: str,
    questions: tuple[Question, ...],
    *,
    group_fallback: bool = False,
    kind: str = Survey.Kind.CUSTOM,
    user: User | None,
    by: str,
) -> Survey:
    """A new survey of ``group``; SurveyError names a bad title or question list."""
    title = title.strip()
    if not title:
        raise SurveyError("title: a survey needs a title")
    if not questions:
        raise SurveyError("questions: at least one question is needed")
    survey = Survey.objects.create(
        group=group, title=title[:200], kind=kind, group_fallback=group_fallback,
        questions=[q.to_json() for q in questions],
    )  # fmt: skip
    audit(
        group.community, "survey.create", user=user, rule=by, group=group, target=str(survey.pk),
        reason=f"survey {survey.title}", details={"questions": len(questions), "kind": kind},
    )  # fmt: skip
    return survey


def newcomer_survey(group: Group, *, user: User | None, by: str) -> Survey:
    """The group's built-in newcomer survey (made on first use)."""
    found = Survey.objects.filter(group=group, kind=Survey.Kind.NEWCOMER).order_by("pk").first()
    if found is not None:
        return found
    return create_survey(
        group, NEWCOMER_TITLE, NEWCOMER_QUESTIONS, kind=Survey.Kind.NEWCOMER, user=user, by=by
    )


def follow_up_meetup(
    meetup: Meetup, survey: Survey | None, *, user: User | None, by: str
) -> tuple[Survey, Job]:
    """Send a follow-up survey (回访) to the meetup's attendees now; audited.

    Without ``survey``, the built-in meetup survey (made for this meetup) is used.
    Only members marked as attended are asked; each at most once per survey.
    """
    attended = meetup.signups.filter(attended=True, account__isnull=False)
    account_ids = sorted(set(attended.values_list("account_id", flat=True)))
    if not account_ids:
        raise SurveyError("nobody is marked as attended yet: take attendance first")
    if survey is None:  # the same one again on a second click: nobody is asked twice
        title = MEETUP_TITLE.format(title=meetup.title)[:200]
        survey = Survey.objects.filter(group=meetup.group, title=title).first() or create_survey(
            meetup.group, title, MEETUP_QUESTIONS, user=user, by=by
        )
    elif survey.group_id != meetup.group_id:
        raise SurveyError("survey: it belongs to another group")
    return survey, plan_send(survey, account_ids, timezone.now(), user=user, by=by)


def questions_of(survey: Survey) -> tuple[Question, ...]:
    """The survey's stored questions."""
    return tuple(Question.from_json(q) for q in survey.questions or ())


def open_response(survey: Survey, account: Account, now: datetime) -> SurveyResponse | None:
    """Open ``account``'s response to ``survey``; None when it already has one (asked once)."""
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(survey=survey, account=account, sent_at=now)
    except IntegrityError:
        return None


def plan_send(
    survey: Survey, account_ids: list[int], now: datetime, *, user: User | None, by: str
) -> Job:
    """Plan sending ``survey`` to ``account_ids`` now (the engine's scheduler runs it); audited."""
    job = enqueue(SEND, now, {"survey": survey.pk, "accounts": account_ids}, group=survey.group)
    audit(
        survey.group.community, "survey.plan", user=user, rule=by, group=survey.group,
        target=str(survey.pk), reason=f"survey {survey.title} to {len(account_ids)} members",
        details={"survey": survey.pk, "accounts": account_ids, "job": job.pk},
    )  # fmt: skip
    return job


def accounts_of(survey: Survey, persons: Iterable[Person]) -> list[int]:
    """Ids of ``persons``' accounts that stayed in the survey's group (e.g. meetup attendees)."""
    return sorted(
        set(
            Account.objects.filter(
                person__in=list(persons), memberships__group=survey.group, is_bot=False
            ).values_list("pk", flat=True)
        )
    )


def set_delivered(response: SurveyResponse, via: str, *, by: str) -> None:
    """Note how the survey reached the member (direct, group, or "" when it did not); audited."""
    SurveyResponse.objects.filter(pk=response.pk).update(via=via)
    response.via = via
    survey = response.survey
    audit(
        survey.group.community, "survey.send", rule=by, group=survey.group,
        person=response.account.person, target=response.account.external_id,
        reason=f"survey {survey.title}: {via or 'not delivered'}",
        details={"survey": survey.pk, "response": response.pk, "via": via},
    )  # fmt: skip


def open_view(group: Group, account_id: int) -> SurveyView | None:
    """The account's oldest delivered open response in ``group``, as a rule sees it."""
    response = (
        SurveyResponse.objects.select_related("survey")
        .filter(survey__group=group, account_id=account_id, state=State.OPEN, via__in=DELIVERED)
        .order_by("sent_at", "pk")
        .first()
    )
    if response is None:
        return None
    return SurveyView(
        response=response.pk,
        title=response.survey.title,
        questions=questions_of(response.survey),
        answered=len(response.answers or []),
        via=response.via,
    )


def record_answer(group: Group, action: Action) -> None:
    """Store handler of ``SurveyAnswer``: the response, the archive record, needs/offers.

    Refused (nothing written) when the response is not the member's open one in
    this group or the answer is not for the next question (a replayed or late event).
    """
    assert isinstance(action, SurveyAnswer)
    person = person_of(group, action.member)
    response = (
        SurveyResponse.objects.select_for_update()
        .select_related("survey", "account")
        .filter(pk=action.response, survey__group=group, account__person=person)
        .first()
    )
    if response is None or response.state != State.OPEN:
        raise ArchiveActionError(f"no open survey response #{action.response} of this member")
    answers = list(response.answers or [])
    questions = questions_of(response.survey)
    if action.index != len(answers) or action.index >= len(questions):
        raise ArchiveActionError(f"answer {action.index + 1} is not the next one expected")
    question = questions[action.index]
    value: str | int = int(action.answer) if question.kind == "scale" else action.answer
    answers.append(value)
    now = timezone.now()
    response.answers = answers
    if len(answers) == len(questions):
        response.state, response.completed_at = State.DONE, now
    response.save(update_fields=["answers", "state", "completed_at"])
    text = f"回访「{response.survey.title}」\n问：{question.text}\n答：{value}"
    add_person_record(person, "note", text, now, user=None, by=action.rule or "surveys")
    if question.field and question.kind == "text":
        fill = FillArchive(
            platform=action.platform, group=action.group, rule=action.rule,
            member=action.member, fields=((question.field, str(value)),),
        )  # fmt: skip
        fill_archive(group, fill)
