"""The routing rule's jobs: look at a question after the wait, and settle what came of it.

- ``question_route`` (scheduled by the ``matching`` rule for every question): the
  question is remembered (``OpenQuestion``); if someone answered it already, that
  is noted and nothing else happens. Otherwise the matching members are
  suggested (``RoutingSuggestion``) and the engine carries out a notice to the
  operators, or a reply @-mentioning them where the group allows it (dry-run:
  only audited). An outcome check is planned.
- ``question_outcome``: ``outcome_hours`` after the question, records whether a
  suggested member answered (their priors move accordingly).

Each job reads the group's settings afresh: a rule switched off since does nothing.
These job kinds register on import (``PlaybookConfig.ready``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from shequn.chat.models import Message
from shequn.community.models import Account, Group
from shequn.events import Action, Notify, Reply
from shequn.playbook import matching_actions as act
from shequn.playbook.actions import enqueue
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, job_group, register
from shequn.playbook.matching_models import OpenQuestion, RoutingSuggestion
from shequn.playbook.matching_outcomes import answers
from shequn.playbook.matching_profiles import route
from shequn.playbook.models import Job
from shequn.playbook.routing import (
    NAME,
    OUTCOME_JOB,
    ROUTE_JOB,
    MatchingConfig,
    mention_text,
    notice_text,
)

Via = RoutingSuggestion.Via


def config_of(group: Group) -> MatchingConfig:
    """The group's matching settings; JobError when they do not validate."""
    try:
        return MatchingConfig.model_validate((group.settings or {}).get(NAME) or {})
    except ValidationError as exc:
        raise JobError(f"group {group.pk}: matching settings are invalid: {exc}") from None


@dataclass
class Plan:
    """What a job decided (sync, DB): the group, dry-run, and the actions to carry out."""

    group: Group
    dry_run: bool = False
    actions: list[Action] = field(default_factory=list)


def _asked(job: Job) -> tuple[str, datetime]:
    message_id = str(job.payload.get("message_id") or "")
    raw = str(job.payload.get("asked_at") or "")
    if not message_id or not raw:
        raise JobError(f"job #{job.pk}: {job.kind} needs message_id and asked_at")
    try:
        return message_id, datetime.fromisoformat(raw)
    except ValueError:
        raise JobError(f"job #{job.pk}: asked_at {raw!r} is not an ISO time") from None


def route_plan(job: Job) -> Plan:
    """Remember the question; when nobody answered it, whom to suggest and how (sync, DB)."""
    group = job_group(job)
    config = config_of(group)
    plan = Plan(group, config.dry_run)
    message_id, asked_at = _asked(job)
    message = (
        Message.objects.select_related("sender")
        .filter(group=group, external_id=message_id, deleted_at__isnull=True)
        .first()
    )
    if not config.enabled or message is None:
        return plan
    asker = message.sender
    question = act.note_question(group, message_id, asker, message.text, asked_at)
    if question.routed_at is not None:
        return plan  # a retried job: routed already
    now = max(timezone.now(), job.due_at)
    found = answers(group, message_id, asker, asked_at, now)
    if found:
        act.mark_answered(question, _account(found[0].account_id), found[0].at)
        return plan
    plan.actions = _suggest(group, config, question, asker, now)
    return plan


def _account(pk: int) -> Account | None:
    return Account.objects.filter(pk=pk).first()


def _suggest(
    group: Group, config: MatchingConfig, question: OpenQuestion, asker: Account | None,
    now: datetime,
) -> list[Action]:  # fmt: skip
    """Record the suggestions; the Notify or the Reply that carries them."""
    chosen = route(
        group.community_id, question.text, group_id=group.pk,
        asker=asker.person_id if asker is not None else None, at=question.asked_at,
        limit=config.mentions,
    )  # fmt: skip
    via = Via.MENTION if config.mention and chosen else Via.NOTICE if config.notify else Via.CONSOLE
    picks = [act.Suggested(c.person_id, c.score, c.reason_zh) for c in chosen]
    settle_at = question.asked_at + timedelta(hours=config.outcome_hours)
    with transaction.atomic():  # a suggestion is never left without its outcome check
        act.record_suggestions(question, picks, via, dry_run=config.dry_run, now=now)
        enqueue(OUTCOME_JOB, settle_at, {"question": question.pk}, group=group)
    if via == Via.CONSOLE:
        return []  # shown on the console's matching page only
    names = _names(group, [c.person_id for c in chosen])
    where = {"platform": group.platform, "group": group.external_id, "rule": NAME}
    asker_name = (asker.display_name or asker.external_id) if asker is not None else "?"
    why = f"{asker_name}: question unanswered for {config.wait_minutes} min"
    if via == Via.MENTION:
        reason = "；".join(c.reason_zh for c in chosen)
        text = mention_text(config, [names[c.person_id] for c in chosen], reason)
        return [Reply(**where, reason=why, message_id=question.message_external_id, text=text)]
    lines = [f"{names[c.person_id]}：{c.reason_zh}" for c in chosen]
    text = notice_text(asker_name, question.text, lines, config.wait_minutes)
    return [Notify(**where, reason=why, text=text)]


def _names(group: Group, person_ids: list[int]) -> dict[int, str]:
    """Each person's name as this group knows them (their account's nickname here, if any)."""
    accounts = Account.objects.filter(person_id__in=person_ids, platform=group.platform)
    names: dict[int, str] = {}
    for account in accounts.select_related("person").order_by("pk"):
        stay = account.memberships.filter(group=group).exclude(nickname="").order_by("-pk").first()
        name = stay.nickname if stay is not None else account.display_name
        names.setdefault(account.person_id, name or account.person.display_name)
    for pk in person_ids:
        names.setdefault(pk, f"#{pk}")
    return names


@register(ROUTE_JOB)
async def route_question(job: Job, engine_for: EngineFor) -> None:
    """After the wait: route the question nobody answered (through the engine: audited)."""
    plan = await sync_to_async(route_plan)(job)
    engine = engine_for(plan.group.community)
    for action in plan.actions:
        planned = Planned(rule=NAME, action=action, dry_run=plan.dry_run, event_id=f"job:{job.pk}")
        await engine.carry_out(plan.group, planned)


def outcome_check(job: Job) -> None:
    """Record what became of the question's suggestions (sync, DB)."""
    group = job_group(job)
    question = (
        OpenQuestion.objects.select_related("asker", "group__community")
        .filter(pk=job.payload.get("question"), group=group)
        .first()
    )
    if question is None:
        raise JobError(f"job #{job.pk}: no question {job.payload.get('question')!r} in the group")
    suggestions = list(question.suggestions.all())
    if not suggestions:
        return
    config = config_of(group)
    pinged = frozenset(s.person_id for s in suggestions if s.via == Via.MENTION)
    # When the routing meant to mention them (the job may have run late; the time is the rule's).
    pinged_at = question.asked_at + timedelta(minutes=config.wait_minutes)
    until = question.asked_at + timedelta(hours=config.outcome_hours)
    later = answers(
        group, question.message_external_id, question.asker, question.asked_at, until,
        pinged, pinged_at,
    )  # fmt: skip
    if later:
        act.mark_answered(question, _account(later[0].account_id), later[0].at)
    act.settle(question, {a.person_id for a in later}, timezone.now())


@register(OUTCOME_JOB)
async def settle_question(job: Job, engine_for: EngineFor) -> None:
    """``outcome_hours`` after the question: did a suggested member answer?"""
    await sync_to_async(outcome_check)(job)
