"""Reward rules (奖励规则), evaluated: who reached which threshold, granted once, clawed back.

The seeds' fission advice is "try sharing → earn at once → share more", but with
quality: an invitee only counts once they have stayed ``stay_days``, and stops
counting when they left (or were removed) within ``clawback_days`` of joining,
so inviting people who leave at once earns nothing. A referred purchase is a
paid order naming the member as its referrer (a refund makes it stop counting).

``evaluate`` compares each member's count with the rule's thresholds and the
grants already made: a threshold reached and not granted is granted; a grant
above the member's count now is clawed back (``reward_actions``, audited). A
second run in a row changes nothing. The ``reward_sweep`` job evaluates every
active rule of a community, tells the operators through the engine (a
``Notify``, audited like any rule's action) and plans the next sweep.

Per-invitee points are ``InvitePoints``' (``playbook.points``, with its own
claw-back); these rules reward thresholds on top of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from shequn.community import reward_actions
from shequn.community.actions import audit
from shequn.community.models import (
    Community,
    Group,
    GroupStatus,
    Membership,
    Order,
    OrderStatus,
    Person,
)
from shequn.community.reward_models import RewardGrant, RewardMeasure, RewardRule
from shequn.events import Notify
from shequn.playbook.actions import enqueue
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.models import Job

NAME = "rewards"
KIND = "reward_sweep"
#: How often a community's rules are evaluated: thresholds are reached by joins
#: and orders arriving at any hour, and a member waits at most this long.
SWEEP_EVERY = timedelta(hours=1)


def invitee_counts(rule: RewardRule, now: datetime) -> dict[int, int]:
    """Person id → distinct invitees who count at ``now`` (stayed, not left early).

    Stays without a known join time cannot show they stayed and never count;
    an invitee brought into two groups counts once; inviting oneself never does.
    """
    stays = Membership.objects.filter(
        group__community=rule.community, inviter__isnull=False, joined_at__isnull=False,
        account__is_bot=False, inviter__is_bot=False,
    ).values_list("inviter__person_id", "account__person_id", "joined_at", "left_at")  # fmt: skip
    stay = timedelta(days=rule.stay_days)
    keep = timedelta(days=max(rule.stay_days, rule.clawback_days))
    counted: dict[int, set[int]] = defaultdict(set)
    for inviter, invitee, joined, left in stays:
        if joined is None or inviter == invitee or joined + stay > now:
            continue
        if left is not None and left - joined < keep:
            continue  # left or removed within the claw-back period (or before staying)
        counted[inviter].add(invitee)
    return {person: len(invitees) for person, invitees in counted.items()}


def purchase_counts(rule: RewardRule) -> dict[int, int]:
    """Person id → paid orders naming them as referrer (their own purchases excluded)."""
    rows = (
        Order.objects.filter(
            community=rule.community, status=OrderStatus.PAID, referrer__isnull=False
        )
        .exclude(person_id=F("referrer_id"))
        .values("referrer_id")
        .annotate(n=Count("id"))
        .values_list("referrer_id", "n")
    )
    return {int(person): int(n) for person, n in rows}


def counts(rule: RewardRule, now: datetime) -> dict[int, int]:
    """What the rule measures, per person, at ``now``."""
    if rule.measure == RewardMeasure.PURCHASES:
        return purchase_counts(rule)
    return invitee_counts(rule, now)


@dataclass
class Evaluation:
    """What one evaluation of one rule did."""

    rule: RewardRule
    granted: list[RewardGrant] = field(default_factory=list)
    clawed_back: list[RewardGrant] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)


def evaluate(rule: RewardRule, now: datetime) -> Evaluation:
    """Grant every threshold reached and not granted; claw back every grant above the count.

    All of one rule's grants and claw-backs are written in one transaction: all or
    none, and one commit instead of one per grant (a first sweep may grant thousands).
    """
    with transaction.atomic():
        return _evaluate(rule, now)


def _evaluate(rule: RewardRule, now: datetime) -> Evaluation:
    found = counts(rule, now)
    result = Evaluation(rule=rule, counts=found)
    live = {
        (g.person_id, g.step): g
        for g in rule.grants.filter(clawed_back_at__isnull=True).select_related("person")
    }
    due = [(pid, step) for pid, n in found.items() for step in rule.steps(n)]
    wanted = [(pid, step) for pid, step in due if (pid, step) not in live]
    persons = Person.objects.in_bulk({pid for pid, _ in wanted})
    for pid, step in sorted(wanted):
        made = reward_actions.grant(rule, persons[pid], step, found[pid], now)
        if made is not None:
            result.granted.append(made)
    for (pid, step), given in sorted(live.items()):
        if found.get(pid, 0) < step:
            taken = reward_actions.claw_back(given, found.get(pid, 0), now)
            if taken is not None:
                result.clawed_back.append(taken)
    return result


def measure_text(rule: RewardRule) -> str:
    """What the rule counts, in the operators' words."""
    if rule.measure == RewardMeasure.PURCHASES:
        return "推荐成交"
    return f"邀请且留存 {rule.stay_days} 天"


