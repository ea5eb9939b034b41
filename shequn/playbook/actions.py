"""Every write the live engine makes to its own tables goes through here.

Cursors and jobs are the engine's memory between runs; keeping their writes in
one module means the rules for them (a cursor only moves after its event was
handled, a job is claimed by exactly one worker) are kept in one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from shequn.community.models import Group
from shequn.playbook.models import ConnectorState, Job

State = Job.State

#: A failed job is tried at most this many times in all.
MAX_ATTEMPTS = 5
#: The wait before the second try; it doubles with each further try, up to MAX_BACKOFF.
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
#: A job running longer than this is taken back: its engine is presumed dead.
LEASE = timedelta(minutes=15)


def load_cursor(name: str) -> str | None:
    """The cursor saved for connector ``name``; None when it never ran."""
    saved = ConnectorState.objects.filter(name=name).values_list("cursor", flat=True).first()
    return saved or None


def save_cursor(name: str, platform: str, cursor: str | None) -> None:
    """Remember where connector ``name`` stands (called after each handled event)."""
    changes = {"platform": platform, "cursor": cursor or "", "updated_at": timezone.now()}
    if not ConnectorState.objects.filter(name=name).update(**changes):
        ConnectorState.objects.get_or_create(name=name, defaults=changes)


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


def backoff(attempts: int) -> timedelta:
    """How long to wait before try number ``attempts + 1``: doubling from BACKOFF, capped."""
    wait: timedelta = BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_BACKOFF)


def fail_job(job: Job, error: BaseException, now: datetime, permanent: bool = False) -> str:
    """Count a failed run of ``job``; the state it is left in.

    It goes back to pending, due again after ``backoff`` (30 s, 1 min, 2 min, …),
    unless the error is ``permanent`` or this was attempt number MAX_ATTEMPTS:
    then it is failed for good. The latest error is kept either way.
    """
    attempts = job.attempts + 1
    message = f"{type(error).__name__}: {error}"[:2000]
    changes: dict[str, Any] = {"attempts": F("attempts") + 1, "last_error": message}
    if permanent or attempts >= MAX_ATTEMPTS:
        changes["state"] = State.FAILED
    else:
        changes.update(state=State.PENDING, due_at=now + backoff(attempts))
    Job.objects.filter(pk=job.pk).update(**changes)
    return str(changes["state"])


def reclaim_stale(now: datetime, lease: timedelta = LEASE) -> list[int]:
    """Put back jobs claimed longer than ``lease`` ago and still running; their ids.

    Their engine died mid-job (or hangs): the run counts as a failed attempt and
    the job is due again after the backoff, or failed after MAX_ATTEMPTS. Each
    row is taken back with a conditional update, so two engines reclaiming at
    once take back each job once.
    """
    taken: list[int] = []
    stale = Job.objects.filter(state=State.RUNNING, claimed_at__lt=now - lease)
    for pk, attempts, worker, claimed_at in stale.values_list(
        "pk", "attempts", "claimed_by", "claimed_at"
    ):
        tries = attempts + 1
        changes: dict[str, Any] = {
            "attempts": tries,
            "last_error": f"lease expired: claimed by {worker} at {claimed_at:%Y-%m-%d %H:%M:%S}Z "
            "and never finished",
        }
        if tries >= MAX_ATTEMPTS:
            changes["state"] = State.FAILED
        else:
            changes.update(state=State.PENDING, due_at=now + backoff(tries))
        row = Job.objects.filter(pk=pk, state=State.RUNNING, claimed_at=claimed_at)
        if row.update(**changes) == 1:
            taken.append(pk)
    return taken
