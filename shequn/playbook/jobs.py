"""Job kinds: name → handler, run by the scheduler for jobs it claimed.

A handler gets the job and a way to reach the engine of the job's community
(so it acts through the same connectors and audit log as the rules). It returns
on success and raises on failure; the scheduler records either outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async

from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.base import ConnectorError
from shequn.events import Notify
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.models import Job

#: The engine that acts for a community (the runner's, or one without connectors).
EngineFor = Callable[[Community], Engine]
Handler = Callable[[Job, EngineFor], Awaitable[None]]

KINDS: dict[str, Handler] = {}


class JobError(Exception):
    """A job cannot run as given (unknown kind, bad payload)."""


def register(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of jobs of ``kind``."""

    def add(handler: Handler) -> Handler:
        KINDS[kind] = handler
        return handler

    return add


def handler_for(kind: str) -> Handler:
    """The handler of ``kind``; JobError names the known kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise JobError(f"unknown job kind {kind!r}; known: {', '.join(sorted(KINDS))}") from None


def _job_group(job: Job) -> Group:
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


@register("notify")
async def notify(job: Job, engine_for: EngineFor) -> None:
    """Tell the group's operators ``payload["text"]`` through its connector; audit it.

    Unlike a rule's action, a failure is raised (after the audit entry) so that
    the job is marked failed with the reason.
    """
    text = str(job.payload.get("text") or "")
    if not text:
        raise JobError(f"job #{job.pk}: notify without text")
    group = await sync_to_async(_job_group)(job)
    engine = engine_for(group.community)
    rule = f"job:{job.kind}"
    action = Notify(
        platform=group.platform, group=group.external_id, rule=rule, reason="scheduled", text=text
    )
    item = Planned(rule=rule, action=action, dry_run=False, event_id=f"job:{job.pk}")
    connector = engine.connectors.get(group.platform)
    try:
        if connector is None:
            raise ConnectorError(f"no connector for {group.platform}", permanent=True)
        await connector.perform(action)
    except Exception as exc:
        await sync_to_async(engine.record)(group, item, AuditLog.Outcome.FAILED, exc)
        raise
    await sync_to_async(engine.record)(group, item, AuditLog.Outcome.PERFORMED)
