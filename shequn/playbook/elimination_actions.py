"""Every write of dynamic elimination: notices, their outcomes, readmissions, sweep jobs.

Each write that changes what happens to a member is audited in the same
transaction (rule ``elimination``), so the audit log tells the whole story:
the Warn (notice) and Remove entries come from the engine, the rest from here.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.chat.ingest import ingest
from shequn.community.actions import audit
from shequn.community.models import AuditLog, Group
from shequn.events import Action, Actor, Appeal, LeaveHow, MemberLeft
from shequn.playbook.actions import enqueue
from shequn.playbook.daily import next_daily
from shequn.playbook.elimination import NAME, EliminationConfig, Verdict
from shequn.playbook.models import EliminationNotice, Job
from shequn.playbook.moderation.undo import undo
from shequn.playbook.rules import RuleConfig

State = EliminationNotice.State
Outcome = AuditLog.Outcome
KIND = "eliminate"
#: A removal that failed this many times is given up (the operators were told by the engine).
MAX_REMOVALS = 3
_AUDITED_AS: dict[str, str] = {
    State.SPARED: "EliminationSpared",
    State.APPEALED: "EliminationAppeal",
    State.LEFT: "EliminationLeft",
    State.CANCELLED: "EliminationCancelled",
}


class ReadmitError(ValueError):
    """The notice has no removal that can be undone."""


def record_notice(
    group: Group, account_id: int, verdict: Verdict, at: datetime, deadline: datetime,
    *, dry_run: bool, delivered: bool,
) -> EliminationNotice:  # fmt: skip
    """Remember that the member was told (or, in dry run, would have been) with its deadline."""
    return EliminationNotice.objects.create(
        group=group, account_id=account_id, member_name=verdict.member.name,
        criterion=verdict.criterion, facts=verdict.facts(), noticed_at=at, deadline=deadline,
        dry_run=dry_run, delivered=delivered,
    )  # fmt: skip


def _details(notice: EliminationNotice, **extra: Any) -> dict[str, Any]:
    return {"notice": notice.pk, "facts": notice.facts, "dry_run": notice.dry_run, **extra}


def resolve(notice: EliminationNotice, state: str, reply: str, at: datetime) -> None:
    """Close an open notice without removal (spared, appealed, left, cancelled), audited."""
    with transaction.atomic():
        changed = EliminationNotice.objects.filter(pk=notice.pk, state=State.OPEN).update(
            state=state, appeal_text=reply[:4000], resolved_at=at
        )
        if not changed:
            return  # another sweep closed it first
        audit(
            notice.group.community, _AUDITED_AS[state], rule=NAME, group=notice.group,
            target=_member_id(notice), reason=f"elimination notice #{notice.pk}: {state}",
            outcome=Outcome.DRY_RUN if notice.dry_run else Outcome.PERFORMED,
            details=_details(notice, reply=reply[:500]),
        )  # fmt: skip


def appeal_text(notice: EliminationNotice, reply: str) -> str:
    """What the operators are told when a member answers their notice (they stay)."""
    name = notice.member_name or notice.account.external_id
    return (
        f"{name} 在淘汰通知的宽限期内回复了，已保留（未移出）：「{reply[:300]}」"
        f" / {name} replied to the elimination notice and was kept."
    )


def appeal(group: Group, action: Action) -> None:
    """Store handler of ``Appeal``: close the member's open notice; tell the operators.

    The operators' notice goes out as a ``notify`` job (due now), so that it is
    delivered and audited by the engine like the sweep's.
    """
    assert isinstance(action, Appeal)
    notice = (
        EliminationNotice.objects.filter(
            group=group, account__external_id=action.member.id, state=State.OPEN
        )
        .select_related("account", "group__community")
        .first()
    )
    if notice is None:
        return  # closed since the rule looked (a sweep, or an earlier message)
    now = timezone.now()
    resolve(notice, State.APPEALED, action.text, now)
    enqueue("notify", now, {"text": appeal_text(notice, action.text)}, group)


def _member_id(notice: EliminationNotice) -> str:
    return str(notice.account.external_id)


def audit_mark() -> int:
    """The id of the latest audit entry (see ``record_removal``)."""
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def record_removal(notice: EliminationNotice, at: datetime, mark: int) -> str:
    """Close a due notice after the engine tried the removal; the notice's new state.

    The engine's Remove entry (the first after audit entry ``mark``) tells what came
    of it: performed (the member's stay is closed as eliminated), dry run, or failed
    (tried again next sweep, up to MAX_REMOVALS times).
    """
    group = notice.group
    entry = (
        AuditLog.objects.filter(
            group=group, rule=NAME, action="Remove", target=_member_id(notice), pk__gt=mark
        )
        .order_by("pk")
        .first()
    )
    outcome = entry.outcome if entry is not None else Outcome.FAILED
    with transaction.atomic():
        if outcome == Outcome.FAILED:
            attempts = notice.attempts + 1
            state = State.FAILED if attempts >= MAX_REMOVALS else State.OPEN
            EliminationNotice.objects.filter(pk=notice.pk).update(attempts=attempts, state=state)
            return str(state)
        EliminationNotice.objects.filter(pk=notice.pk).update(
            state=State.REMOVED, removal=entry, resolved_at=at
        )
        if outcome == Outcome.PERFORMED:
            _close_stay(notice, at)
    return str(State.REMOVED)


def _close_stay(notice: EliminationNotice, at: datetime) -> None:
    """Store the member's leaving as an elimination (the platform's kick event, if it
    arrives later, finds the stay closed and changes nothing)."""
    group, account = notice.group, notice.account
    member = Actor(id=account.external_id, name=notice.member_name)
    left = MemberLeft(
        platform=group.platform, group=group.external_id, event_id=f"eliminated:{notice.pk}",
        at=at, actor=None, member=member, how=LeaveHow.ELIMINATED,
    )  # fmt: skip
    ingest([left], group.community)


def readmit(notice: EliminationNotice, user: User) -> EliminationNotice:
    """Undo the removal of ``notice`` (moderation's undo: the operators are asked, through the
    platform by a ``notify`` job, to invite the member back); audited with the user."""
    entry = notice.removal
    found = undo(entry, by=f"operator:{user.get_username()}") if entry is not None else None
    if notice.state != State.REMOVED or found is None:
        raise ReadmitError(f"notice #{notice.pk} has no removal to undo")
    group, now = notice.group, timezone.now()
    text = getattr(found.action, "text", "")
    with transaction.atomic():
        EliminationNotice.objects.filter(pk=notice.pk).update(state=State.READMITTED)
        audit(
            group.community, "Readmit", user=user, rule=f"operator:{user.get_username()}",
            group=group, target=_member_id(notice), reason=f"undo of elimination #{notice.pk}",
            details={**found.details(), **_details(notice), "label": found.label},
        )  # fmt: skip
        if text:
            enqueue("notify", now, {"text": text}, group=group)
    notice.refresh_from_db()
    return notice


def next_sweep_at(now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """The first ``hour`` o'clock (community time) after ``now``."""
    return next_daily(now, time(hour), zone)


