"""The shop's API: offers and orders to read (bearer token), and the signed order webhook.

Reads follow ``shequn.web.api``: any role in the community reads; outsiders get 404.

The webhook, ``POST /api/shop/<community id>/orders``, is what a shop calls when an
order is placed, paid, refunded or cancelled. It carries no token: the shop signs
each delivery with the community's secret (``SHEQUN_SHOP_SECRET_<ID>`` or the file
``SHEQUN_SHOP_SECRET_<ID>_FILE`` names; see ``shequn.settings``):

- ``X-Shequn-Timestamp``: Unix seconds; more than ``TOLERANCE`` away from the
  server's clock is refused (a captured delivery cannot be sent again later);
- ``X-Shequn-Signature``: ``sha256=`` + hex HMAC-SHA256 over ``timestamp + "." + body``;
- ``X-Shequn-Delivery`` (optional): the shop's id of the delivery.

A delivery whose id or signature was accepted before is refused (409). A
missing or wrong signature is 401 (403 when the community has no secret), a
body that is not a JSON object 400, a field that does not validate 422 naming
the field; every refusal is logged and written to the community's audit log,
never with the secret, and changes nothing. The body::

    {"order_id": "T1001", "member": "#12" | "telegram:123456" | "张三",
     "offer": 3 | "训练营", "amount": "199.00", "currency": "CNY",
     "status": "pending" | "paid" | "refunded" | "cancelled",
     "ordered_at": "2026-03-01T12:00:00+08:00", "paid_at": "…", "referrer": "#7"}

(``currency``, ``ordered_at``, ``paid_at`` and ``referrer`` may be left out; see
``shequn.community.order_import.References`` for how each is read.) The same
order id again moves the order's status forward (201 when new, else 200).
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import BaseModel, Field, ValidationError

from shequn.community.models import Community, Offer, Order
from shequn.community.order_import import References
from shequn.community.permissions import visible_communities
from shequn.community.shop_actions import (
    OrderConflict,
    OrderInput,
    ReplayedDelivery,
    accept_delivery,
    delivery_seen,
    refuse_delivery,
)
from shequn.web.api_schemas import Paged

router = Router(tags=["shop"])
log = logging.getLogger("shequn.shop")
TOLERANCE = 300  # seconds a delivery's timestamp may be away from the server's clock
MAX_PAGE = 200


class OfferOut(Schema):
    id: int
    name: str
    kind: str
    price: Decimal
    currency: str
    group_id: int | None
    active: bool


class OrderOut(Schema):
    id: int
    external_id: str
    offer_id: int
    person_id: int
    referrer_id: int | None
    amount: Decimal
    currency: str
    status: str
    source: str
    ordered_at: datetime
    paid_at: datetime | None


class OrderQuery(Schema):
    offer: int | None = None
    status: Literal["pending", "paid", "refunded", "cancelled", ""] = ""


def _community(request: HttpRequest, community_id: int) -> Community:
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    return get_object_or_404(visible_communities(user), pk=community_id)


@router.get("/communities/{community_id}/offers", response=list[OfferOut])
def list_offers(request: HttpRequest, community_id: int) -> QuerySet[Offer]:
    """The community's offers (courses, paid groups, products), by name."""
    return Offer.objects.filter(community=_community(request, community_id)).order_by("name", "pk")


@router.get("/communities/{community_id}/orders", response=list[OrderOut])
@paginate(Paged, max_limit=MAX_PAGE)
def list_orders(
    request: HttpRequest, community_id: int, filters: Query[OrderQuery]
) -> QuerySet[Order]:
    """The community's orders, newest first, optionally of one offer and one status."""
    orders = Order.objects.filter(community=_community(request, community_id))
    if filters.offer is not None:
        orders = orders.filter(offer_id=filters.offer)
    if filters.status:
        orders = orders.filter(status=filters.status)
    return orders.order_by("-ordered_at", "-pk")


# --- the signed webhook ---------------------------------------------------------------------


class Delivery(BaseModel):
    """A delivery's body before its references are resolved (extra fields are ignored)."""

    order_id: str = Field(min_length=1, max_length=128)
    member: str = Field(min_length=1, max_length=255)
    offer: int | str
    amount: str | int | float
    status: str
    currency: str = ""
    ordered_at: str = ""
    paid_at: str = ""
    referrer: str = ""


class WebhookOut(Schema):
    order: int
    order_id: str
    status: str
    created: bool
    changed: bool


