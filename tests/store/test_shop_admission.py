"""Payment admission (门槛: 付费): a paid order admits its buyer to the offer's group.

Through the real engine and the admission rule: a newcomer waiting for the
operators' review is admitted when their order is paid; a buyer not yet in the
group is approved, and the rule admits their join by the path "payment".
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.chat.ingest import ingest
from shequn.community.models import (
    Account,
    AuditLog,
    Community,
    Group,
    Membership,
    Offer,
    Person,
)
from shequn.community.shop_actions import OrderInput, record_order, save_offer, set_order_status
from shequn.connectors.memory import MemoryConnector
from shequn.playbook.engine import Engine
from tests.playbook.test_admission_kit import RULES, admission, joined, names, request_of, run
from tests.store.factories import message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


@pytest.fixture
def engine(community: Community) -> Engine:
    """Group g1 with pre-screening on, and an engine over it."""
    Group.objects.create(community=community, platform="test", external_id="g1", name="付费群",
                         kind="paid", settings=admission(screening=True))  # fmt: skip
    return Engine(community, [MemoryConnector(platform="test")], rules=RULES)


def paid_group_offer(community: Community, group: Group | None) -> Offer:
    values = {"name": "付费群年费", "kind": "paid_group", "price": Decimal("365"), "group": group}
    return save_offer(community, values, offer=None, user=None, by="test")


def buy(offer: Offer, buyer: Person, status: str = "paid", order_id: str = "W1") -> None:
    data = OrderInput(external_id=order_id, offer=offer, person=buyer, amount=Decimal("365"),
                      currency="CNY", status=status, ordered_at=joined(0, "x").at)  # fmt: skip
    record_order(offer.community, data, source="webhook", user=None, by="shop")


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


def stay_path(who: str) -> str:
    return Membership.objects.filter(account__external_id=who).latest("pk").admission_path


def results(community: Community) -> list[tuple[str, str]]:
    rows = AuditLog.objects.filter(community=community, action="order.admission").order_by("pk")
    return [(r.details["result"], r.outcome) for r in rows]


def test_a_waiting_newcomer_is_admitted_when_their_order_is_paid(
    community: Community, engine: Engine
) -> None:
    assert names(run(engine, joined(1, "u1"))) == ["QueueAdmission", "Warn", "Notify"]
    assert request_of("u1").status == "pending"
    offer = paid_group_offer(community, Group.objects.get(external_id="g1"))
    buy(offer, person("u1"), status="pending")
    assert request_of("u1").status == "pending"  # ordered, not paid: still waiting
    set_order_status(offer.orders.get(), "paid", user=None, by="console")
    request = request_of("u1")
    assert (request.status, request.path) == ("admitted", "payment")
    assert stay_path("u1") == "payment"
    assert results(community) == [("admitted", "performed")]


def test_a_buyer_outside_the_group_is_admitted_by_payment_on_joining(
    community: Community, engine: Engine
) -> None:
    ingest([joined(1, "u2", group="g2")], community)  # known on the platform, not in g1
    offer = paid_group_offer(community, Group.objects.get(external_id="g1"))
    buy(offer, person("u2"))
    assert (request_of("u2").status, request_of("u2").path) == ("approved", "payment")
    performed = run(engine, joined(2, "u2"))
    assert names(performed) == ["Admit"]  # no screening for a paid member
    assert (request_of("u2").status, stay_path("u2")) == ("admitted", "payment")
    assert results(community) == [("approved", "performed")]


def test_a_member_admitted_before_stays_as_they_were(community: Community, engine: Engine) -> None:
    run(engine, joined(1, "u3"))
    offer = paid_group_offer(community, Group.objects.get(external_id="g1"))
    buy(offer, person("u3"), order_id="W1")  # admitted by payment
    buy(offer, person("u3"), order_id="W2")  # a second year: nothing more to do
    assert results(community) == [("admitted", "performed"), ("member", "performed")]
    assert stay_path("u3") == "payment"


def test_a_buyer_without_an_account_on_the_platform_is_left_to_the_operators(
    community: Community, engine: Engine
) -> None:
    ingest([joined(1, "u4")], community)
    Account.objects.filter(external_id="u4").update(platform="wechat")
    offer = paid_group_offer(community, Group.objects.get(external_id="g1"))
    buy(offer, person("u4"))
    assert results(community) == [("no_account", "failed")]
    row = AuditLog.objects.get(action="order.admission")
    assert "no account on test" in row.reason


def test_offers_without_a_group_and_unpaid_orders_admit_nobody(
    community: Community, engine: Engine
) -> None:
    run(engine, joined(1, "u5"))
    buy(paid_group_offer(community, None), person("u5"), order_id="W1")
    offer = paid_group_offer(community, Group.objects.get(external_id="g1"))
    buy(offer, person("u5"), status="cancelled", order_id="W2")
    assert results(community) == []
    assert request_of("u5").status == "pending"


def test_a_paid_group_keeps_a_newcomer_waiting_until_the_order_is_paid(
    community: Community,
) -> None:
    group = Group.objects.create(
        community=community, platform="test", external_id="g1", name="付费群", kind="paid",
        settings=admission(payment=True, questions=["你的行业？"]),
    )  # fmt: skip
    memory = MemoryConnector(platform="test")
    engine = Engine(community, [memory], rules=RULES)
    assert names(run(engine, joined(1, "u6"))) == ["QueueAdmission", "Warn", "Notify"]
    asked = next(a for a in memory.performed if type(a).__name__ == "Warn")
    assert "付费群" in asked.text and "付款" in asked.text and "你的行业？" in asked.text
    assert request_of("u6").status == "pending"
    assert "waits for answers+payment" in AuditLog.objects.get(action="QueueAdmission").reason

    run(
        engine, message(2, who="u6", text="做跨境电商")
    )  # the answer is kept, but does not admit by itself
    assert request_of("u6").status == "pending" and request_of("u6").answers
    offer = paid_group_offer(community, group)
    buy(offer, person("u6"))
    assert (request_of("u6").status, request_of("u6").path) == ("admitted", "questions+payment")
