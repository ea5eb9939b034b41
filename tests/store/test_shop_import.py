"""Order imports from .csv and .xlsx: every bad row named with its reason, nothing half-applied."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils.translation import override
from openpyxl import Workbook

from shequn.chat.ingest import ingest
from shequn.cli import main
from shequn.community.actions import update_person
from shequn.community.models import Account, AuditLog, Community, Offer, Order, Person
from shequn.community.order_import import OrderFileError, plan_orders
from shequn.community.shop_actions import OrderConflict, apply_order_import, save_offer
from shequn.web.import_rows import read_table
from tests.store.factories import joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

HEADER = "订单号,成员,商品,金额,币种,状态,下单时间,推荐人"


@pytest.fixture
def shop(community: Community) -> Offer:
    """Members #1 张三 (u1), #2 李四 (u2), #3 and #4 both named 王五; an offer 训练营 (CNY)."""
    ingest([joined(i, f"u{i}") for i in range(1, 5)], community)
    for who, name in [("u1", "张三"), ("u2", "李四"), ("u3", "王五"), ("u4", "王五")]:
        update_person(Account.objects.get(external_id=who).person, by="test", display_name=name)
    values = {"name": "训练营", "kind": "course", "price": Decimal("199"), "currency": "CNY"}
    return save_offer(community, values, offer=None, user=None, by="test")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons in English, the words these tests look for (the console shows them in Chinese)."""
    with override("en"):
        yield


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


def table(*rows: str) -> list[list[str]]:
    return read_table("orders.csv", "\n".join([HEADER, *rows]).encode())


def test_a_good_file_plans_each_order_resolving_members_every_way(
    community: Community, shop: Offer
) -> None:
    plan = plan_orders(community, table(
        "A1,#1,训练营,199,CNY,已付款,2026-03-01 12:30,李四",
        f"A2,test:u2,{shop.pk},199.00,,pending,,",
        "A3,张三,训练营,\"1,99\",cny,paid,2026/03/02,#2",
    ))  # fmt: skip
    assert plan.errors == []
    got = [(p.data.external_id, p.data.person.number, p.data.status, p.data.amount)
           for p in plan.orders]  # fmt: skip
    assert got == [("A1", 1, "paid", Decimal("199.00")), ("A2", 2, "pending", Decimal("199.00")),
                   ("A3", 1, "paid", Decimal("199.00"))]  # fmt: skip
    first = plan.orders[0].data
    assert first.ordered_at.isoformat() == "2026-03-01T12:30:00+08:00"  # the community's zone
    assert first.referrer == person("u2") and first.paid_at == first.ordered_at


def test_every_bad_row_is_listed_with_its_reason(community: Community, shop: Offer) -> None:
    Order.objects.create(community=community, offer=shop, person=person("u2"), external_id="OLD",
                         amount=Decimal("199"), source="manual")  # fmt: skip
    plan = plan_orders(community, table(
        "B1,#9,训练营,199,CNY,paid,,",  # 2: unknown member
        "B2,王五,训练营,199,CNY,paid,,",  # 3: ambiguous name
        "B3,#1,训练营,-5,CNY,paid,,",  # 4: negative
        "B4,#1,训练营,abc,CNY,paid,,",  # 5: not a number
        "B5,#1,训练营,199,USD,paid,,",  # 6: not the offer's currency
        "B6,#1,瑜伽课,199,CNY,paid,,",  # 7: unknown offer
        "B7,#1,训练营,199,CNY,paid,昨天,",  # 8: not a date
        "B1,#2,训练营,199,CNY,paid,,",  # 9: B1 twice in the file
        "OLD,#1,训练营,199,CNY,paid,,",  # 10: recorded for another member
        "B8,#1,训练营,199,CNY,发货,,",  # 11: unknown status
        "B9,#1,训练营,199.999,CNY,paid,,",  # 12: three decimals
        "B10,#1,训练营,NaN,CNY,paid,,",  # 13: not a number either
    ))  # fmt: skip
    reasons = {e.row: e.reason for e in plan.errors}
    assert sorted(reasons) == list(range(2, 14))
    for row, words in [(2, "#9"), (3, "王五"), (4, "negative"), (5, "abc"), (6, "USD"),
                       (7, "瑜伽课"), (8, "昨天"), (9, "row 2"), (10, "member"), (11, "发货"),
                       (12, "decimals"), (13, "NaN")]:  # fmt: skip
        assert words in reasons[row], (row, reasons[row])
    assert plan.orders == []


def test_a_recorded_order_moves_forward_but_never_back(community: Community, shop: Offer) -> None:
    Order.objects.create(community=community, offer=shop, person=person("u1"), external_id="C1",
                         amount=Decimal("199"), source="webhook", status="paid")  # fmt: skip
    same = plan_orders(community, table("C1,#1,训练营,199,CNY,paid,,"))
    assert (same.orders, same.errors, same.unchanged) == ([], [], 1)
    forward = plan_orders(community, table("C1,#1,训练营,199,CNY,refunded,,"))
    assert [(p.before, p.data.status) for p in forward.orders] == [("paid", "refunded")]
    back = plan_orders(community, table("C1,#1,训练营,199,CNY,pending,,"))
    assert "back" in back.errors[0].reason


def test_a_file_without_the_needed_columns_is_refused_whole(community: Community) -> None:
    with pytest.raises(OrderFileError, match="amount"):
        plan_orders(community, read_table("x.csv", "订单号,成员,商品,状态\nA,#1,x,paid".encode()))
    with pytest.raises(OrderFileError, match="颜色"):
        plan_orders(community, read_table("x.csv", f"{HEADER},颜色\n".encode()))


def test_an_xlsx_file_reads_like_a_csv_file(community: Community, shop: Offer) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order id", "member", "offer", "amount", "status", "ordered at"])
    sheet.append(["X1", 1, "训练营", 199, "paid", "2026-03-01 08:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_orders(community, read_table("orders.xlsx", buffer.getvalue()))
    assert plan.errors == [] and [p.data.person.number for p in plan.orders] == [1]


def test_apply_is_all_or_nothing(community: Community, shop: Offer) -> None:
    plan = plan_orders(community, table("D1,#1,训练营,199,CNY,paid,,", "D2,#2,训练营,199,,paid,,"))
    rows = [p.data for p in plan.orders]
    # A row that conflicts by the time it is applied (another member took D1 meanwhile).
    clash = replace(rows[0], person=person("u3"))
    with pytest.raises(OrderConflict):
        apply_order_import(community, [*rows, clash], user=None, source="orders.csv")
    assert not Order.objects.exists()
    assert apply_order_import(community, rows, user=None, source="orders.csv") == 2
    assert AuditLog.objects.get(action="order.import").details == {"rows": 2, "changed": 2}


def test_the_cli_applies_a_good_file_and_refuses_a_bad_one(
    community: Community, shop: Offer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, "E1,#1,训练营,199,CNY,paid,,", "E2,#9,训练营,-1,CNY,paid,,"]))
    assert main(["orders", "import", str(bad), "--community", community.name]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: row 3:" in err and not Order.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, "E1,#1,训练营,199,CNY,paid,,"]))
    assert main(["orders", "import", str(good), "--community", community.name, "--dry-run"]) == 0
    assert not Order.objects.exists()
    assert main(["orders", "import", str(good), "--community", community.name]) == 0
    assert Order.objects.get().source == "import"
    assert main(["orders", "import", str(good), "--community", "没有"]) == 2
