"""The weekly 资源对接 digest of a group: open needs, suggested matches, matches become ties.

The console's matching page shows the same digest (``digest``); with
``settings["matching"]["digest"]`` on, the ``matching_digest`` job posts it in
the group once a week (``digest_weekday`` at ``digest_at``, community's zone) and
plans the next post first, so a failed post (retried) never breaks the chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.analytics.matching import Match
from shequn.community.models import Group, Person
from shequn.events import Send
from shequn.playbook.daily import clock, next_daily, plan_day
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, job_group, register
from shequn.playbook.matching_actions import opted_out
from shequn.playbook.matching_models import Introduction
from shequn.playbook.matching_profiles import matches
from shequn.playbook.models import Job
from shequn.playbook.routing import NAME
from shequn.playbook.routing_jobs import config_of
from shequn.playbook.rules import RuleConfig

log = logging.getLogger(__name__)

KIND = "matching_digest"
#: How many needs and matches the digest lists.
SHOWN = 10
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Need:
    person_id: int
    name: str
    needs: str


@dataclass(frozen=True)
class Suggested:
    """A match as the digest shows it: who needs what, who can help, and why."""

    need_person_id: int
    need_name: str
    need: str
    offer_person_id: int
    offer_name: str
    score: float
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Digest:
    """One group's matching digest for the week ending ``until``."""

    group_id: int
    until: datetime
    needs: list[Need]
    matches: list[Suggested]
    ties: list[Introduction]

    @property
    def empty(self) -> bool:
        return not (self.needs or self.matches or self.ties)


def members_of(group: Group) -> set[int]:
    """Person ids with an open stay in the group."""
    return set(
        Person.objects.filter(
            accounts__memberships__group=group, accounts__memberships__left_at__isnull=True
        ).values_list("pk", flat=True)
    )


def digest(group: Group, until: datetime, *, shown: int = SHOWN) -> Digest:
    """The group's digest: its members' open needs and their best matches, and the week's ties."""
    here = members_of(group) - opted_out(group.community_id)
    persons = Person.objects.filter(pk__in=here).exclude(needs="").order_by("number")
    needs = [Need(p.pk, p.display_name, " ".join(p.needs.split())[:120]) for p in persons[:shown]]
    found = [m for m in matches(group.community_id, limit=3) if m.need_person_id in here]
    found.sort(key=lambda m: -m.offer.score)
    ties = Introduction.objects.filter(
        group=group, tie__isnull=False, tie_at__gt=until - WEEK, tie_at__lte=until
    ).select_related("person_a", "person_b")
    return Digest(group.pk, until, needs, _named(found[:shown]), list(ties.order_by("tie_at")))


def _named(found: list[Match]) -> list[Suggested]:
    ids = {m.need_person_id for m in found} | {m.offer.person_id for m in found}
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return [
        Suggested(
            m.need_person_id,
            names.get(m.need_person_id, ""),
            m.need,
            m.offer.person_id,
            names.get(m.offer.person_id, ""),
            m.offer.score,
            m.offer.reason_zh,
            m.offer.reason_en,
        )
        for m in found
    ]


def digest_text(found: Digest) -> str:
    """The digest as posted in the group (Chinese, plain text)."""
    lines = ["【本周资源对接】"]
    if found.needs:
        lines.append("▍待对接的需求")
        lines += [f"· {n.name}：{n.needs}" for n in found.needs]
    if found.matches:
        lines.append("▍推荐对接")
        lines += [f"· {m.need_name} ↔ {m.offer_name}：{m.reason_zh}" for m in found.matches]
    if found.ties:
        lines.append("▍本周已对接成功")
        lines += [f"· {t.person_a.display_name} 与 {t.person_b.display_name}" for t in found.ties]
    lines.append("有需要或能帮忙的，直接 @ 对方，或私信助理牵线～")
    return "\n".join(lines)


def next_post(group: Group, now: datetime) -> tuple[datetime, date] | None:
    """When the group's next weekly digest is due after ``now`` (None: digests are off)."""
    config = config_of(group)
    if not (config.enabled and config.digest):
        return None
    due = next_daily(now, clock(config.digest_at), ZoneInfo(group.community.time_zone))
    while due.isoweekday() != config.digest_weekday:
        due = next_daily(due, clock(config.digest_at), ZoneInfo(group.community.time_zone))
    return due, due.date()


def schedule_digest(group: Group, now: datetime) -> Job | None:
    """The pending digest job of the next post (made if missing); None when digests are off."""
    found = next_post(group, now)
    return None if found is None else plan_day(KIND, group, *found)


def settings_saved(group: Group, config: RuleConfig, now: datetime) -> None:
    """Once the weekly digest is switched on, the next one is planned (``actions.ON_SAVE``)."""
    schedule_digest(group, now)


def _prepare(job: Job) -> tuple[Group, bool, str]:
    """The group, dry-run, and the text to post ("" for none); the next post is planned first."""
    group = job_group(job)
    now = max(job.due_at, timezone.now())
    schedule_digest(group, now + timedelta(minutes=1))
    config = config_of(group)
    if not (config.enabled and config.digest):
        return group, config.dry_run, ""
    found = digest(group, now)
    return group, config.dry_run, "" if found.empty else digest_text(found)


@register(KIND)
async def post_digest(job: Job, engine_for: EngineFor) -> None:
    """Post the group's weekly matching digest (nothing when there is nothing to say)."""
    group, dry_run, text = await sync_to_async(_prepare)(job)
    if not text:
        log.info("matching digest of group %s: nothing to post", group.pk)
        return
    action = Send(platform=group.platform, group=group.external_id, rule=NAME,
                  reason="weekly matching digest", text=text)  # fmt: skip
    planned = Planned(rule=NAME, action=action, dry_run=dry_run, event_id=f"job:{job.pk}")
    await engine_for(group.community).carry_out(group, planned)


__all__ = ["NAME", "Digest", "digest", "digest_text", "schedule_digest", "settings_saved"]
