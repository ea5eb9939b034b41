"""The shop pages: offers, orders by hand, an order's status, the order import, the API reads.

World (``test_edit.build_world``): A with u1 (#1) and u2 (#2) in g1; alice owns A,
dan views A, erin assists A. Uploads are kept under a temporary data directory.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequn.community.actions import create_api_token
from shequn.community.models import AdmissionRequest, AuditLog, Community, Group, Offer, Order
from shequn.community.shop_actions import save_offer
from tests.web.test_edit import EVIL, build_world, client_for, person
from tests.web.test_shop_kit import shop_for_matrix

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    world: dict[str, Any] = dict(build_world())
    world["g1"] = Group.objects.get(external_id="g1")
    world |= shop_for_matrix(person("u1"), world["g1"])  # offer "<b>训练营</b>", pending T-<i>1</i>
    return world


def order_form(offer: Offer, **fields: str) -> dict[str, Any]:
    form = {"order_id": "M1", "member": "#2", "offer": offer.pk, "amount": "", "currency": "",
            "status": "paid", "ordered_at": "2026-03-01 20:00", "referrer": "#1"}  # fmt: skip
    return form | fields


def test_owners_create_and_change_offers_viewers_only_read(world: dict[str, Any]) -> None:
    url = f"/communities/{world['A'].pk}/offers/"
    alice, dan = client_for("alice"), client_for("dan")
    values = {"name": EVIL, "kind": "paid_group", "price": "365", "currency": "cny",
              "group": world["g1"].pk, "active": "on"}  # fmt: skip
    assert alice.post(url, values).status_code == 302
    offer = Offer.objects.get(name=EVIL)
    assert (offer.currency, offer.group) == ("CNY", world["g1"])
    page = dan.get(url).content.decode()
    assert "商品与订单" in page and EVIL not in page and "&lt;script&gt;" in page
    assert 'name="price"' not in page  # no form for a viewer
    assert dan.post(url, values).status_code == 403
    assert alice.post(url, values | {"price": "-1"}).status_code == 400
    edit = alice.post(f"/offers/{offer.pk}/", values | {"price": "399", "active": ""})
    assert edit.status_code == 302
    offer.refresh_from_db()
    assert (offer.price, offer.active) == (Decimal("399.00"), False)
    assert AuditLog.objects.filter(action="offer.update", user__username="alice").exists()


def test_an_order_recorded_by_hand_and_marked_paid_admits_its_buyer(
    world: dict[str, Any],
) -> None:
    alice = client_for("alice")
    offer = Offer.objects.get(pk=world["offer_id"])
    url = f"/communities/{world['A'].pk}/orders/"
    created = alice.post(url, order_form(offer, status="pending"))
    assert created.status_code == 302
    order = Order.objects.get(external_id="M1")
    assert (order.amount, order.person, order.referrer) == (offer.price, person("u2"), person("u1"))
    assert order.ordered_at.isoformat() == "2026-03-01T12:00:00+00:00"
    page = alice.get(created["Location"]).content.decode()
    assert "待付款" in page and "标记为已付款" in page
    assert alice.post(f"/orders/{order.pk}/", {"status": "paid"}).status_code == 302
    request = AdmissionRequest.objects.get(account__external_id="u2")
    assert (request.status, request.path) == ("admitted", "payment")
    assert "已付款" in alice.get(f"/orders/{order.pk}/").content.decode()
    back = alice.post(f"/orders/{order.pk}/", {"status": "paid"})
    assert back.status_code == 400 and Order.objects.get(pk=order.pk).status == "paid"
    assert client_for("dan").post(f"/orders/{order.pk}/", {"status": "refunded"}).status_code == 403


def test_the_order_form_names_what_is_wrong(world: dict[str, Any]) -> None:
    alice = client_for("alice")
    offer = Offer.objects.get(pk=world["offer_id"])
    url = f"/communities/{world['A'].pk}/orders/"
    bad = alice.post(url, order_form(offer, member="#9", amount="-3", currency="USD"))
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "本社群没有 #9 号群友" in html and "是负数" in html and "USD" in html
    clash = alice.post(url, order_form(offer, order_id="T-<i>1</i>"))  # recorded for u1
    assert clash.status_code == 400 and "member" in clash.content.decode()
    assert Order.objects.count() == 1


def test_orders_filter_by_offer_and_status(world: dict[str, Any]) -> None:
    alice = client_for("alice")
    offer = Offer.objects.get(pk=world["offer_id"])
    alice.post(f"/communities/{world['A'].pk}/orders/", order_form(offer))
    url = f"/communities/{world['A'].pk}/orders/"
    paid = alice.get(url, {"status": "paid", "offer": str(offer.pk)}).content.decode()
    assert "M1" in paid and "T-&lt;i&gt;1&lt;/i&gt;" not in paid
    everything = alice.get(url, {"status": "bogus"}).content.decode()
    assert "M1" in everything and "T-&lt;i&gt;1&lt;/i&gt;" in everything


def upload(client: Client, community: Community, text: str) -> Any:
    url = f"/communities/{community.pk}/orders/import/"
    return client.post(url, {"file": SimpleUploadedFile("orders.csv", text.encode())})


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(token|digest)" value="([^"]*)"', html))


def test_an_import_previews_lists_bad_rows_and_applies_all_or_nothing(
    world: dict[str, Any],
) -> None:
    alice, a = client_for("alice"), world["A"]
    header = "order id,member,offer,amount,status\n"
    offer = world["offer_id"]
    bad = upload(alice, a, header + f"I1,#1,{offer},199,paid\nI2,#1,{offer},-1,paid\n")
    assert bad.status_code == 400
    assert "金额 -1 是负数" in bad.content.decode() and not hidden(bad.content.decode())
    good = upload(alice, a, header + f"I1,#1,{offer},199,paid\nI2,#2,{offer},199,pending\n")
    assert good.status_code == 200 and not Order.objects.filter(external_id__startswith="I")
    form = hidden(good.content.decode())
    apply_url = f"/communities/{a.pk}/orders/import/apply/"
    assert client_for("erin").post(apply_url, form).status_code == 403  # assistants may not
    stale = alice.post(apply_url, form | {"digest": "0" * 64})
    assert stale.status_code == 409
    done = alice.post(apply_url, form)
    assert done.status_code == 200 and "已记录或更新 2 笔订单" in done.content.decode()
    assert sorted(Order.objects.filter(source="import").values_list("external_id", flat=True)) == [
        "I1",
        "I2",
    ]


def test_the_api_lists_offers_and_orders_with_filters(world: dict[str, Any]) -> None:
    save_offer(world["A"], {"name": "年货", "kind": "product", "price": Decimal("88")},
               offer=None, user=None, by="test")  # fmt: skip
    token = create_api_token(User.objects.get(username="dan"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    offers = api.get(f"/api/communities/{world['A'].pk}/offers").json()
    assert [o["name"] for o in offers] == ["<b>训练营</b>", "年货"]  # data, never markup
    orders = f"/api/communities/{world['A'].pk}/orders"
    assert api.get(orders, {"status": "pending"}).json()["count"] == 1
    assert api.get(orders, {"status": "paid"}).json()["count"] == 0
    assert api.get(orders, {"status": "lost"}).status_code == 422
    assert api.get(orders, {"offset": 10**28}).status_code == 422  # beyond a 64-bit integer
