"""A reward rule for the console's permission matrix (tests/web/test_permissions.py)."""

from __future__ import annotations

from shequn.community.models import Community
from shequn.community.reward_models import RewardRule


def reward_rule_for_matrix(community: Community) -> int:
    """The id of an invitee reward rule in ``community``."""
    rule = RewardRule.objects.create(
        community=community, name="邀请有礼", measure="invitees", threshold=1, points=5
    )
    return rule.pk