# Not in the OpenAPI document: its clients authenticate with a token, a shop by signature
# (this module's docstring and the README describe the signature and the body).
@router.post(
    "/shop/{community_id}/orders",
    auth=None,
    response={200: WebhookOut, 201: WebhookOut},
    include_in_schema=False,
)
def shop_order_webhook(request: HttpRequest, community_id: int) -> Status[WebhookOut]:
    """Record the order a shop sends, if its signature, timestamp and body hold."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        log.warning("shop webhook: no community %s (from %s)", community_id, _remote(request))
        raise HttpError(404, "Not Found")
    with translation.override("en"):
        signature, delivery = _verify(request, community)
        try:
            data = _order(community, request.body)
        except HttpError as error:
            raise _refuse(request, community, error.status_code, str(error)) from None
        try:
            done = accept_delivery(community, delivery, signature, data)
        except ReplayedDelivery as error:
            raise _refuse(request, community, 409, str(error)) from error
        except OrderConflict as error:
            raise _refuse(request, community, 409, f"{error.field}: {error}") from error
    order = done.order
    out = WebhookOut(order=order.pk, order_id=order.external_id, status=order.status,
                     created=done.created, changed=done.changed)  # fmt: skip
    return Status(201 if done.created else 200, out)


def _verify(request: HttpRequest, community: Community) -> tuple[str, str]:
    """The delivery's signature and id, once its signature and timestamp hold."""
    stamp = request.headers.get("X-Shequn-Timestamp", "").strip()
    signature = request.headers.get("X-Shequn-Signature", "").strip()
    delivery = request.headers.get("X-Shequn-Delivery", "").strip()[:128]
    if not (stamp and signature):
        raise _refuse(request, community, 401, "missing X-Shequn-Timestamp or X-Shequn-Signature")
    secret = settings.SHOP_SECRET(community.pk)
    if secret is None:
        raise _refuse(request, community, 403, "this community takes no shop deliveries")
    signed = stamp.encode() + b"." + request.body
    wanted = hmac.new(secret, signed, hashlib.sha256).hexdigest()
    given = signature.removeprefix("sha256=")
    if not hmac.compare_digest(wanted.encode(), given.encode()):
        raise _refuse(request, community, 401, "the signature does not match")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE:
        raise _refuse(request, community, 401, f"timestamp more than {TOLERANCE} s away")
    if delivery_seen(community, delivery, signature):
        raise _refuse(request, community, 409, "this delivery was received before")
    return signature, delivery


def _order(community: Community, body: bytes) -> OrderInput:
    """The body as an order, or 400 (not a JSON object) / 422 (naming the field)."""
    try:
        raw = json.loads(body)
    except ValueError:
        raise HttpError(400, "body: not JSON") from None
    if not isinstance(raw, dict):
        raise HttpError(400, "body: a JSON object is expected")
    try:
        given = Delivery.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HttpError(422, f"{where}: {first['msg']}") from None
    return _resolve(References(community), given)


def _resolve(refs: References, given: Delivery) -> OrderInput:
    """Each reference resolved; 422 naming the first field that does not."""
    field = "offer"
    try:
        offer = refs.offer(str(given.offer))
        field = "member"
        person = refs.member(given.member)
        field = "referrer"
        referrer = refs.member(given.referrer) if given.referrer.strip() else None
        field = "amount"
        amount = refs.amount(str(given.amount))
        field = "currency"
        currency = refs.currency(given.currency, offer)
        field = "status"
        status = refs.status(given.status)
        field = "ordered_at"
        ordered_at = refs.when(given.ordered_at, timezone.now())
        field = "paid_at"
        paid_at = refs.when(given.paid_at, timezone.now()) if status == "paid" else None
    except ValueError as error:
        raise HttpError(422, f"{field}: {error}") from None
    return OrderInput(
        external_id=given.order_id.strip(), offer=offer, person=person, amount=amount,
        currency=currency, status=status, ordered_at=ordered_at, referrer=referrer,
        paid_at=paid_at,
    )  # fmt: skip


def _refuse(request: HttpRequest, community: Community, status: int, reason: str) -> HttpError:
    """Log and audit a refused delivery (its reason and sender, nothing secret); the error."""
    remote = _remote(request)
    log.warning("shop webhook refused for community %s from %s: %s", community.pk, remote, reason)
    refuse_delivery(community, reason, remote)
    return HttpError(status, reason)


def _remote(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


__all__ = ["router"]
