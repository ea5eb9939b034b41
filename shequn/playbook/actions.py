"""Every write the live engine makes to its own tables goes through here.

Cursors and jobs are the engine's memory between runs; keeping their writes in
one module means the rules for them (a cursor only moves after its event was
handled, a job is claimed by exactly one worker) are kept in one place.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError

from shequn.chat.statements import execute
from shequn.community.actions import audit
from shequn.community.models import Group
from shequn.playbook.models import ConnectorState, Job
from shequn.playbook.rules import RuleConfig, RuleType

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
    """Remember where connector ``name`` stands (called after each handled round)."""
    now = timezone.now()
    if not _update_cursor(name, platform, cursor or "", now):
        changes = {"platform": platform, "cursor": cursor or "", "updated_at": now}
        ConnectorState.objects.get_or_create(name=name, defaults=changes)


def _update_cursor(name: str, platform: str, cursor: str, now: datetime) -> int:
    """One UPDATE of the connector's row, in SQL written once (live, every round saves
    the cursor, and the ORM building the statement was most of that); rows changed."""
    return int(execute(_cursor_sql(), [platform, cursor, now, name]).rowcount)


@functools.cache
def _cursor_sql() -> str:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(column)} = %s" for column in ("platform", "cursor", "updated_at"))
    table = quote(ConnectorState._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {quote('name')} = %s"


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


def set_rule_settings(
    group: Group, rule: RuleType, config: RuleConfig, *, user: User | None, by: str
) -> list[str]:
    """Store ``config`` as ``rule``'s section of the group's settings; the fields that changed.

    Only that section is written: the group row is locked and read afresh, so a
    change made meanwhile to another section (another rule, the connector) is
    kept. The audit entry holds the settings before (defaults filled in, as the
    rule ran with them) and after; nothing is written or audited when they are
    the same.
    """
    if not isinstance(config, rule.Config):
        raise TypeError(f"{rule.name}: expected a {rule.Config.__name__}")
    after = config.model_dump(mode="json")
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(pk=group.pk)
        settings = dict(locked.settings or {})
        before = _effective(rule, settings.get(rule.name))
        changed = sorted(k for k in after.keys() | before.keys() if before.get(k) != after.get(k))
        if not changed:
            return []
        settings[rule.name] = after
        Group.objects.filter(pk=group.pk).update(settings=settings)
        group.settings = settings
        reason = "; ".join(
            f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in changed
        )
        audit(
            group.community, "rule.settings", user=user, group=group, target=rule.name,
            reason=f"{rule.name}: {reason}",
            details={"rule": rule.name, "by": by, "before": before, "after": after},
        )  # fmt: skip
        start_schedule(group, rule.name, config)
    return changed


#: Rules that act on a schedule (a daily sweep, a daily digest) rather than on events:
#: what plans their next job once their settings are saved, as dotted paths imported on
#: first use (the modules import this one). Without it, switching such a rule on in the
#: console would do nothing until someone started the first job by hand.
ON_SAVE: dict[str, str] = {
    "checkin": "shequn.playbook.checkin_jobs.settings_saved",
    "elimination": "shequn.playbook.elimination_actions.settings_saved",
    "essence": "shequn.playbook.essence_jobs.settings_saved",
    "matching": "shequn.playbook.matching_digest.settings_saved",
}


def start_schedule(group: Group, rule: str, config: RuleConfig) -> None:
    """Plan the first scheduled job of ``rule`` in ``group`` when its settings ask for one."""
    path = ON_SAVE.get(rule)
    if path is None:
        return
    module, _, name = path.rpartition(".")
    getattr(import_module(module), name)(group, config, timezone.now())


def _short(value: object, limit: int = 60) -> str:
    """A value for an audit reason: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _effective(rule: RuleType, section: Any) -> dict[str, Any]:
    """A stored section as the rule runs with it (defaults filled in); as stored if invalid."""
    if section is None:
        section = {}  # never saved: the rule runs with its defaults
    if not isinstance(section, dict):
        return {}
    try:
        return rule.Config.model_validate(section).model_dump(mode="json")
    except ValidationError:
        return dict(section)
