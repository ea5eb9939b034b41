"""The ``digest`` job kind: post a group's daily digest at its set time, then plan the next.

A group posts digests when ``settings["essence"]["digest"]`` is on; the first job is
planned by ``schedule_digest`` (``shequn digest --group ID --schedule``), and each job
plans the next before it posts, so a failed post (retried by the scheduler) never
breaks the chain and a retry never plans twice. The post is a ``Send`` through the
group's connector, audited as ``Digest`` like every job's action.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.analytics.digest import Digest
from shequn.analytics.digest_load import digest_for
from shequn.analytics.digest_text import digest_text
from shequn.community.models import Group
from shequn.events import Send
from shequn.playbook.daily import clock, next_daily, plan_day
from shequn.playbook.essence_history import config_of
from shequn.playbook.jobs import EngineFor, JobError, act_for_job, job_group, register
from shequn.playbook.models import Job
from shequn.playbook.rules import RuleConfig

log = logging.getLogger(__name__)

KIND = "digest"


def next_post(group: Group, now: datetime) -> tuple[datetime, date] | None:
    """When the group's next digest is due after ``now`` and which local day it covers.

    None when the group posts no digests. Times are the community's wall clock.
    """
    config = config_of(group)
    if not config.digest:
        return None
    due = next_daily(now, clock(config.digest_at), ZoneInfo(group.community.time_zone))
    day = due.date() - timedelta(days=1) if config.digest_day == "yesterday" else due.date()
    return due, day


def schedule_digest(group: Group, now: datetime) -> Job | None:
    """The pending digest job of the next post (made if missing); None when digests are off."""
    found = next_post(group, now)
    if found is None:
        return None
    return plan_day(KIND, group, *found)


def settings_saved(group: Group, config: RuleConfig, now: datetime) -> None:
    """Once digests are switched on, the next one is planned (see ``ON_SAVE``)."""
    schedule_digest(group, now)


def _prepare(job: Job) -> tuple[Group, Digest]:
    """The job's group and digest (sync, DB); the next post is planned first."""
    group = job_group(job)
    day_text = str(job.payload.get("day") or "")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise JobError(f"job #{job.pk}: day {day_text!r} is not YYYY-MM-DD") from None
    # From now when the engine was away for days: no backlog of stale digests.
    schedule_digest(group, max(job.due_at, timezone.now()))
    return group, digest_for(group.pk, day, threads=config_of(group).digest_threads)


@register(KIND)
async def post_digest(job: Job, engine_for: EngineFor) -> None:
    """Post ``payload["day"]``'s digest in the job's group (nothing on a silent day)."""
    group, digest = await sync_to_async(_prepare)(job)
    if digest.messages == 0:
        log.info("digest of group %s for %s: no messages, nothing posted", group.pk, digest.day)
        return
    action = Send(
        platform=group.platform,
        group=group.external_id,
        rule=f"job:{KIND}",
        reason=f"daily digest of {digest.day.isoformat()}",
        text=await sync_to_async(digest_text)(digest),
    )
    await act_for_job(job, group, engine_for(group.community), action, "Digest")
