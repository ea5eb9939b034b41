"""The scheduler: claim due jobs, run them, record done or failed; again every interval.

Claiming is a conditional update (``actions.try_claim``), so any number of
engines may run this loop against one store and each job runs once. A job that
raises is tried again later with a growing wait (``actions.fail_job``), unless
the error is permanent (an unknown kind, a platform's refusal) or it has had
its last try; the loop goes on. Jobs left running by an engine that died are
taken back once their lease is over (``actions.reclaim_stale``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Community
from shequn.connectors.base import ConnectorError
from shequn.playbook import actions
from shequn.playbook.engine import Engine
from shequn.playbook.jobs import EngineFor, JobError, handler_for
from shequn.playbook.models import Job

log = logging.getLogger(__name__)


def bare_engine(community: Community) -> Engine:
    """An engine without connectors: its actions fail with "no connector" and are audited."""
    return Engine(community, {})


async def run_job(job: Job, engine_for: EngineFor) -> bool:
    """Run one claimed job and record the outcome; True when it succeeded."""
    try:
        await handler_for(job.kind)(job, engine_for)
    except Exception as exc:
        permanent = isinstance(exc, JobError) or (isinstance(exc, ConnectorError) and exc.permanent)
        state = await sync_to_async(actions.fail_job)(job, exc, timezone.now(), permanent)
        log.warning("job %s #%s failed (%s now): %s", job.kind, job.pk, state, exc)
        return False
    await sync_to_async(actions.finish_job)(job)
    return True


async def run_due(
    worker: str,
    engine_for: EngineFor = bare_engine,
    limit: int = 10,
    lease: timedelta = actions.LEASE,
) -> int:
    """Take back stale jobs, then claim and run the jobs due now; how many this worker ran."""
    reclaimed = await sync_to_async(actions.reclaim_stale)(timezone.now(), lease)
    if reclaimed:
        log.warning("took back jobs %s: their engine stopped while running them", reclaimed)
    jobs = await sync_to_async(actions.claim_due)(worker, timezone.now(), limit)
    for job in jobs:
        await run_job(job, engine_for)
    return len(jobs)


async def run_scheduler(
    stop: asyncio.Event,
    worker: str,
    interval: float,
    engine_for: EngineFor = bare_engine,
    lease: timedelta = actions.LEASE,
) -> None:
    """Run due jobs every ``interval`` seconds until ``stop`` is set.

    The job under way when ``stop`` is set is finished, never cut off; a failure
    of the loop itself (the database away) is logged and retried next round.
    """
    while not stop.is_set():
        try:
            await run_due(worker, engine_for, lease=lease)
        except Exception:
            log.exception("scheduler round failed; retrying in %ss", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
