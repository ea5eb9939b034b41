"""Writes of reward rules (奖励规则) and their grants, each audited.

A grant and its points are written together: the grant row (unique per rule,
member and threshold) says the threshold was rewarded, the ledger line
(``points_actions``, source ``step:<n>:round:<r>``) carries the points. A claw-back
takes back exactly that line and marks the grant; reaching the threshold again
later is a new round, with ledger sources of its own, so nothing counts twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from shequn.community import points_actions
from shequn.community.actions import audit
from shequn.community.models import Community, Person
from shequn.community.reward_models import RewardGrant, RewardRule

#: The fields an operator sets on a rule (the console's form and the API's body).
RULE_FIELDS = (
    "name", "measure", "threshold", "repeat", "stay_days", "clawback_days", "points", "gift",
    "notify_group", "leaderboard_group", "leaderboard_at", "leaderboard_top", "active",
)  # fmt: skip


def ledger_rule(rule: RewardRule) -> str:
    """The points ledger's rule name of a reward rule's lines."""
    return f"reward:{rule.pk}"


def grant_source(step: int, round_: int) -> str:
    """The ledger source of one round of one threshold."""
    return f"step:{step}:round:{round_}"


def _plain(value: Any) -> Any:
    """A field value as audit details hold it (a group as its id)."""
    return getattr(value, "pk", value)


def save_rule(
    community: Community,
    rule: RewardRule | None,
    fields: dict[str, Any],
    *,
    user: User | None,
    by: str,
) -> RewardRule:
    """Create a rule (``rule`` None) or change one; audited with what changed.

    ``fields`` hold validated values (the console's form, the API's schema).
    """
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"not a reward rule field: {', '.join(sorted(unknown))}")
    created = rule is None
    target = rule if rule is not None else RewardRule(community=community)
    before = {name: _plain(getattr(target, name, None)) for name in fields}
    for name, value in fields.items():
        setattr(target, name, value)
    after = {name: _plain(value) for name, value in fields.items()}
    changed = sorted(k for k in after if created or before[k] != after[k])
    if not changed:
        return target
    with transaction.atomic():
        target.full_clean()
        target.save()
        audit(
            community, "reward.rule.create" if created else "reward.rule.update",
            user=user, rule="rewards",
            target=target.name, reason=f"{by}: {', '.join(changed)}",
            details={"rule": target.pk, "before": {k: before[k] for k in changed},
                     "after": {k: after[k] for k in changed}},
        )  # fmt: skip
    return target


def grant(
    rule: RewardRule, person: Person, step: int, count: int, at: datetime
) -> RewardGrant | None:
    """Reward ``person`` for reaching ``step`` under ``rule`` (a new round if clawed back).

    None when the step is granted already (a sweep running meanwhile got there first).
    """
    with transaction.atomic():
        found = RewardGrant.objects.select_for_update().filter(rule=rule, person=person, step=step)
        existing = found.first()
        if existing is not None and existing.clawed_back_at is None:
            return None  # already granted: a second sweep grants nothing
        if existing is None:
            existing = RewardGrant(rule=rule, person=person, step=step, round=1)
        else:
            existing.round += 1
        existing.count, existing.points = count, rule.points
        existing.granted_at, existing.clawed_back_at = at, None
        existing.save()
        reason = f"{rule.name}: {count} ≥ {step}"
        if rule.points > 0:
            points_actions.award(
                person, rule.points, rule=ledger_rule(rule),
                source=grant_source(step, existing.round), reason=reason, at=at,
            )  # fmt: skip
        audit(
            rule.community, "reward.grant", rule="rewards", person=person,
            target=str(person.number), reason=reason,
            details={"rule": rule.pk, "step": step, "round": existing.round, "count": count,
                     "points": rule.points, "gift": rule.gift},
        )  # fmt: skip
    return existing


def claw_back(reward: RewardGrant, count: int, at: datetime) -> RewardGrant | None:
    """Take a grant back because the count fell to ``count``, below its threshold.

    None when it was clawed back already (by a sweep running meanwhile).
    """
    rule, person = reward.rule, reward.person
    with transaction.atomic():
        locked = RewardGrant.objects.select_for_update().get(pk=reward.pk)
        if locked.clawed_back_at is not None:
            return None
        locked.clawed_back_at = at
        locked.save(update_fields=["clawed_back_at"])
        earlier = grant_source(locked.step, locked.round)
        reason = f"{rule.name}: {count} < {locked.step}"
        points_actions.take_back(
            person, rule=ledger_rule(rule), source=f"{earlier}:clawback", earlier=earlier,
            reason=reason, at=at,
        )  # fmt: skip
        audit(
            rule.community, "reward.clawback", rule="rewards", person=person,
            target=str(person.number), reason=reason,
            details={"rule": rule.pk, "step": locked.step, "round": locked.round,
                     "count": count, "points": -locked.points},
        )  # fmt: skip
    return locked
