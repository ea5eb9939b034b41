"""A reward rule's leaderboard (排行榜): shown in the console, posted daily in a group if asked.

The board ranks members by what the rule counts (invitees who stayed, referred
purchases), the same counts the sweep grants on; ties share a rank. A rule with
``leaderboard_group`` and ``leaderboard_at`` (HH:MM, the community's wall clock)
posts it there every day as a ``Send`` through the engine (rule ``rewards``), so
it is audited like any rule's action. Each job plans the next one before it posts,
so a retried post never plans twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Group, Person
from shequn.community.reward_models import RewardMeasure, RewardRule
from shequn.events import Send
from shequn.playbook.actions import enqueue
from shequn.playbook.checkin_jobs import rank
from shequn.playbook.daily import clock, next_daily
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.models import Job
from shequn.playbook.rewards import NAME, counts, schedule_sweep

log = logging.getLogger(__name__)

KIND = "reward_leaderboard"


@dataclass(frozen=True)
class BoardRow:
    """One place on a board: rank, the member, their count."""

    place: int
    person: Person
    count: int


def board(rule: RewardRule, now: datetime) -> list[BoardRow]:
    """The rule's ``leaderboard_top`` best members at ``now``; ties share a rank."""
    found = counts(rule, now)
    by_key = {f"{pid:012d}": n for pid, n in found.items()}
    ranked = rank(by_key, rule.leaderboard_top)
    persons = Person.objects.in_bulk([int(key) for _, key, _ in ranked])
    return [BoardRow(place, persons[int(key)], n) for place, key, n in ranked]


def board_text(rule: RewardRule, now: datetime) -> str:
    """The board as posted in the group ("" when nobody counts yet)."""
    rows = board(rule, now)
    if not rows:
        return ""
    unit = "单" if rule.measure == RewardMeasure.PURCHASES else "人"
    lines = [f"{r.place}. {r.person.display_name} {r.count} {unit}" for r in rows]
    return "\n".join([f"「{rule.name}」排行榜", *lines])


def schedule_board(rule: RewardRule, now: datetime) -> Job | None:
    """The pending job of the rule's next post (made if missing); None when it posts none."""
    if not rule.active or rule.leaderboard_group_id is None or not rule.leaderboard_at:
        return None
    zone = ZoneInfo(rule.community.time_zone)
    due = next_daily(now, clock(rule.leaderboard_at), zone)
    day = due.date().isoformat()
    pending = Job.objects.filter(
        kind=KIND, state=Job.State.PENDING, payload__rule=rule.pk, payload__day=day
    ).first()
    return pending or enqueue(
        KIND, due, {"rule": rule.pk, "day": day}, group=rule.leaderboard_group
    )


def _prepare(job: Job) -> tuple[Group, str] | None:
    """The group and text of the job's post (None: the rule no longer posts); plans the next."""
    rule = RewardRule.objects.select_related("community", "leaderboard_group__community").filter(
        pk=job.payload.get("rule")
    )
    found = rule.first()
    if found is None:
        raise JobError(f"job #{job.pk}: no reward rule {job.payload.get('rule')!r}")
    try:
        date.fromisoformat(str(job.payload.get("day") or ""))
    except ValueError:
        raise JobError(f"job #{job.pk}: day is not YYYY-MM-DD") from None
    now = max(job.due_at, timezone.now())
    schedule_board(found, now)
    group = found.leaderboard_group
    if group is None or not found.active or not found.leaderboard_at:
        return None
    return group, board_text(found, now)


@register(KIND)
async def post_board(job: Job, engine_for: EngineFor) -> None:
    """Post the rule's leaderboard in its group through the engine (nothing if empty)."""
    prepared = await sync_to_async(_prepare)(job)
    if prepared is None or not prepared[1]:
        log.info("reward leaderboard job %s: nothing to post", job.pk)
        return
    group, text = prepared
    action = Send(
        platform=group.platform, group=group.external_id, rule=NAME,
        reason=f"reward leaderboard of rule {job.payload.get('rule')}", text=text,
    )  # fmt: skip
    planned = Planned(rule=NAME, action=action, dry_run=False, event_id=f"job:{job.pk}")
    await engine_for(group.community).carry_out(group, planned)


def rule_saved(rule: RewardRule, now: datetime) -> None:
    """After a rule is saved: a sweep soon (its thresholds may be met already), its board."""
    schedule_sweep(rule.community, now)
    schedule_board(rule, now)
