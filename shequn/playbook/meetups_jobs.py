"""The meetup job kinds: ``meetup_say`` (a notice: sign-up, waitlist, promotion) and
``meetup_remind`` (before the start, with who is coming).

Everything said in the group goes through ``Engine.carry_out`` (rule ``meetup``),
so it is audited like any rule's action. A reminder whose meetup is gone, or
whose time has passed, does nothing.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Group
from shequn.connectors.base import ConnectorError
from shequn.events import Send
from shequn.playbook import meetups as texts
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.models import Job, Meetup
from shequn.playbook.models import MeetupSignup as Signup

RULE = "meetup"


def _group(job: Job) -> Group | None:
    if job.group_id is None:
        return None
    return Group.objects.select_related("community").filter(pk=job.group_id).first()


async def _send(job: Job, engine_for: EngineFor, group: Group, text: str, why: str) -> None:
    """Send ``text`` to the group through its engine; a failure is raised (tried again)."""
    action = Send(
        platform=group.platform, group=group.external_id, rule=RULE, reason=why, text=text
    )
    planned = Planned(rule=RULE, action=action, dry_run=False, event_id=f"job:{job.pk}")
    if action not in await engine_for(group.community).carry_out(group, planned):
        raise ConnectorError(f"meetup job #{job.pk} not sent (see the audit log)")


@register("meetup_say")
async def say(job: Job, engine_for: EngineFor) -> None:
    """Post ``payload["text"]`` in the job's group."""
    text = str(job.payload.get("text") or "")
    group = await sync_to_async(_group)(job)
    if not text or group is None:
        raise JobError(f"job #{job.pk}: meetup_say needs a group and a text")
    await _send(job, engine_for, group, text, "meetup notice")


def _reminder(job: Job) -> tuple[Group, str] | None:
    """The group and the reminder text, or None when there is nothing to remind of."""
    meetup = (
        Meetup.objects.select_related("group__community")
        .filter(pk=job.payload.get("meetup"))
        .first()
    )
    if meetup is None or timezone.now() >= meetup.starts_at:
        return None
    names = list(
        meetup.signups.filter(status=Signup.Status.CONFIRMED)
        .order_by("position")
        .values_list("name", flat=True)
    )
    when = texts.local(meetup.starts_at, meetup.group.community.time_zone)
    return meetup.group, texts.reminder_text(meetup.title, when, meetup.place, names)


@register("meetup_remind")
async def remind(job: Job, engine_for: EngineFor) -> None:
    """Remind the group of a coming meetup: when (local time), where, who is coming."""
    found = await sync_to_async(_reminder)(job)
    if found is not None:
        await _send(job, engine_for, found[0], found[1], "meetup reminder")