def schedule_sweep(group: Group, due: datetime, *, daily: bool = True) -> Job | None:
    """Enqueue a sweep of ``group`` at ``due``; None when one is already pending by then.

    A daily sweep schedules the next one when it has run; a deadline sweep (``daily``
    False) only runs once, so that removals come when the grace period ends.
    """
    pending = Job.objects.filter(kind=KIND, group=group, state=Job.State.PENDING)
    if pending.filter(due_at__lte=due, payload__daily=daily).exists():
        return None
    return enqueue(KIND, due, {"group": group.pk, "daily": daily}, group=group)


def settings_saved(group: Group, config: RuleConfig, now: datetime) -> None:
    """Once the policy is switched on, its daily sweep is planned (see ``ON_SAVE``)."""
    if isinstance(config, EliminationConfig) and config.enabled:
        zone = ZoneInfo(group.community.time_zone)
        schedule_sweep(group, next_sweep_at(now, config.sweep_hour, zone))


def request_sweep(group: Group, user: User) -> Job | None:
    """A sweep of ``group`` now, asked for by ``user`` in the console; audited when enqueued."""
    with transaction.atomic():
        job = schedule_sweep(group, timezone.now())
        if job is not None:
            audit(
                group.community, "EliminationSweep", user=user, group=group,
                rule=f"operator:{user.get_username()}", reason="sweep requested in the console",
                details={"job": job.pk},
            )  # fmt: skip
    return job
