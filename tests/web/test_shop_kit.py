"""An offer and an order to point the console's URLs at (permission matrix, shop page tests)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from shequn.community.models import Group, Person
from shequn.community.shop_actions import OrderInput, record_order, save_offer


def shop_for_matrix(buyer: Person, group: Group | None = None) -> dict[str, int]:
    """An offer "<b>训练营</b>" (admitting to ``group``) and a pending order of ``buyer``."""
    values = {"name": "<b>训练营</b>", "kind": "course", "price": Decimal("199.00"),
              "currency": "CNY", "group": group}  # fmt: skip
    offer = save_offer(buyer.community, values, offer=None, user=None, by="test")
    data = OrderInput(
        external_id="T-<i>1</i>", offer=offer, person=buyer, amount=Decimal("199.00"),
        currency="CNY", status="pending", ordered_at=timezone.now(),
    )  # fmt: skip
    order = record_order(buyer.community, data, source="manual", user=None, by="test").order
    return {"offer_id": offer.pk, "order_id": order.pk}
