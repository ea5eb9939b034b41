"""Reading orders (an imported file's rows, a shop's webhook body) into ``OrderInput``s.

Nothing is written here. ``References`` resolves what a shop or a file names:

- a **member** is ``#12`` or ``12`` (the member number, 编号), ``platform:account``
  (an account id on a platform the community has, e.g. ``telegram:123456``), or
  a name that names exactly one member (archive name or account display name);
- an **offer** is its id or its exact name;
- an **amount** is a number at least 0 with at most two decimals; a **currency**
  must be the offer's (empty means the offer's); a **time** is ISO 8601
  (``2026-03-01``, ``2026-03-01 12:30``, with or without an offset: without one
  it is read in the community's zone).

``plan_orders`` plans a table (header first, as ``web.import_rows.read_table``
reads .csv and .xlsx files) against the store as it is now: the orders it would
record or move forward, the rows already recorded as they are, and every bad row
with its spreadsheet row number and the reason. Apply only a plan without errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext

from shequn.community.models import Account, Community, Offer, Order, OrderStatus, Person
from shequn.community.shop_actions import OrderConflict, OrderInput, order_change

#: Column → the header spellings a file may use (any case; spaces, "_" and "-" alike).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("order id", "order", "订单号", "订单编号"),
    "member": ("member", "buyer", "成员", "群友", "买家"),
    "offer": ("offer", "product", "商品", "产品"),
    "amount": ("amount", "金额"),
    "currency": ("currency", "币种", "货币"),
    "status": ("status", "状态"),
    "ordered_at": ("ordered at", "date", "下单时间"),
    "paid_at": ("paid at", "付款时间"),
    "referrer": ("referrer", "推荐人"),
}
REQUIRED = ("order_id", "member", "offer", "amount", "status")
#: Chinese words shops use for a status, besides the codes and the console's labels.
STATUS_WORDS = {"已付款": "paid", "已支付": "paid", "待付款": "pending", "未付款": "pending",
                "已退款": "refunded", "已取消": "cancelled", "取消": "cancelled"}  # fmt: skip
_NUMBER = re.compile(r"#?(\d{1,9})")
MAX_ID = 128


class OrderFileError(ValueError):
    """The file as a whole cannot be imported (its header); the message says why."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass(frozen=True)
class PlannedOrder:
    """One row's order and what recording it does: "new" or "forward" (from ``before``)."""

    row: int
    data: OrderInput
    change: str
    before: str = ""


