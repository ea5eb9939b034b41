"""The ``checkin_leaderboard`` job kind: post the month's check-in (or points) leaderboard daily.

A group posts one when its check-in rule is on and ``leaderboard_at`` (HH:MM,
the community's wall clock) is set. The first job is planned when the settings
are saved (``settings_saved``, see ``actions.ON_SAVE``) or by ``schedule_leaderboard``;
each job plans the next before it posts, so a retried post never plans twice
and a failed one never breaks the chain. The post is a ``Send`` carried out
through ``Engine.carry_out`` (rule ``checkin``), so it is audited like any
rule's action, and dry-run when the rule is.

The board covers the month of the job's local day, up to the end of that day:
members ranked by check-in days this month (current streak shown), or by the
points they earned in this group this month; ties share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.community.models import Account, Group, Person
from shequn.events import Send
from shequn.playbook.checkin import checkin_days, current_streak
from shequn.playbook.checkin_rule import NAME, CheckinRuleConfig, config_from
from shequn.playbook.checkin_store import checkins_between, points_between
from shequn.playbook.daily import clock, next_daily, plan_day
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, job_group, register
from shequn.playbook.models import Job
from shequn.playbook.rules import RuleConfig
from shequn.playbook.welcome import render

log = logging.getLogger(__name__)

KIND = "checkin_leaderboard"


def next_post(group: Group, now: datetime) -> tuple[datetime, date] | None:
    """When the group's next leaderboard is due after ``now``, and its local day; None: off."""
    config = config_from(group.settings or {})
    if not config.enabled or not config.leaderboard_at:
        return None
    due = next_daily(now, clock(config.leaderboard_at), ZoneInfo(group.community.time_zone))
    return due, due.date()


def schedule_leaderboard(group: Group, now: datetime) -> Job | None:
    """The pending leaderboard job of the next post (made if missing); None when off."""
    found = next_post(group, now)
    if found is None:
        return None
    return plan_day(KIND, group, *found)


def settings_saved(group: Group, config: RuleConfig, now: datetime) -> None:
    """Once the leaderboard is switched on, the next one is planned."""
    schedule_leaderboard(group, now)


def rank(scores: Mapping[str, int], top: int) -> list[tuple[int, str, int]]:
    """(rank, name, score) of the ``top`` best positive scores; ties share a rank."""
    ranked = sorted(((n, s) for n, s in scores.items() if s > 0), key=lambda i: (-i[1], i[0]))
    rows: list[tuple[int, str, int]] = []
    for index, (name, score) in enumerate(ranked[: max(top, 0)]):
        place = rows[-1][0] if rows and rows[-1][2] == score else index + 1
        rows.append((place, name, score))
    return rows


def _month(group: Group, day: date) -> tuple[datetime, datetime, ZoneInfo]:
    """From the start of ``day``'s month to the end of ``day``, in the community's zone."""
    zone = ZoneInfo(group.community.time_zone)
    start = datetime.combine(day.replace(day=1), time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone), zone


def _account_names(ids: list[int]) -> dict[int, str]:
    rows = Account.objects.filter(pk__in=ids).values_list(
        "pk", "display_name", "person__display_name", "external_id"
    )
    return {pk: shown or person or ext for pk, shown, person, ext in rows}


def leaderboard_text(group: Group, day: date) -> str:
    """The board of ``day``'s month so far ("" when nobody scored)."""
    config = config_from(group.settings or {})
    since, until, zone = _month(group, day)
    if config.leaderboard_by == "points":
        earned = points_between(group, since, until)
        people = dict(Person.objects.filter(pk__in=earned).values_list("pk", "display_name"))
        rows = rank(
            {people[pk]: n for pk, n in earned.items() if pk in people}, config.leaderboard_top
        )
        lines = [f"{place}. {name} {score} 分" for place, name, score in rows]
    else:
        lines = _checkin_lines(group, config, since, until, zone, day)
    if not lines:
        return ""
    title = render(config.leaderboard_title, month=f"{day.year:04d}-{day.month:02d}")
    return "\n".join([title, *lines])


def _checkin_lines(
    group: Group,
    config: CheckinRuleConfig,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    day: date,
) -> list[str]:
    """Board lines by check-in days this month, each with the member's current streak."""
    by_account = checkins_between(group, since, until)
    names = _account_names(list(by_account))
    days = {names[pk]: checkin_days(times, zone) for pk, times in by_account.items()}
    rows = rank({name: len(d) for name, d in days.items()}, config.leaderboard_top)
    return [
        f"{place}. {name} 本月打卡 {score} 天（连续 {current_streak(days[name], day)} 天）"
        for place, name, score in rows
    ]


def _prepare(job: Job) -> tuple[Group, str, bool]:
    """The job's group, the board's text and whether the rule is dry-run; plans the next post."""
    group = job_group(job)
    day_text = str(job.payload.get("day") or "")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise JobError(f"job #{job.pk}: day {day_text!r} is not YYYY-MM-DD") from None
    schedule_leaderboard(group, max(job.due_at, timezone.now()))
    return group, leaderboard_text(group, day), config_from(group.settings or {}).dry_run


@register(KIND)
async def post_leaderboard(job: Job, engine_for: EngineFor) -> None:
    """Post the job's day's leaderboard in its group through the engine (nothing if empty)."""
    group, text, dry_run = await sync_to_async(_prepare)(job)
    if not text:
        log.info("leaderboard of group %s: nobody checked in this month", group.pk)
        return
    action = Send(
        platform=group.platform, group=group.external_id, rule=NAME,
        reason=f"check-in leaderboard of {job.payload.get('day')}", text=text,
    )  # fmt: skip
    planned = Planned(rule=NAME, action=action, dry_run=dry_run, event_id=f"job:{job.pk}")
    await engine_for(group.community).carry_out(group, planned)
