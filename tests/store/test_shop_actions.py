"""Offers and orders: writes audited, orders idempotent on their id, statuses only forward."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import Account, AuditLog, Community, Group, Offer, Order, Person
from shequn.community.shop_actions import (
    OrderConflict,
    OrderInput,
    record_order,
    save_offer,
    set_order_status,
)
from tests.store.factories import T0, joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


def course(community: Community, group: Group | None = None) -> Offer:
    values = {"name": "写作训练营", "kind": "course", "price": Decimal("199"), "currency": "cny",
              "group": group}  # fmt: skip
    return save_offer(community, values, offer=None, user=None, by="test")


def order(offer: Offer, buyer: Person, status: str = "pending", **extra: object) -> OrderInput:
    fields = {"external_id": "T1001", "offer": offer, "person": buyer, "amount": Decimal("199"),
              "currency": "CNY", "status": status, "ordered_at": T0, **extra}  # fmt: skip
    return OrderInput(**fields)  # type: ignore[arg-type]


def actions(community: Community) -> list[str]:
    return list(
        AuditLog.objects.filter(community=community).order_by("pk").values_list("action", flat=True)
    )


@pytest.fixture
def buyer(community: Community) -> Person:
    ingest([joined(1, "u1")], community)
    return person("u1")


def test_offers_are_created_and_changed_with_audit(community: Community) -> None:
    user = User.objects.create_user("alice")
    offer = course(community)
    assert (offer.currency, offer.price, offer.group) == ("CNY", Decimal("199"), None)
    save_offer(community, {"price": Decimal("299"), "active": False}, offer=offer, user=user,
               by="console")  # fmt: skip
    save_offer(community, {"price": Decimal("299")}, offer=offer, user=user, by="console")
    rows = AuditLog.objects.filter(action__startswith="offer.").order_by("pk")
    assert [r.action for r in rows] == ["offer.create", "offer.update"]  # no change, no row
    assert rows[1].details == {"price": "299", "active": False, "offer": offer.pk}
    assert rows[1].user == user


def test_an_offer_admits_only_to_a_group_of_its_community(community: Community) -> None:
    other = get_or_create_community("别的社群")
    ingest([joined(1, "x1", group="gx")], other)
    with pytest.raises(ValueError, match="group"):
        course(community, Group.objects.get(external_id="gx"))
    with pytest.raises(ValueError, match="price"):
        save_offer(community, {"name": "x", "kind": "product", "price": Decimal(-1)},
                   offer=None, user=None, by="test")  # fmt: skip
    assert not Offer.objects.exists()


def test_the_same_order_again_is_kept_once_and_moves_forward(
    community: Community, buyer: Person
) -> None:
    offer = course(community)
    first = record_order(community, order(offer, buyer), source="webhook", user=None, by="shop")
    again = record_order(community, order(offer, buyer), source="webhook", user=None, by="shop")
    assert (first.created, first.changed, again.created, again.changed) == (
        True,
        True,
        False,
        False,
    )
    paid = record_order(community, order(offer, buyer, "paid"), source="import", user=None,
                        by="import")  # fmt: skip
    assert (paid.created, paid.changed) == (False, True)
    late = record_order(community, order(offer, buyer, "pending"), source="webhook", user=None,
                        by="shop")  # fmt: skip
    assert late.changed is False  # a shop's late retry of an older status changes nothing
    [stored] = Order.objects.all()
    assert (stored.status, stored.source) == ("paid", "webhook") and stored.paid_at is not None
    assert actions(community).count("order.record") == 1
    assert actions(community).count("order.status") == 1


def test_an_order_id_recorded_for_another_member_or_amount_is_refused(
    community: Community, buyer: Person
) -> None:
    ingest([joined(2, "u2")], community)
    offer = course(community)
    record_order(community, order(offer, buyer), source="manual", user=None, by="test")
    with pytest.raises(OrderConflict) as conflict:
        record_order(community, order(offer, person("u2")), source="manual", user=None, by="t")
    assert conflict.value.field == "member"
    with pytest.raises(OrderConflict, match="amount"):
        data = replace(order(offer, buyer), amount=Decimal("1"))
        record_order(community, data, source="manual", user=None, by="test")
    assert Order.objects.get().person == buyer


def test_statuses_move_only_forward(community: Community, buyer: Person) -> None:
    offer = course(community)
    done = record_order(community, order(offer, buyer), source="manual", user=None, by="test")
    set_order_status(done.order, "paid", user=None, by="console")
    set_order_status(done.order, "refunded", user=None, by="console")
    for status in ("paid", "pending", "cancelled", "refunded"):
        with pytest.raises(ValueError, match="refunded"):
            set_order_status(done.order, status, user=None, by="console")
    rows = AuditLog.objects.filter(action="order.status").order_by("pk")
    assert [(r.details["from"], r.details["to"]) for r in rows] == [
        ("pending", "paid"),
        ("paid", "refunded"),
    ]
