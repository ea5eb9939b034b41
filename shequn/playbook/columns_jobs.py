"""The column job kinds: post a slot, remind before it, warn of a dry queue, summarise after.

Each job names its slot (``payload["post"]``). Everything said in the group
goes through ``Engine.carry_out``, so it is audited (rule ``column``) like any
rule's action, and a platform that cannot notify leaves the notice in the log.

Restarts: the jobs live in the database, so a slot that fell due while no
engine ran is found by the next one. Within ``LATE_GRACE`` it is posted late,
once; later it is skipped and the operators are told: a column belongs to its
hour, and a morning report at night reads as noise, while a silent skip would
leave the operators wondering. Only the one pending slot is behind, whatever
the downtime, because the next slot is planned from the moment it is handled.
A slot left half-done by an engine that died while posting is never posted
again (it may have gone out): it is marked failed and the operators are told.
"""

from __future__ import annotations

from datetime import datetime

from asgiref.sync import sync_to_async
from django.utils import timezone
from django.utils.translation import gettext as _

from shequn.community.models import Account, Group
from shequn.connectors.base import ConnectorError
from shequn.events import Action, Notify, Send
from shequn.playbook import actions
from shequn.playbook import columns_actions as act
from shequn.playbook.columns import (
    LATE_GRACE,
    dry_text,
    host_at,
    post_text,
    reminder_text,
    skipped_text,
    summary_text,
    zone_of,
)
from shequn.playbook.columns_summary import figures
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.jobs import EngineFor, register
from shequn.playbook.models import ColumnPost, Job

Status = ColumnPost.Status
RULE = "column"


def _load(job: Job) -> ColumnPost | None:
    """The job's slot with its column, group and community; None when it is gone."""
    related = ("column__group__community", "item", "host__person")
    return ColumnPost.objects.select_related(*related).filter(pk=job.payload.get("post")).first()


def _local(post: ColumnPost) -> str:
    zone = zone_of(post.column.group.community.time_zone)
    return post.slot_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _host(host_id: int | None) -> Account | None:
    """The host's account, with the person its name may come from."""
    if host_id is None:
        return None
    return Account.objects.select_related("person").filter(pk=host_id).first()


def _host_name(account: Account | None) -> str:
    if account is None:
        return ""
    return account.display_name or account.person.display_name or account.external_id


async def _say(engine: Engine, job: Job, group: Group, action: Action) -> bool:
    """Carry ``action`` out through the engine (audited); whether it was performed."""
    planned = Planned(rule=RULE, action=action, dry_run=False, event_id=f"job:{job.pk}")
    return action in await engine.carry_out(group, planned)


async def _tell_operators(engine: Engine, job: Job, group: Group, text: str, why: str) -> None:
    notice = Notify(platform=group.platform, group=group.external_id, reason=why, text=text)
    await _say(engine, job, group, notice)


def _send(post: ColumnPost, text: str, why: str) -> Send:
    group = post.column.group
    return Send(platform=group.platform, group=group.external_id, reason=why, text=text)


