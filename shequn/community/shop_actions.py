"""Writes of offers and orders (growth and money): every change audited.

shequn processes no payment: an order is what the shop, an operator or a file
says. Orders are idempotent on (community, external_id): the same order again
moves its status forward or leaves it as it is, never makes a second row, and
an order id already recorded for another member, offer or amount is refused
(``OrderConflict``). When an order whose offer names a group becomes paid, the
buyer is admitted there by the path "payment" (``admit_buyer``, the admission
threshold 付费 of the playbook).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequn.community.actions import audit
from shequn.community.admission_actions import admit_member, latest_admission, open_admission
from shequn.community.models import (
    Account,
    AdmissionStatus,
    AuditLog,
    Community,
    Group,
    Membership,
    Offer,
    OfferKind,
    Order,
    OrderStatus,
    Person,
)
from shequn.community.shop_models import ShopDelivery

#: How far each status is along an order's life; a status only moves to a higher rank.
RANK = {OrderStatus.PENDING: 0, OrderStatus.PAID: 1, OrderStatus.REFUNDED: 2,
        OrderStatus.CANCELLED: 2}  # fmt: skip
PAYMENT = "payment"
#: Accepted deliveries are kept this long; older ones are refused by their timestamp anyway.
KEEP_DELIVERIES = timedelta(days=1)
OFFER_FIELDS = ("name", "kind", "price", "currency", "group", "active")


class OrderConflict(ValueError):
    """The order id is recorded already with another ``field``, or its status would go back."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ReplayedDelivery(ValueError):
    """A webhook delivery whose id or signature was accepted before."""


@dataclass(frozen=True)
class OrderInput:
    """One order as a shop, a file or an operator states it, its references resolved."""

    external_id: str
    offer: Offer
    person: Person
    amount: Decimal
    currency: str
    status: str
    ordered_at: datetime
    referrer: Person | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Recorded:
    """What ``record_order`` did: the order, whether it is new, whether anything changed."""

    order: Order
    created: bool
    changed: bool


# --- offers -------------------------------------------------------------------------------


def save_offer(
    community: Community, values: dict[str, Any], *, offer: Offer | None, user: User | None,
    by: str,
) -> Offer:  # fmt: skip
    """Create an offer (``offer`` None) or change one; audited with the fields changed.

    ``values`` holds some of name, kind, price, currency, group, active; a group
    must be one of the community's, a price at least 0 (ValueError otherwise).
    """
    unknown = set(values) - set(OFFER_FIELDS)
    if unknown:
        raise ValueError(f"not an offer field: {', '.join(sorted(unknown))}")
    group = values.get("group")
    if isinstance(group, Group) and group.community_id != community.pk:
        raise ValueError("group: an offer admits to a group of its own community")
    if "price" in values and Decimal(values["price"]) < 0:
        raise ValueError("price: at least 0")
    if "kind" in values and values["kind"] not in OfferKind.values:
        raise ValueError(f"kind: one of {', '.join(OfferKind.values)}")
    if "currency" in values:
        values = {**values, "currency": str(values["currency"]).strip().upper()}
    with transaction.atomic():
        created = offer is None
        target = offer if offer is not None else Offer(community=community)
        if target.community_id != community.pk:
            raise ValueError("an offer is changed in its own community only")
        changed = [k for k, v in values.items() if created or getattr(target, k) != v]
        for name in changed:
            setattr(target, name, values[name])
        if not changed:
            return target
        target.save()
        details = {k: _plain(getattr(target, k)) for k in changed} | {"offer": target.pk}
        verb = "offer.create" if created else "offer.update"
        audit(community, verb, user=user, rule=by, target=target.name, details=details)
    return target


def _plain(value: Any) -> Any:
    """A field value as the audit log's JSON keeps it."""
    if isinstance(value, Group):
        return value.pk
    return str(value) if isinstance(value, Decimal) else value


# --- orders -------------------------------------------------------------------------------


