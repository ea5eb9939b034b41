"""Builders for reward-rule tests: invitations and departures on given days, offers and orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shequn.chat.ingest import ingest
from shequn.community.models import (
    Account,
    Community,
    Group,
    Offer,
    OfferKind,
    Order,
    OrderSource,
    OrderStatus,
    Person,
)
from shequn.community.reward_models import RewardRule
from shequn.events import Actor, JoinHow, LeaveHow, MemberJoined, MemberLeft

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLATFORM = "test"


def day(n: float) -> datetime:
    """``n`` days after T0."""
    return T0 + timedelta(days=n)


def invite(community: Community, inviter: str, who: str, on: float, group: str = "g1") -> None:
    """``inviter`` brings ``who`` into ``group`` on day ``on``."""
    member = Actor(id=who, name=f"成员{who}")
    event = MemberJoined(
        platform=PLATFORM, group=group, group_name=f"群{group}", event_id=f"j-{group}-{who}",
        at=day(on), actor=member, member=member, how=JoinHow.INVITE,
        inviter=Actor(id=inviter, name=f"成员{inviter}"),
    )  # fmt: skip
    ingest([event], community)


def join(community: Community, who: str, on: float, group: str = "g1") -> None:
    """``who`` joins ``group`` on their own on day ``on``."""
    member = Actor(id=who, name=f"成员{who}")
    event = MemberJoined(
        platform=PLATFORM, group=group, group_name=f"群{group}", event_id=f"j-{group}-{who}",
        at=day(on), actor=member, member=member, how=JoinHow.LINK,
    )  # fmt: skip
    ingest([event], community)


def leave(
    community: Community, who: str, on: float, how: LeaveHow = LeaveHow.LEFT, group: str = "g1"
) -> None:
    """``who`` leaves ``group`` (or is removed) on day ``on``."""
    member = Actor(id=who, name=f"成员{who}")
    event = MemberLeft(
        platform=PLATFORM, group=group, event_id=f"l-{group}-{who}-{on}", at=day(on),
        actor=member, member=member, how=how,
    )  # fmt: skip
    ingest([event], community)


def person(who: str) -> Person:
    return Account.objects.get(external_id=who).person


def rule(community: Community, **fields: Any) -> RewardRule:
    """An active invitee rule: 2 invitees who stay 7 days, claw-back 30 days, 10 points."""
    values: dict[str, Any] = {
        "name": "邀请有礼", "measure": "invitees", "threshold": 2, "stay_days": 7,
        "clawback_days": 30, "points": 10, "gift": "水果小零食", **fields,
    }  # fmt: skip
    return RewardRule.objects.create(community=community, **values)


def offer(community: Community, kind: str = OfferKind.PRODUCT, group: Group | None = None) -> Offer:
    return Offer.objects.create(
        community=community, name=f"{kind}商品", kind=kind, price=Decimal("68.00"), group=group
    )


def order(
    sold: Offer,
    buyer: str,
    referrer: str | None,
    n: int,
    status: str = OrderStatus.PAID,
    on: float = 1,
) -> Order:
    """Order ``n`` of ``sold`` by ``buyer``, referred by ``referrer``, paid on day ``on``."""
    return Order.objects.create(
        community=sold.community, offer=sold, person=person(buyer),
        referrer=person(referrer) if referrer else None, external_id=f"o{n}",
        amount=sold.price, status=status, source=OrderSource.MANUAL, ordered_at=day(on),
        paid_at=day(on) if status == OrderStatus.PAID else None,
    )  # fmt: skip
