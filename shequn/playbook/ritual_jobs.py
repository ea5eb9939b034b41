"""The entry ritual's store side: enqueueing its jobs, and the jobs themselves.

- ``schedule``: the store handler of ``Schedule`` (registered in ``store_actions``):
  a rule's deadline becomes a Job through ``actions.enqueue``; only a performed
  action enqueues (dry-run and replay only record it).
- ``ritual_nickname``: at the nickname deadline, look again; a member still in
  the group whose nickname still does not fit gets one more reminder, and the
  operators are told.
- ``ritual_unanswered``: N minutes after a join, tell the operators when nobody
  replied to or mentioned the newcomer (``ritual.answered`` decides).

Each job reads the group's ritual settings afresh when it runs: switched off
since, it does nothing; in dry-run, it audits what it would have done.
These job kinds register on import: ``PlaybookConfig.ready`` imports this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone
from pydantic import ValidationError

from shequn.chat.models import Message
from shequn.community.actions import audit
from shequn.community.models import AuditLog, Group
from shequn.connectors.base import action_name
from shequn.events import Action, Actor, Notify, Schedule, Send
from shequn.playbook.actions import enqueue
from shequn.playbook.details import describe
from shequn.playbook.jobs import EngineFor, JobError, act_for_job, job_group, known_kinds, register
from shequn.playbook.models import Job
from shequn.playbook.ritual import (
    NAME,
    NICKNAME_JOB,
    UNANSWERED_JOB,
    RitualConfig,
    Said,
    answered,
    reminder,
)
from shequn.playbook.state import StoreState

#: The most messages after a join the unanswered check reads.
SCAN_LIMIT = 5000


def schedule(group: Group, action: Action) -> None:
    """Store handler of ``Schedule``: enqueue the job (its kind must be a known one)."""
    assert isinstance(action, Schedule)
    kinds = known_kinds()
    if action.kind not in kinds:
        raise JobError(f"unknown job kind {action.kind!r}; known: {', '.join(sorted(kinds))}")
    payload: dict[str, Any] = dict(action.payload)
    payload.update(member=action.member.id, name=action.member.name, rule=action.rule)
    enqueue(action.kind, action.due_at, payload, group=group)


def _config(group: Group) -> RitualConfig:
    try:
        return RitualConfig.model_validate((group.settings or {}).get(NAME) or {})
    except ValidationError as exc:
        raise JobError(f"group {group.pk}: ritual settings are invalid: {exc}") from None


def _member(job: Job) -> Actor:
    member = job.payload.get("member")
    if not isinstance(member, str) or not member:
        raise JobError(f"job #{job.pk}: {job.kind} without a member")
    return Actor(member, str(job.payload.get("name") or ""))


def _still_due(group: Group, config: RitualConfig, state: StoreState, member: Actor) -> bool:
    """The rule is on, and the member is still here and not exempt."""
    if not config.enabled or not state.in_group(member.id):
        return False
    return state.role(member.id) not in config.exempt_roles


def nickname_plan(job: Job) -> tuple[Group, bool, list[Action]]:
    """What the nickname deadline calls for (sync, DB): the group, dry-run, the actions."""
    group = job_group(job)
    config, member = _config(group), _member(job)
    state = StoreState(group)
    pattern = config.pattern
    if pattern is None or not _still_due(group, config, state, member):
        return group, config.dry_run, []
    name = state.display_name(member.id) or member.name or member.id
    if pattern.match(name) is not None:
        return group, config.dry_run, []
    where = {"platform": group.platform, "group": group.external_id, "rule": NAME}
    why = f"{name}: nickname deadline passed"
    text = reminder(config, config.deadline_reminder, name)
    notice = (
        f"{name} 入群 {config.nickname_deadline_hours} 小时，群昵称仍不符合「{pattern.text}」"
        f"格式（现为「{name}」）"
    )
    return group, config.dry_run, [
        Send(**where, reason=why, text=text),
        Notify(**where, reason=why, text=notice),
    ]  # fmt: skip


def unanswered_plan(job: Job) -> tuple[Group, bool, list[Action]]:
    """What the unanswered check calls for (sync, DB): a Notify when nobody answered."""
    group = job_group(job)
    config, member = _config(group), _member(job)
    state = StoreState(group)
    if not config.unanswered_minutes or not _still_due(group, config, state, member):
        return group, config.dry_run, []
    joined = _joined_at(job, state, member)
    name = state.display_name(member.id) or member.name or member.id
    if answered(member.id, {name, member.name}, _said_since(group, state, member, joined)):
        return group, config.dry_run, []
    spoke = state.message_count(member.id, joined, timezone.now()) > 0
    what = "发了言，但" if spoke else "入群后"
    text = f"新人 {name} {what} {config.unanswered_minutes} 分钟内没有人回复或 @ TA，去欢迎一下吧"
    why = f"{name}: nobody answered the newcomer in {config.unanswered_minutes} min"
    where = {"platform": group.platform, "group": group.external_id, "rule": NAME}
    return group, config.dry_run, [Notify(**where, reason=why, text=text)]


def _joined_at(job: Job, state: StoreState, member: Actor) -> datetime:
    raw = job.payload.get("joined_at")
    if isinstance(raw, str) and raw:
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise JobError(f"job #{job.pk}: joined_at {raw!r} is not an ISO time") from None
    return state.joined_at(member.id) or job.due_at


def _said_since(group: Group, state: StoreState, member: Actor, since: datetime) -> list[Said]:
    """The group's messages since ``since``, each with whom it replies to and mentions."""
    newcomer = state.account(member.id)
    if newcomer is None:
        return []
    theirs = set(
        Message.objects.filter(group=group, sender=newcomer, at__gte=since).values_list(
            "external_id", flat=True
        )
    )
    rows = (
        Message.objects.filter(group=group, at__gte=since)
        .order_by("at", "pk")
        .values_list("sender__external_id", "sender__is_bot", "text", "reply_to", "mentions")
    )
    said: list[Said] = []
    for sender, is_bot, text, reply_to, mentions in rows[:SCAN_LIMIT]:
        mentioned = isinstance(mentions, list) and newcomer.pk in mentions
        said.append(
            Said(
                sender=sender or "",
                sender_is_bot=bool(is_bot),
                text=text or "",
                reply_to_sender=member.id if reply_to and reply_to in theirs else "",
                mentions=(member.id,) if mentioned else (),
            )
        )
    return said


