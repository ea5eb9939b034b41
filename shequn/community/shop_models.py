"""Models of the shop side (webhook deliveries), re-exported by ``models``.

Offers and orders themselves live in ``growth_models``; here is what the signed
shop webhook (``shequn.web.shop_api``) keeps so that a delivery is taken once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from shequn.community.growth_models import Order
from shequn.community.models import Community


class ShopDelivery(models.Model):
    """One accepted webhook delivery: its id and a digest of its signature, never the secret.

    A delivery whose id or signature was seen before is a replay and is refused;
    the signed timestamp refuses anything older than the tolerance, so rows only
    need keeping a little longer than that (``shop_actions.KEEP_DELIVERIES``).
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.CharField(max_length=128, blank=True)
    signature_sha256 = models.CharField(max_length=64)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "signature_sha256"], name="shop_delivery_signature"
            ),
            models.UniqueConstraint(
                fields=["community", "delivery_id"],
                condition=~Q(delivery_id=""),
                name="shop_delivery_id",
            ),
        ]


__all__ = ["ShopDelivery"]