def order_change(existing: Order | None, data: OrderInput) -> str:
    """What recording ``data`` would do: "new", "forward", "same" or "behind".

    OrderConflict when the recorded order names another member, offer, amount or currency.
    """
    if existing is None:
        return "new"
    theirs = {"offer": existing.offer_id, "member": existing.person_id,
              "amount": existing.amount, "currency": existing.currency}  # fmt: skip
    ours = {"offer": data.offer.pk, "member": data.person.pk, "amount": data.amount,
            "currency": data.currency}  # fmt: skip
    for field, value in theirs.items():
        if ours[field] != value:
            raise OrderConflict(
                field,
                f"order {data.external_id} is recorded already with another {field} "
                f"({value} there, {ours[field]} here)",
            )
    if data.status == existing.status:
        return "same"
    return "forward" if RANK[data.status] > RANK[existing.status] else "behind"  # type: ignore[index]


def record_order(
    community: Community, data: OrderInput, *, source: str, user: User | None, by: str
) -> Recorded:
    """Record the order, or move the recorded one's status forward; audited.

    A status behind the recorded one changes nothing (a shop's late retry); an
    order that becomes paid admits its buyer to the offer's group.
    """
    if data.offer.community_id != community.pk or data.person.community_id != community.pk:
        raise ValueError("an order names an offer and a member of its own community")
    try:
        with transaction.atomic():
            return _record(community, data, source, user, by)
    except IntegrityError:
        # Another delivery created the same order between our read and our insert:
        # it is recorded now, so this one is an update of it.
        with transaction.atomic():
            return _record(community, data, source, user, by)


def _record(
    community: Community, data: OrderInput, source: str, user: User | None, by: str
) -> Recorded:
    found = Order.objects.select_for_update(of=("self",)).filter(
        community=community, external_id=data.external_id
    )
    existing = found.select_related("offer__group", "person").first()
    change = order_change(existing, data)
    if existing is not None:
        if change == "forward":
            _move(existing, data.status, data.paid_at, user=user, by=by)
        if existing.referrer_id is None and data.referrer is not None:
            existing.referrer = data.referrer
            existing.save(update_fields=["referrer"])
        return Recorded(existing, created=False, changed=change == "forward")
    paid = data.status == OrderStatus.PAID
    order = Order.objects.create(
        community=community, offer=data.offer, person=data.person, referrer=data.referrer,
        external_id=data.external_id, amount=data.amount, currency=data.currency,
        status=data.status, source=source, ordered_at=data.ordered_at,
        paid_at=(data.paid_at or timezone.now()) if paid else None,
    )  # fmt: skip
    details = {"order": order.pk, "offer": data.offer.pk, "amount": str(order.amount),
               "currency": order.currency, "status": order.status, "source": source}  # fmt: skip
    audit(community, "order.record", user=user, rule=by, person=data.person,
          target=order.external_id, details=details)  # fmt: skip
    if paid:
        admit_buyer(order, user=user, by=by)
    return Recorded(order, created=True, changed=True)


def set_order_status(
    order: Order, status: str, *, user: User | None, by: str, at: datetime | None = None
) -> None:
    """Mark a recorded order paid, refunded or cancelled (forward only; ValueError else)."""
    if status not in RANK:
        raise ValueError(f"status: one of {', '.join(RANK)}")
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("offer__group")
            .get(pk=order.pk)
        )
        if RANK[status] <= RANK[order.status]:  # type: ignore[index]
            raise ValueError(f"order {order.external_id} is {order.status}; it cannot become "
                             f"{status}")  # fmt: skip
        _move(order, status, at, user=user, by=by)


def _move(order: Order, status: str, at: datetime | None, *, user: User | None, by: str) -> None:
    """Change the status (audited); paid: note when and admit the buyer."""
    before = order.status
    order.status = status
    if status == OrderStatus.PAID:
        order.paid_at = at or timezone.now()
    order.save(update_fields=["status", "paid_at"])
    details = {"order": order.pk, "from": before, "to": status}
    audit(order.community, "order.status", user=user, rule=by, person=order.person,
          target=order.external_id, details=details)  # fmt: skip
    if status == OrderStatus.PAID:
        admit_buyer(order, user=user, by=by)


def apply_order_import(
    community: Community, rows: list[OrderInput], *, user: User | None, source: str
) -> int:
    """Record an import's orders, all or none, with a summary row naming the file."""
    with transaction.atomic():
        changed = 0
        for data in rows:
            done = record_order(community, data, source="import", user=user, by="import")
            changed += done.changed
        audit(community, "order.import", user=user, target=source[:255],
              details={"rows": len(rows), "changed": changed})  # fmt: skip
    return changed


# --- payment admission (门槛: 付费) ---------------------------------------------------------


