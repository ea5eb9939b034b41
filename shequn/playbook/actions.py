"""Every write the live engine makes to its own tables goes through here.

Cursors and jobs are the engine's memory between runs; keeping their writes in
one module means the rules for them (a cursor only moves after its event was
handled, a job is claimed by exactly one worker) are kept in one place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F

from shequn.community.models import Group
from shequn.playbook.models import ConnectorState, Job

State = Job.State


def load_cursor(name: str) -> str | None:
    """The cursor saved for connector ``name``; None when it never ran."""
    saved = ConnectorState.objects.filter(name=name).values_list("cursor", flat=True).first()
    return saved or None


def save_cursor(name: str, platform: str, cursor: str | None) -> None:
    """Remember where connector ``name`` stands (called after each handled event)."""
    ConnectorState.objects.update_or_create(
        name=name, defaults={"platform": platform, "cursor": cursor or ""}
    )


def enqueue(
    kind: str, due_at: datetime, payload: dict[str, Any] | None = None, group: Group | None = None
) -> Job:
    """A new pending job of ``kind``, due at ``due_at``."""
    return Job.objects.create(kind=kind, due_at=due_at, payload=payload or {}, group=group)


def due_ids(now: datetime, limit: int) -> list[int]:
    """Ids of pending jobs due by ``now``, oldest first (candidates, not yet ours)."""
    due = Job.objects.filter(state=State.PENDING, due_at__lte=now).order_by("due_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


def try_claim(job_id: int, worker: str, now: datetime) -> bool:
    """Claim one job with a conditional update; True when this worker won it.

    ``UPDATE … SET state='running' WHERE id=… AND state='pending'`` changes one
    row for exactly one of any number of racing workers: the database decides,
    on SQLite and PostgreSQL alike, without locks held across the job's run.
    """
    won = Job.objects.filter(pk=job_id, state=State.PENDING).update(
        state=State.RUNNING, claimed_by=worker, claimed_at=now
    )
    return won == 1


def claim_due(worker: str, now: datetime, limit: int = 10) -> list[Job]:
    """Claim up to ``limit`` due pending jobs for ``worker``; the jobs it won."""
    won = [pk for pk in due_ids(now, limit) if try_claim(pk, worker, now)]
    return list(Job.objects.filter(pk__in=won).select_related("group").order_by("due_at", "pk"))


def finish_job(job: Job) -> None:
    """Mark a job this worker ran as done."""
    Job.objects.filter(pk=job.pk).update(state=State.DONE, last_error="")


def fail_job(job: Job, error: BaseException) -> None:
    """Mark a job failed, keeping the error and counting the attempt."""
    message = f"{type(error).__name__}: {error}"
    Job.objects.filter(pk=job.pk).update(
        state=State.FAILED, last_error=message, attempts=F("attempts") + 1
    )
