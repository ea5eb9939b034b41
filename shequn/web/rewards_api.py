"""The rewards API: a community's reward rules, each with its leaderboard and grants.

Mounted on the shared NinjaAPI (``shequn.web.api``): the same bearer token and
404 convention; any role in the community reads. Counts are those the sweep
grants on (the console's rewards page shows the same); times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from shequn.community.permissions import visible_communities
from shequn.community.reward_models import RewardRule
from shequn.playbook.rewards_board import board

router = Router(tags=["growth"])
GRANTS_SHOWN = 200


class BoardRowOut(Schema):
    place: int
    person_id: int
    number: int
    name: str
    count: int


class GrantOut(Schema):
    person_id: int
    step: int
    round: int
    count: int
    points: int
    granted_at: datetime
    clawed_back_at: datetime | None


class RewardRuleOut(Schema):
    id: int
    name: str
    measure: str
    threshold: int
    repeat: bool
    stay_days: int
    clawback_days: int
    points: int
    gift: str
    active: bool
    notify_group_id: int | None
    leaderboard_group_id: int | None
    leaderboard_at: str
    leaderboard: list[BoardRowOut]
    grants: list[GrantOut]


def rule_out(rule: RewardRule, now: datetime) -> RewardRuleOut:
    rows = [
        BoardRowOut(
            place=r.place, person_id=r.person.pk, number=r.person.number,
            name=r.person.display_name, count=r.count,
        )
        for r in board(rule, now)
    ]  # fmt: skip
    grants = [
        GrantOut.model_validate(g, from_attributes=True) for g in rule.grants.all()[:GRANTS_SHOWN]
    ]
    return RewardRuleOut(
        id=rule.pk, name=rule.name, measure=rule.measure, threshold=rule.threshold,
        repeat=rule.repeat, stay_days=rule.stay_days, clawback_days=rule.clawback_days,
        points=rule.points, gift=rule.gift, active=rule.active,
        notify_group_id=rule.notify_group_id, leaderboard_group_id=rule.leaderboard_group_id,
        leaderboard_at=rule.leaderboard_at, leaderboard=rows, grants=grants,
    )  # fmt: skip


@router.get("/communities/{community_id}/rewards", response=list[RewardRuleOut])
def list_reward_rules(request: HttpRequest, community_id: int) -> list[RewardRuleOut]:
    """The community's reward rules by name, with leaderboards now and grants, newest first."""
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    community = get_object_or_404(visible_communities(user), pk=community_id)
    now = timezone.now()
    rules = RewardRule.objects.filter(community=community).select_related("community")
    return [rule_out(rule, now) for rule in rules]