def _prepare(post: ColumnPost, now: datetime) -> str | None:
    """Why the claimed slot is not posted (and close it so), or None after filling in
    its text, queued item and host (sync, DB)."""
    column = post.column
    if not column.enabled:
        why = _("column switched off")
        act.close_post(post, Status.CANCELLED, now, note=why)
        return why
    if now - post.slot_at > LATE_GRACE:
        late = int((now - post.slot_at).total_seconds() // 60)
        why = _("missed by %(minutes)s min while the engine was down") % {"minutes": late}
        act.close_post(post, Status.SKIPPED, now, note=why)
        return why
    item = act.next_item(column)
    if item is None:
        why = _("queue empty")
        act.close_post(post, Status.SKIPPED, now, note=why)
        return why
    host_id = host_at(list(column.host_ids), post.sequence)
    host = _host(host_id)
    post.item, post.host = item, host
    post.text = post_text(column.name, item.text, _host_name(host))
    return None


@register("column_post")
async def post_slot(job: Job, engine_for: EngineFor) -> None:
    """Post the slot's next queued text (with its host), once; then plan the next slot."""
    post = await sync_to_async(_load)(job)
    if post is None:
        return
    group, now = post.column.group, timezone.now()
    engine = engine_for(group.community)
    if post.status == Status.POSTING:  # an engine died mid-post: it may have gone out
        why = _("the engine stopped while posting; check whether it went out")
        await sync_to_async(act.close_post)(post, Status.FAILED, now, note=why)
        await _tell_operators(
            engine, job, group, skipped_text(post.column.name, _local(post), why), why
        )
        return
    if not await sync_to_async(act.claim_post)(post.pk, job.claimed_by or f"job:{job.pk}", now):
        return  # done, cancelled, or another worker has it
    skipped = await sync_to_async(_prepare)(post, now)
    if skipped is not None:
        text = skipped_text(post.column.name, _local(post), skipped)
        await _tell_operators(engine, job, group, text, skipped)
        return
    if await _say(engine, job, group, _send(post, post.text, f"slot {_local(post)}")):
        fields = {"text": post.text, "item": post.item, "host": post.host, "note": ""}
        await sync_to_async(act.close_post)(post, Status.POSTED, timezone.now(), **fields)
        return
    if job.attempts + 1 >= actions.MAX_ATTEMPTS:
        note = _("not posted after every try; see the audit log")
        await sync_to_async(act.close_post)(post, Status.FAILED, timezone.now(), note=note)
    else:
        await sync_to_async(act.release_post)(post)
    raise ConnectorError(f"column post #{post.pk} not posted (see the audit log)")


@register("column_remind")
async def remind(job: Job, engine_for: EngineFor) -> None:
    """Remind the group (and name the host) before a pending slot; once."""
    post = await sync_to_async(_load)(job)
    if post is None or post.status != Status.PENDING or post.reminded_at is not None:
        return
    if timezone.now() >= post.slot_at:
        return  # too late to remind: the post itself is due
    column, group = post.column, post.column.group
    host_id = host_at(list(column.host_ids), post.sequence)
    host = await sync_to_async(_host)(host_id)
    text = reminder_text(column.name, _local(post), _host_name(host))
    if not await _say(engine_for(group.community), job, group, _send(post, text, "reminder")):
        raise ConnectorError(f"reminder of column post #{post.pk} not sent (see the audit log)")
    await sync_to_async(act.mark)(post, reminded_at=timezone.now())


@register("column_dry")
async def warn_dry(job: Job, engine_for: EngineFor) -> None:
    """Tell the operators when no queued text is left for the pending slot."""
    post = await sync_to_async(_load)(job)
    if post is None or post.status != Status.PENDING or post.warned_at is not None:
        return
    if await sync_to_async(act.next_item)(post.column) is not None:
        return
    group = post.column.group
    text = dry_text(post.column.name, _local(post))
    await _tell_operators(engine_for(group.community), job, group, text, "queue empty")
    await sync_to_async(act.mark)(post, warned_at=timezone.now())


@register("column_summary")
async def summarise(job: Job, engine_for: EngineFor) -> None:
    """Post the summary of a posted slot: who spoke, how many replies, the top messages."""
    post = await sync_to_async(_load)(job)
    if post is None or post.status != Status.POSTED or post.summarised_at is not None:
        return
    column, group = post.column, post.column.group
    found = await sync_to_async(figures)(post, column.window_hours)
    text = summary_text(column.name, column.window_hours, found)
    if not await _say(engine_for(group.community), job, group, _send(post, text, "summary")):
        raise ConnectorError(f"summary of column post #{post.pk} not sent (see the audit log)")
    kept = {
        "speakers": found.speakers, "messages": found.messages, "replies": found.replies,
        "top": [list(t) for t in found.top],
    }  # fmt: skip
    await sync_to_async(act.mark)(post, summarised_at=timezone.now(), summary=kept)