async def _carry_out(
    job: Job, engine_for: EngineFor, plan: tuple[Group, bool, list[Action]]
) -> None:
    """Perform the plan's actions through the group's connector, or audit them as dry-run."""
    group, dry_run, actions = plan
    for action in actions:
        if dry_run:
            await sync_to_async(_audit_dry_run)(job, group, action)
        else:
            await act_for_job(job, group, engine_for(group.community), action, action_name(action))


def _audit_dry_run(job: Job, group: Group, action: Action) -> None:
    details = {"event_id": f"job:{job.pk}", "action": describe(action)}
    audit(
        group.community, action_name(action), rule=action.rule, group=group,
        target=str(job.payload.get("member") or ""), reason=action.reason,
        outcome=AuditLog.Outcome.DRY_RUN, details=details,
    )  # fmt: skip


@register(NICKNAME_JOB)
async def nickname_deadline(job: Job, engine_for: EngineFor) -> None:
    """The nickname deadline came: remind once more and tell the operators, if still due."""
    await _carry_out(job, engine_for, await sync_to_async(nickname_plan)(job))


@register(UNANSWERED_JOB)
async def unanswered(job: Job, engine_for: EngineFor) -> None:
    """N minutes after a join: tell the operators if nobody answered the newcomer."""
    await _carry_out(job, engine_for, await sync_to_async(unanswered_plan)(job))