def notice_text(evaluation: Evaluation) -> str:
    """The operators' notice of what a sweep granted and clawed back ("" when nothing)."""
    rule = evaluation.rule
    what = " + ".join(x for x in (f"{rule.points} 积分" if rule.points else "", rule.gift) if x)
    lines = [
        f"#{g.person.number} {g.person.display_name}：{measure_text(rule)} {g.count} ≥ {g.step}"
        f"，请发放：{what or '奖励'}"
        for g in evaluation.granted
    ]
    lines += [
        f"#{g.person.number} {g.person.display_name}：{measure_text(rule)} 降到 "
        f"{evaluation.counts.get(g.person_id, 0)} < {g.step}，奖励已收回"
        for g in evaluation.clawed_back
    ]
    return "\n".join([f"奖励规则「{rule.name}」", *lines]) if lines else ""


def notice_group(rule: RewardRule) -> Group | None:
    """Where the operators are told: the rule's group, else the community's first active one."""
    if rule.notify_group_id is not None:
        return Group.objects.select_related("community").get(pk=rule.notify_group_id)
    active = Group.objects.filter(community=rule.community, status=GroupStatus.ACTIVE)
    return active.select_related("community").order_by("pk").first()


def _evaluate_all(community_id: int, now: datetime) -> list[tuple[Group | None, str]]:
    """Evaluate every active rule of the community; (group, notice) for those with news."""
    rules = RewardRule.objects.filter(community_id=community_id, active=True)
    out = []
    for rule in rules.select_related("community").order_by("pk"):
        text = notice_text(evaluate(rule, now))
        if text:
            out.append((notice_group(rule), text))
    return out


async def sweep(community: Community, engine: Engine, now: datetime, event_id: str) -> int:
    """Evaluate the community's rules at ``now`` and notify the operators; notices sent."""
    notices = await sync_to_async(_evaluate_all)(community.pk, now)
    for group, text in notices:
        if group is None:
            continue  # no group to tell: the grants' audit entries are the record
        action = Notify(
            platform=group.platform, group=group.external_id, rule=NAME,
            reason="reward thresholds reached or clawed back", text=text,
        )  # fmt: skip
        planned = Planned(rule=NAME, action=action, dry_run=False, event_id=event_id)
        await engine.carry_out(group, planned)
    return len(notices)


def schedule_sweep(community: Community, due: datetime) -> Job | None:
    """A pending sweep of the community (made if none is pending); None: no active rule."""
    if not RewardRule.objects.filter(community=community, active=True).exists():
        return None
    pending = Job.objects.filter(
        kind=KIND, state=Job.State.PENDING, payload__community=community.pk
    ).order_by("due_at")
    if pending.filter(due_at__lte=due).exists():
        return pending.first()
    return enqueue(KIND, due, {"community": community.pk})


def request_sweep(community: Community, user: User) -> Job | None:
    """A sweep of the community now, asked for in the console; audited when planned."""
    with transaction.atomic():
        job = schedule_sweep(community, timezone.now())
        if job is not None:
            audit(
                community, "reward.sweep.request", user=user, rule="rewards",
                reason="sweep requested in the console", details={"job": job.pk},
            )  # fmt: skip
    return job


def _community_of(job: Job) -> Community:
    community = Community.objects.filter(pk=job.payload.get("community")).first()
    if community is None:
        raise JobError(f"job #{job.pk}: no community {job.payload.get('community')!r}")
    return community


def _plan_next(community: Community, now: datetime) -> None:
    """The next hourly sweep, unless another one is pending already (one chain only)."""
    pending = Job.objects.filter(kind=KIND, state=Job.State.PENDING)
    if not pending.filter(payload__community=community.pk).exists():
        schedule_sweep(community, now + SWEEP_EVERY)


@register(KIND)
async def reward_sweep(job: Job, engine_for: EngineFor) -> None:
    """Evaluate the job's community's reward rules through its engine; plan the next sweep."""
    community = await sync_to_async(_community_of)(job)
    now = timezone.now()
    await sync_to_async(_plan_next)(community, now)
    await sweep(community, engine_for(community), now, f"job:{job.pk}")
