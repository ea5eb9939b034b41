"""The growth API: a community's fission figures, its referral tree and its fraud review list.

Mounted on the shared NinjaAPI (``shequn.web.api``): the same bearer token and
404 convention; any role in the community reads. The numbers are the growth
page's (``shequn.web.growth.community_growth``); the score's formula is in
``shequn.analytics.growth.quality``. Rates are k / (n + 1), null when nobody
can be judged yet.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from shequn.community.models import Community
from shequn.community.permissions import visible_communities
from shequn.community.referral_models import FraudFlag
from shequn.web.growth import community_growth

router = Router(tags=["growth"])
TREE_LIMIT = 5000


class QualityOut(Schema):
    score: float
    invitees: int
    stayed7: int
    stayed30: int
    spoke: int
    checked_in: int
    bought: int
    advertised: int
    removed_ad: int
    left_in_a_day: int
    never_active: int
    eligible7: int
    eligible30: int
    stayed7_rate: float | None
    stayed30_rate: float | None
    spoke_rate: float | None
    checked_in_rate: float | None
    bought_rate: float | None
    advertised_rate: float | None
    left_in_a_day_rate: float | None


class InviterOut(QualityOut):
    inviter_person_id: int
    number: int | None
    name: str


class CampaignOut(QualityOut):
    campaign: str


class ChannelOut(QualityOut):
    join_how: str


class SignalOut(Schema):
    inviter_person_id: int
    number: int | None
    name: str
    kind: str
    count: int
    persons: list[int]


class TreeOut(Schema):
    people: int
    roots: int
    referred: int
    max_depth: int
    in_loops: int


class GrowthOut(Schema):
    as_of: datetime
    joins: int
    tree: TreeOut
    inviters: list[InviterOut]
    campaigns: list[CampaignOut]
    channels: list[ChannelOut]
    signals: list[SignalOut]


class NodeOut(Schema):
    person_id: int
    parent_id: int | None
    depth: int | None
    size: int
    invited: int


class FlagOut(Schema):
    id: int
    inviter_id: int
    kind: str
    status: str
    count: int
    persons: list[int]
    first_seen_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None
    note: str


def _community(request: HttpRequest, community_id: int) -> Community:
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    return get_object_or_404(visible_communities(user), pk=community_id)


@router.get("/communities/{community_id}/growth", response=GrowthOut)
def community_growth_api(request: HttpRequest, community_id: int) -> GrowthOut:
    """Joins, the tree's figures, inviters, campaigns and channels by quality, current signals."""
    growth = community_growth(_community(request, community_id))
    return GrowthOut(
        as_of=growth.as_of,
        joins=growth.joins,
        tree=TreeOut(**growth.tree_figures()),
        inviters=[InviterOut(**row) for row in growth.inviters],
        campaigns=[CampaignOut(**row) for row in growth.campaigns],
        channels=[ChannelOut(**row) for row in growth.channels],
        signals=[SignalOut(**row) for row in growth.signals],
    )


@router.get("/communities/{community_id}/growth/tree", response=list[NodeOut])
def community_growth_tree(request: HttpRequest, community_id: int) -> list[NodeOut]:
    """The referral tree's nodes (who brought whom, depth, subtree size), biggest subtree first."""
    nodes = community_growth(_community(request, community_id)).tree.nodes
    ordered = nodes.sort(["size", "person_id"], descending=[True, False]).head(TREE_LIMIT)
    return [NodeOut(**row) for row in ordered.to_dicts()]


@router.get("/communities/{community_id}/growth/flags", response=list[FlagOut])
def list_fraud_flags(request: HttpRequest, community_id: int, status: str = "") -> list[FlagOut]:
    """The fraud review list, newest first, optionally of one status (open, reviewed, dismissed)."""
    flags = FraudFlag.objects.filter(community=_community(request, community_id))
    if status.strip():
        flags = flags.filter(status=status.strip())
    return [
        FlagOut(
            id=f.pk,
            inviter_id=f.inviter_id,
            kind=f.kind,
            status=f.status,
            count=f.count,
            persons=list(f.persons),
            first_seen_at=f.first_seen_at,
            updated_at=f.updated_at,
            reviewed_at=f.reviewed_at,
            note=f.note,
        )
        for f in flags
    ]