def admit_buyer(order: Order, *, user: User | None, by: str) -> str:
    """Admit a paid order's buyer to its offer's group by the path "payment"; what was done.

    - "admitted": the buyer is in the group; their open request (if any) closes as
      admitted, and the stay keeps the path (a waiting referral becomes "referral+payment");
    - "member": the buyer was in the group already, admitted by another path: nothing changes;
    - "approved": the buyer is not in the group: their request is approved, so that the
      admission rule admits their next join by this path (as for a freed seat);
    - "no_account": the buyer has no account on the group's platform to admit;
    - "": the offer admits to no group.
    """
    group = order.offer.group
    if group is None:
        return ""
    account = _buyer_account(order.person, group)
    if account is None:
        result, reason = "no_account", f"{order.person} has no account on {group.platform}"
    else:
        result, reason = _admit(group, account, user, by), ""
    outcome = AuditLog.Outcome.FAILED if result == "no_account" else AuditLog.Outcome.PERFORMED
    details = {"order": order.pk, "group": group.pk, "result": result}
    audit(order.community, "order.admission", user=user, rule=by, group=group,
          person=order.person, target=order.external_id, reason=reason, outcome=outcome,
          details=details)  # fmt: skip
    return result


def _admit(group: Group, account: Account, user: User | None, by: str) -> str:
    request = latest_admission(group, account, open_only=True)
    steps = [s for s in (request.path if request else "").split("+") if s and s != "open"]
    path = "+".join(steps if PAYMENT in steps else [*steps, PAYMENT])
    stay = Membership.objects.filter(group=group, account=account, left_how="").last()
    if stay is None:
        open_admission(group, account, AdmissionStatus.APPROVED, path, by=by)
        return "approved"
    if request is None and stay.admission_path:
        return "member"
    admit_member(group, account, path, by=by, user=user)
    return "admitted"


def _buyer_account(person: Person, group: Group) -> Account | None:
    """The buyer's account on the group's platform: one waiting in the group, one in it, any."""
    accounts = list(Account.objects.filter(person=person, platform=group.platform).order_by("pk"))
    waiting = {a for a in accounts if latest_admission(group, a, open_only=True) is not None}
    inside = set(
        Membership.objects.filter(group=group, left_how="", account__in=accounts).values_list(
            "account_id", flat=True
        )
    )
    ranked = sorted(accounts, key=lambda a: (a not in waiting, a.pk not in inside, a.pk))
    return ranked[0] if ranked else None


# --- webhook deliveries ---------------------------------------------------------------------


def signature_digest(signature: str) -> str:
    """What is stored of a delivery's signature: its SHA-256, enough to know it again."""
    return hashlib.sha256(signature.encode()).hexdigest()


def delivery_seen(community: Community, delivery_id: str, signature: str) -> bool:
    """Whether a delivery with this id (if any) or this signature was accepted before."""
    seen = ShopDelivery.objects.filter(
        community=community, signature_sha256=signature_digest(signature)
    )
    if delivery_id:
        seen = seen | ShopDelivery.objects.filter(community=community, delivery_id=delivery_id)
    return seen.exists()


def accept_delivery(
    community: Community, delivery_id: str, signature: str, data: OrderInput
) -> Recorded:
    """Record a signed delivery's order and the delivery itself, in one transaction.

    ReplayedDelivery (and nothing written) when its id or signature was accepted before,
    even by a delivery racing this one. Deliveries past ``KEEP_DELIVERIES`` are swept.
    """
    try:
        with transaction.atomic():
            done = record_order(community, data, source="webhook", user=None, by="shop")
            ShopDelivery.objects.create(
                community=community, delivery_id=delivery_id[:128], order=done.order,
                signature_sha256=signature_digest(signature),
            )  # fmt: skip
    except IntegrityError as error:
        if delivery_seen(community, delivery_id[:128], signature):
            raise ReplayedDelivery("this delivery was received before") from error
        raise
    old = ShopDelivery.objects.filter(received_at__lt=timezone.now() - KEEP_DELIVERIES)
    old.delete()
    return done


def refuse_delivery(community: Community, reason: str, remote: str) -> None:
    """Write a refused webhook delivery to the community's audit log (never its secret)."""
    audit(community, "shop.webhook.refused", rule="shop", target=remote[:255], reason=reason,
          outcome=AuditLog.Outcome.FAILED)  # fmt: skip