@dataclass
class OrderPlan:
    """The orders a table would record; ``now`` is the time rows without a date are given."""

    now: datetime
    orders: list[PlannedOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0


def status_names() -> dict[str, str]:
    """Every spelling of an order status: its code, the console's labels, shops' words."""
    names = {value: value for value in OrderStatus.values} | STATUS_WORDS
    for language in ("zh-hans", "en"):
        with override(language):
            names |= {pgettext("order status", v).lower(): v for v in OrderStatus.values}
    return names


class References:
    """Resolves a community's members, offers, amounts and times as a shop or file names them."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.zone = ZoneInfo(community.time_zone)
        self.statuses = status_names()
        self.offers = list(Offer.objects.filter(community=community))
        self.platforms = set(
            Account.objects.filter(community=community).values_list("platform", flat=True)
        )

    def member(self, text: str) -> Person:
        """The one member ``text`` names (ValueError saying why not)."""
        text = text.strip()
        persons = Person.objects.filter(community=self.community)
        if not text:
            raise ValueError(_("no member given"))
        number = _NUMBER.fullmatch(text)
        if number:
            found = persons.filter(number=int(number.group(1))).first()
            if found is None:
                raise ValueError(_("no member #%(n)s in this community") % {"n": number.group(1)})
            return found
        platform, colon, account = text.partition(":")
        if colon and platform in self.platforms:
            holders = persons.filter(accounts__platform=platform, accounts__external_id=account)
            person = holders.first()
            if person is None:
                raise ValueError(_("no account %(a)s on %(p)s") % {"a": account, "p": platform})
            return person
        named = persons.filter(Q(display_name=text) | Q(accounts__display_name=text)).distinct()
        matches = list(named[:2])
        if len(matches) != 1:
            why = (
                _("no member named %(name)s")
                if not matches
                else _("more than one member is named %(name)s; give the member number")
            )
            raise ValueError(why % {"name": text})
        return matches[0]

    def offer(self, text: str) -> Offer:
        text = text.strip()
        found = [o for o in self.offers if str(o.pk) == text or o.name == text]
        if len(found) != 1:
            names = ", ".join(o.name for o in self.offers) or "—"
            raise ValueError(
                _('unknown offer "%(offer)s"; this community offers: %(names)s')
                % {"offer": text, "names": names}
            )
        return found[0]

    def amount(self, text: str) -> Decimal:
        try:
            value = Decimal(text.strip().replace(",", ""))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise ValueError(_('amount "%(v)s" is not a number') % {"v": text})
        if value < 0:
            raise ValueError(_("amount %(v)s is negative") % {"v": text})
        if value != value.quantize(Decimal("0.01")) or value >= Decimal(10) ** 10:
            raise ValueError(_("amount %(v)s: at most two decimals, below 10¹⁰") % {"v": text})
        return value.quantize(Decimal("0.01"))

    def currency(self, text: str, offer: Offer) -> str:
        currency = text.strip().upper() or offer.currency
        if currency != offer.currency:
            raise ValueError(
                _("currency %(c)s is not the offer's (%(o)s)")
                % {"c": currency, "o": offer.currency}
            )
        return currency

    def status(self, text: str) -> str:
        status = self.statuses.get(text.strip().lower())
        if status is None:
            raise ValueError(
                _('unknown status "%(v)s"; expected one of: %(codes)s')
                % {"v": text, "codes": ", ".join(OrderStatus.values)}
            )
        return status

    def when(self, text: str, default: datetime) -> datetime:
        """An aware time from ISO 8601 (naive: the community's zone); ``default`` when empty."""
        text = text.strip().replace("/", "-")
        if not text:
            return default
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _('"%(v)s" is not a date; write it like 2026-03-01 12:30') % {"v": text}
            ) from None
        return value if value.tzinfo else value.replace(tzinfo=self.zone)


def _header(cells: list[str]) -> list[str]:
    """The columns' names (keys of ``COLUMNS``), or OrderFileError naming the problem."""
    spelled = {s.replace(" ", ""): key for key, names in COLUMNS.items() for s in names}
    spelled |= {key.replace("_", ""): key for key in COLUMNS}
    columns: list[str] = []
    for i, cell in enumerate(cells, start=1):
        plain = re.sub(r"[\s_-]", "", cell.strip().lower())
        if not plain:
            columns.append("")
            continue
        key = spelled.get(plain)
        if key is None:
            raise OrderFileError(
                _('Unknown column "%(column)s" (column %(n)d); expected some of: %(known)s.')
                % {"column": cell, "n": i, "known": ", ".join(n[0] for n in COLUMNS.values())}
            )
        if key in columns:
            raise OrderFileError(_('Column "%(column)s" appears twice.') % {"column": cell})
        columns.append(key)
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise OrderFileError(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    return columns


class Planner:
    """Plans one table of orders against one community's store as it is now."""

    def __init__(self, community: Community) -> None:
        self.refs = References(community)
        self.community = community
        self.now = timezone.now()
        self.seen: dict[str, int] = {}  # order id → row

    def plan(self, table: list[list[str]]) -> OrderPlan:
        columns = _header(table[0])
        plan = OrderPlan(self.now)
        for number, cells in enumerate(table[1:], start=2):
            values = dict(zip(columns, [*cells, *[""] * len(columns)], strict=False))
            values.pop("", None)
            if not any(values.values()):
                continue
            try:
                planned = self._row(number, values)
            except ValueError as error:
                plan.errors.append(RowError(number, str(error)))
                continue
            if planned is None:
                plan.unchanged += 1
            else:
                plan.orders.append(planned)
        return plan

    def _row(self, row: int, values: dict[str, str]) -> PlannedOrder | None:
        data = self._order(row, values)
        existing = Order.objects.filter(community=self.community, external_id=data.external_id)
        before = existing.first()
        try:
            change = order_change(before, data)
        except OrderConflict as error:
            raise ValueError(
                _("order %(id)s is recorded already for another %(field)s")
                % {"id": data.external_id, "field": error.field}
            ) from error
        if change == "behind":
            raise ValueError(
                _("order %(id)s is %(status)s already; a file cannot move it back")
                % {"id": data.external_id, "status": before.status if before else ""}
            )
        if change == "same":
            return None
        return PlannedOrder(row, data, change, before.status if before else "")

    def _order(self, row: int, values: dict[str, str]) -> OrderInput:
        refs, order_id = self.refs, values["order_id"].strip()
        if not order_id or len(order_id) > MAX_ID:
            raise ValueError(_("an order id of 1 to %(n)d characters is required") % {"n": MAX_ID})
        if order_id in self.seen:
            raise ValueError(
                _("order id %(id)s is also in row %(row)d")
                % {"id": order_id, "row": self.seen[order_id]}
            )
        self.seen[order_id] = row
        offer = refs.offer(values["offer"])
        referrer = values.get("referrer", "").strip()
        ordered_at = refs.when(values.get("ordered_at", ""), self.now)
        status = refs.status(values["status"])
        paid_at = refs.when(values.get("paid_at", ""), ordered_at)
        return OrderInput(
            external_id=order_id, offer=offer, person=refs.member(values["member"]),
            amount=refs.amount(values["amount"]),
            currency=refs.currency(values.get("currency", ""), offer), status=status,
            ordered_at=ordered_at, referrer=refs.member(referrer) if referrer else None,
            paid_at=paid_at if status == OrderStatus.PAID else None,
        )  # fmt: skip


def plan_orders(community: Community, table: list[list[str]]) -> OrderPlan:
    """Plan a table of orders (header first) against the store as it is now."""
    return Planner(community).plan(table)


__all__ = ["OrderFileError", "OrderPlan", "PlannedOrder", "References", "RowError", "plan_orders"]
