"""The elimination sweep: the ``eliminate`` job kind, run daily per group.

One sweep of a group, in order: (1) open notices whose member left, replied in
the group (an appeal: the operators are told, the member stays) or checked in
(spared) are closed; (2) notices past their grace period whose member is still
under the policy end in a Remove (``how=eliminated``); (3) members newly under
the policy get a notice by direct message (a Warn) with its deadline. Every
action goes through the engine (so it is audited, dry-run aware, and turned
into a notice to the operators where the platform cannot do it).

Each daily sweep enqueues the next one at the policy's ``sweep_hour``, and a
one-off sweep when the earliest new notice's grace period ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Group
from shequn.events import Action, Actor, LeaveHow, Notify, Remove, Warn
from shequn.playbook import elimination_actions as records
from shequn.playbook.elimination import NAME, Verdict, render, why
from shequn.playbook.elimination_store import EliminationError, SweepPlan, load_policy, plan_sweep
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.models import EliminationNotice, Job

State = EliminationNotice.State


@dataclass
class SweepReport:
    """What one sweep did: member ids per step."""

    enabled: bool
    noticed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)  # member id → new state
    failed: list[str] = field(default_factory=list)
    deadline: datetime | None = None  # of the notices given in this sweep


def deadline_text(plan: SweepPlan) -> str:
    """The deadline of a notice given now, in the community's time (as the member reads it)."""
    return plan.deadline.astimezone(plan.zone).strftime("%Y-%m-%d %H:%M")


async def sweep(group_id: int, engine: Engine, now: datetime | None = None) -> SweepReport:
    """Sweep one group at ``now`` (default: the clock) through ``engine``."""
    at = now or timezone.now()
    plan = await sync_to_async(plan_sweep)(group_id, at)
    report = SweepReport(enabled=plan.config.enabled, deadline=plan.deadline)
    if not plan.config.enabled:
        return report
    for notice, state, reply in plan.resolved:
        await _resolve(plan, engine, notice, state, reply)
        report.resolved[notice.account.external_id] = state
    for notice, verdict in plan.due:
        state = await _remove(plan, engine, notice, verdict)
        target = report.removed if state == State.REMOVED else report.failed
        target.append(verdict.member.member_id)
    for account_id, verdict in plan.new:
        await _notice(plan, engine, account_id, verdict)
        report.noticed.append(verdict.member.member_id)
    return report


def _planned(plan: SweepPlan, action: Action, event_id: str) -> Planned:
    return Planned(rule=NAME, action=action, dry_run=plan.config.dry_run, event_id=event_id)


async def _resolve(
    plan: SweepPlan, engine: Engine, notice: EliminationNotice, state: str, reply: str
) -> None:
    """Close a notice; on an appeal, tell the operators what the member said."""
    await sync_to_async(records.resolve)(notice, state, reply, plan.now)
    if state != State.APPEALED:
        return
    text = records.appeal_text(notice, reply)
    notify = Notify(
        platform=plan.group.platform, group=plan.group.external_id, rule=NAME,
        reason=f"appeal against elimination notice #{notice.pk}", text=text,
    )  # fmt: skip
    await engine.carry_out(plan.group, _planned(plan, notify, f"elimination:{notice.pk}"))


async def _remove(
    plan: SweepPlan, engine: Engine, notice: EliminationNotice, verdict: Verdict
) -> str:
    """Remove a member whose grace period is over; the notice's new state."""
    group, member = plan.group, verdict.member
    reason = render(
        plan.config.removal_text, verdict, group.name, deadline_text(plan), plan.config.grace_days
    )
    action = Remove(
        platform=group.platform, group=group.external_id, rule=NAME, reason=reason,
        member=Actor(id=member.member_id, name=member.name), how=LeaveHow.ELIMINATED,
    )  # fmt: skip
    mark = await sync_to_async(records.audit_mark)()
    await engine.carry_out(group, _planned(plan, action, f"elimination:{notice.pk}"))
    return await sync_to_async(records.record_removal)(notice, plan.now, mark)


async def _notice(plan: SweepPlan, engine: Engine, account_id: int, verdict: Verdict) -> None:
    """Tell a member by direct message that they fall under the policy, and remember it."""
    group, member, config = plan.group, verdict.member, plan.config
    deadline = deadline_text(plan)
    text = render(config.notice_text, verdict, group.name, deadline, config.grace_days)
    warn = Warn(
        platform=group.platform, group=group.external_id, rule=NAME,
        reason=f"{verdict.criterion}: {why(verdict)}; deadline {plan.deadline.isoformat()}",
        member=Actor(id=member.member_id, name=member.name), text=text,
    )  # fmt: skip
    event_id = f"elimination:{group.pk}:{member.member_id}:{plan.now:%Y%m%d}"
    done = await engine.carry_out(group, _planned(plan, warn, event_id))
    await sync_to_async(records.record_notice)(
        group, account_id, verdict, plan.now, plan.deadline,
        dry_run=config.dry_run, delivered=any(isinstance(a, Warn) for a in done),
    )  # fmt: skip


def _group_of(job: Job) -> Group:
    group_id = job.group_id if job.group_id is not None else job.payload.get("group")
    group = Group.objects.select_related("community").filter(pk=group_id).first()
    if group is None:
        raise JobError(f"job #{job.pk}: no group {group_id!r}")
    return group


def _schedule_after(group: Group, deadline: datetime | None, daily: bool) -> None:
    """Enqueue the next daily sweep (when this one was daily) and the deadline sweep."""
    config, zone = load_policy(group)
    if not config.enabled:
        return
    if daily:
        next_at = records.next_sweep_at(timezone.now(), config.sweep_hour, zone)
        records.schedule_sweep(group, next_at)
    if deadline is not None:
        records.schedule_sweep(group, deadline, daily=False)


@register(records.KIND)
async def eliminate(job: Job, engine_for: EngineFor) -> None:
    """Sweep ``job``'s group now; schedule what comes next (see the module doc)."""
    group = await sync_to_async(_group_of)(job)
    try:
        report = await sweep(group.pk, engine_for(group.community))
    except EliminationError as error:  # bad settings: no retry can help
        raise JobError(f"job #{job.pk}: {error}") from None
    if report.enabled:
        deadline = report.deadline if report.noticed else None
        await sync_to_async(_schedule_after)(group, deadline, bool(job.payload.get("daily")))
