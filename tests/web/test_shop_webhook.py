"""The shop's signed webhook: signature, replay, stale timestamps, bad bodies, success.

Every refused delivery changes nothing but the audit log (and the server log),
and neither holds the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Community, Group, Membership, Offer, Order
from shequn.community.shop_actions import save_offer
from shequn.community.shop_models import ShopDelivery
from shequn.connectors.memory import MemoryConnector
from shequn.playbook.engine import Engine
from shequn.settings import _shop_secret
from tests.playbook.test_admission_kit import RULES, admission, joined, request_of, run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

SECRET = b"s3cret-of-the-shop-0123456789"


@pytest.fixture
def shop(settings: Any) -> dict[str, Any]:
    """Community A: g1 (pre-screening; u1 waits for review), an offer admitting to g1."""
    a = get_or_create_community("社群A")
    settings.SHOP_SECRET = lambda pk: SECRET if pk == a.pk else None
    group = Group.objects.create(community=a, platform="test", external_id="g1", name="付费群",
                                 settings=admission(screening=True))  # fmt: skip
    run(Engine(a, [MemoryConnector(platform="test")], rules=RULES), joined(1, "u1"))
    values = {"name": "年费", "kind": "paid_group", "price": Decimal("365"), "group": group}
    offer = save_offer(a, values, offer=None, user=None, by="test")
    return {"community": a, "offer": offer, "url": f"/api/shop/{a.pk}/orders"}


def body(offer: Offer, **fields: Any) -> dict[str, Any]:
    return {"order_id": "W1", "member": "test:u1", "offer": offer.pk, "amount": "365.00",
            "status": "paid", **fields}  # fmt: skip


def post(url: str, payload: Any, *, stamp: int | None = None, secret: bytes = SECRET,
         delivery: str = "", raw: bytes | None = None) -> Any:  # fmt: skip
    """POST ``payload`` signed with ``secret`` at ``stamp`` (now by default)."""
    data = raw if raw is not None else json.dumps(payload).encode()
    when = str(int(time.time()) if stamp is None else stamp)
    signature = hmac.new(secret, when.encode() + b"." + data, hashlib.sha256).hexdigest()
    headers = {"X-Shequn-Timestamp": when, "X-Shequn-Signature": f"sha256={signature}"}
    if delivery:
        headers["X-Shequn-Delivery"] = delivery
    return Client().post(url, data, content_type="application/json", headers=headers)


def refused(community: Community) -> list[str]:
    rows = AuditLog.objects.filter(community=community, action="shop.webhook.refused")
    return list(rows.order_by("pk").values_list("reason", flat=True))


def test_a_paid_order_is_recorded_and_its_buyer_admitted(shop: dict[str, Any]) -> None:
    response = post(shop["url"], body(shop["offer"]), delivery="d-1")
    assert response.status_code == 201, response.content
    assert response.json() | {"order": 0} == {"order": 0, "order_id": "W1", "status": "paid",
                                             "created": True, "changed": True}  # fmt: skip
    order = Order.objects.get()
    assert (order.source, order.amount, order.person.display_name) == (
        "webhook",
        Decimal("365.00"),
        "成员u1",
    )
    assert (request_of("u1").status, request_of("u1").path) == ("admitted", "payment")
    stay = Membership.objects.get(account__external_id="u1")
    assert stay.admission_path == "payment"
    assert ShopDelivery.objects.get().delivery_id == "d-1"


def test_the_same_order_again_moves_forward_and_is_kept_once(shop: dict[str, Any]) -> None:
    offer = shop["offer"]
    assert post(shop["url"], body(offer, status="pending")).status_code == 201
    again = post(shop["url"], body(offer, status="paid", paid_at="2026-03-01T10:00:00+08:00"))
    assert again.status_code == 200 and again.json()["changed"] is True
    late = post(shop["url"], body(offer, status="pending"), stamp=int(time.time()) - 5)
    assert late.status_code == 200 and late.json()["changed"] is False
    stored = Order.objects.get()
    assert stored.status == "paid" and stored.paid_at is not None
    assert stored.paid_at.isoformat() == "2026-03-01T02:00:00+00:00"


def test_a_bad_signature_is_refused_logged_and_changes_nothing(
    shop: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="shequn.shop"):
        wrong = post(shop["url"], body(shop["offer"]), secret=b"guessed")
        unsigned = Client().post(shop["url"], body(shop["offer"]), content_type="application/json")
    assert (wrong.status_code, unsigned.status_code) == (401, 401)
    assert "signature" in wrong.json()["detail"]
    assert not Order.objects.exists() and request_of("u1").status == "pending"
    assert refused(shop["community"]) == [
        "the signature does not match",
        "missing X-Shequn-Timestamp or X-Shequn-Signature",
    ]
    assert "the signature does not match" in caplog.text
    stored = json.dumps(list(AuditLog.objects.values("reason", "target", "details")))
    for where in (caplog.text, stored):
        assert SECRET.decode() not in where


def test_a_delivery_is_taken_once(shop: dict[str, Any]) -> None:
    offer, stamp = shop["offer"], int(time.time())
    assert post(shop["url"], body(offer), stamp=stamp, delivery="d-7").status_code == 201
    replayed = post(shop["url"], body(offer), stamp=stamp, delivery="d-7")
    same_id = post(shop["url"], body(offer, status="refunded"), delivery="d-7")
    same_signature = post(shop["url"], body(offer), stamp=stamp)  # no id: its signature is known
    assert [r.status_code for r in (replayed, same_id, same_signature)] == [409, 409, 409]
    assert "received before" in replayed.json()["detail"]
    assert Order.objects.get().status == "paid" and ShopDelivery.objects.count() == 1


@pytest.mark.parametrize("shift", [-301, 301, -3600])
def test_a_stale_or_future_timestamp_is_refused(shop: dict[str, Any], shift: int) -> None:
    response = post(shop["url"], body(shop["offer"]), stamp=int(time.time()) + shift)
    assert response.status_code == 401 and "timestamp" in response.json()["detail"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"status": None}, 422, "status"),
        ({"amount": "-1"}, 422, "amount"),
        ({"amount": "十块"}, 422, "amount"),
        ({"currency": "USD"}, 422, "currency"),
        ({"offer": 999}, 422, "offer"),
        ({"offer": "瑜伽课"}, 422, "offer"),
        ({"member": "#99"}, 422, "member"),
        ({"member": "test:nobody"}, 422, "member"),
        ({"ordered_at": "yesterday"}, 422, "ordered_at"),
        ({"order_id": ""}, 422, "order_id"),
    ],
)
def test_a_bad_body_names_the_field_and_changes_nothing(
    shop: dict[str, Any], fields: dict[str, Any], status: int, field: str
) -> None:
    payload = {k: v for k, v in (body(shop["offer"]) | fields).items() if v is not None}
    response = post(shop["url"], payload)
    assert response.status_code == status, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Order.objects.exists() and not ShopDelivery.objects.exists()


def test_a_body_that_is_no_json_object_is_400(shop: dict[str, Any]) -> None:
    assert post(shop["url"], None, raw=b"{not json").status_code == 400
    assert post(shop["url"], [1, 2]).status_code == 400
    assert not Order.objects.exists()


def test_an_order_id_of_another_member_is_a_conflict(shop: dict[str, Any]) -> None:
    ingest([joined(2, "u2")], shop["community"])
    assert post(shop["url"], body(shop["offer"])).status_code == 201
    clash = post(shop["url"], body(shop["offer"], member="test:u2"), delivery="another")
    assert clash.status_code == 409 and clash.json()["detail"].startswith("member:")


def test_communities_without_a_secret_or_unknown_are_refused(shop: dict[str, Any]) -> None:
    other = get_or_create_community("社群B")
    assert post(f"/api/shop/{other.pk}/orders", body(shop["offer"])).status_code == 403
    assert post("/api/shop/999999/orders", body(shop["offer"])).status_code == 404
    assert not Order.objects.exists()


def test_the_secret_comes_from_the_environment_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SHEQUN_SHOP_SECRET_7", raising=False)
    assert _shop_secret(7) is None
    secret_file = tmp_path / "shop-7"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("SHEQUN_SHOP_SECRET_7_FILE", str(secret_file))
    assert _shop_secret(7) == b"from-a-file"
    monkeypatch.setenv("SHEQUN_SHOP_SECRET_7", " from-the-env ")
    assert _shop_secret(7) == b"from-the-env"
    assert _shop_secret(8) is None
