"""Job kinds: name → handler, run by the scheduler for jobs it claimed.

A handler gets the job and a way to reach the engine of the job's community
(so it acts through the same connectors and audit log as the rules). It returns
on success and raises on failure; the scheduler records either outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

from asgiref.sync import sync_to_async

from shequn.community.actions import audit
from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.base import ConnectorError
from shequn.events import Action, Actor, Mute, Notify
from shequn.playbook.details import describe
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job

#: The engine that acts for a community (the runner's, or one without connectors).
EngineFor = Callable[[Community], Engine]
Handler = Callable[[Job, EngineFor], Awaitable[None]]

KINDS: dict[str, Handler] = {}

#: The modules whose handlers register the other job kinds (``register``). They are
#: imported on the first lookup, not when Django starts: with them come the engine
#: and polars, ~0.4 s that every command paid, an import of one small file included.
JOB_MODULES = (
    "shequn.playbook.admission_jobs",
    "shequn.playbook.checkin_jobs",
    "shequn.playbook.columns_jobs",
    "shequn.playbook.elimination_sweep",
    "shequn.playbook.essence_jobs",
    "shequn.playbook.jielong_jobs",
    "shequn.playbook.matching_digest",
    "shequn.playbook.matching_intro",
    "shequn.playbook.meetups_jobs",
    "shequn.playbook.presence_jobs",
    "shequn.playbook.rewards",
    "shequn.playbook.rewards_board",
    "shequn.playbook.ritual_jobs",
    "shequn.playbook.routing_jobs",
    "shequn.playbook.surveys_jobs",
)

PERFORMED, FAILED = AuditLog.Outcome.PERFORMED, AuditLog.Outcome.FAILED


class JobError(Exception):
    """A job cannot run as given (unknown kind, bad payload)."""


def register(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of jobs of ``kind``."""

    def add(handler: Handler) -> Handler:
        KINDS[kind] = handler
        return handler

    return add


@functools.cache
def known_kinds() -> dict[str, Handler]:
    """Every job kind and its handler, the modules of JOB_MODULES imported first."""
    for module in JOB_MODULES:
        import_module(module)
    return KINDS


def handler_for(kind: str) -> Handler:
    """The handler of ``kind``; JobError names the known kinds."""
    kinds = known_kinds()
    try:
        return kinds[kind]
    except KeyError:
        raise JobError(f"unknown job kind {kind!r}; known: {', '.join(sorted(kinds))}") from None


def job_group(job: Job) -> Group:
    """The group a job acts in: its ``group`` column, else ``payload["group"]`` (an id)."""
    if job.group_id is not None:
        return Group.objects.select_related("community").get(pk=job.group_id)
    group_id = job.payload.get("group")
    if group_id is None:
        raise JobError(f"job #{job.pk} names no group")
    group = Group.objects.select_related("community").filter(pk=group_id).first()
    if group is None:
        raise JobError(f"job #{job.pk}: no group {group_id!r}")
    return group


async def act_for_job(
    job: Job, group: Group, engine: Engine, action: Action, audit_as: str
) -> None:
    """Perform ``action`` through the group's connector and audit it as ``audit_as``.

    Unlike a rule's action, a failure is raised (after the audit entry) so that
    the scheduler counts the attempt and tries again later, or gives up.
    """
    connector = engine.connectors.get(group.platform)
    try:
        if connector is None:
            raise ConnectorError(f"no connector for {group.platform}", permanent=True)
        await connector.perform(action)
    except Exception as exc:
        await sync_to_async(_audit)(job, group, action, audit_as, exc)
        raise
    await sync_to_async(_audit)(job, group, action, audit_as, None)


def _audit(job: Job, group: Group, action: Action, name: str, error: Exception | None) -> None:
    details: dict[str, Any] = {"event_id": f"job:{job.pk}", "action": describe(action)}
    if error is not None:
        details["error"] = {
            "type": type(error).__name__,
            "message": str(error),
            "permanent": getattr(error, "permanent", None),
        }
        details["attempt"] = job.attempts + 1
    member = getattr(action, "member", None)
    audit(
        group.community, name, rule=action.rule, group=group, reason=action.reason,
        target=member.id if isinstance(member, Actor) else "",
        outcome=FAILED if error is not None else PERFORMED, details=details,
    )  # fmt: skip


@register("notify")
async def notify(job: Job, engine_for: EngineFor) -> None:
    """Tell the group's operators ``payload["text"]`` through its connector; audit it."""
    text = str(job.payload.get("text") or "")
    if not text:
        raise JobError(f"job #{job.pk}: notify without text")
    group = await sync_to_async(job_group)(job)
    rule = f"job:{job.kind}"
    action = Notify(
        platform=group.platform, group=group.external_id, rule=rule, reason="scheduled", text=text
    )
    await act_for_job(job, group, engine_for(group.community), action, "Notify")


@register("unmute")
async def unmute(job: Job, engine_for: EngineFor) -> None:
    """Lift the mute of ``payload["member"]`` whose time is up (a Mute of zero duration).

    The engine schedules one for every mute it performs; audited as ``Unmute``.
    """
    member = job.payload.get("member")
    if not isinstance(member, str) or not member:
        raise JobError(f"job #{job.pk}: unmute without a member")
    group = await sync_to_async(job_group)(job)
    muted_by = str(job.payload.get("rule") or "")
    action = Mute(
        platform=group.platform,
        group=group.external_id,
        rule=f"job:{job.kind}",
        reason=f"the mute by {muted_by} ended" if muted_by else "the mute ended",
        member=Actor(id=member, name=str(job.payload.get("name") or "")),
        duration=timedelta(0),
    )
    await act_for_job(job, group, engine_for(group.community), action, "Unmute")
