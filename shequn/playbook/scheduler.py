"""The scheduler: claim due jobs, run them, record done or failed; again every interval.

Claiming is a conditional update (``actions.try_claim``), so any number of
engines may run this loop against one store and each job runs once. A job that
raises is marked failed with the error; the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Community
from shequn.playbook import actions
from shequn.playbook.engine import Engine
from shequn.playbook.jobs import EngineFor, handler_for
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
        log.warning("job %s #%s failed: %s", job.kind, job.pk, exc)
        await sync_to_async(actions.fail_job)(job, exc)
        return False
    await sync_to_async(actions.finish_job)(job)
    return True


async def run_due(worker: str, engine_for: EngineFor = bare_engine, limit: int = 10) -> int:
    """Claim and run the jobs due now; how many this worker ran."""
    jobs = await sync_to_async(actions.claim_due)(worker, timezone.now(), limit)
    for job in jobs:
        await run_job(job, engine_for)
    return len(jobs)


async def run_scheduler(
    stop: asyncio.Event,
    worker: str,
    interval: float,
    engine_for: EngineFor = bare_engine,
) -> None:
    """Run due jobs every ``interval`` seconds until ``stop`` is set.

    The job under way when ``stop`` is set is finished, never cut off; a failure
    of the loop itself (the database away) is logged and retried next round.
    """
    while not stop.is_set():
        try:
            await run_due(worker, engine_for)
        except Exception:
            log.exception("scheduler round failed; retrying in %ss", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
