"""The shop pages of a community: offers (商品), orders (订单), one order.

Anyone with a role in the community reads them; operators and owners (the
"edit" power) create and change offers, record an order by hand and mark one
paid, refunded or cancelled. Every write goes through ``community.shop_actions``
(audited under the user); an order that becomes paid admits its buyer to the
offer's group by the path "payment". Money is shown as the shop stated it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequn.community.models import (
    Account,
    AdmissionRequest,
    AuditLog,
    Community,
    Offer,
    Order,
    OrderStatus,
)
from shequn.community.permissions import can, visible_communities
from shequn.community.shop_actions import (
    OrderConflict,
    order_change,
    record_order,
    save_offer,
    set_order_status,
)
from shequn.web.profile import require
from shequn.web.shop_forms import STATUS_CHOICES, STATUS_LABELS, OfferForm, OrderForm, StatusForm

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _community(request: HttpRequest, community_id: int) -> Community:
    return get_object_or_404(visible_communities(request.user), pk=community_id)


# --- offers -------------------------------------------------------------------------------


def _offers_page(
    request: HttpRequest, community: Community, form: OfferForm | None = None, status: int = 200
) -> HttpResponse:
    offers = (
        Offer.objects.filter(community=community)
        .select_related("group")
        .annotate(
            paid=Count("orders", filter=Q(orders__status=OrderStatus.PAID)),
            revenue=Sum("orders__amount", filter=Q(orders__status=OrderStatus.PAID)),
        )
        .order_by("-active", "name", "pk")
    )
    may = can(request.user, "edit", community)
    context = {"community": community, "offers": offers, "can_edit": may,
               "form": form or (OfferForm(community) if may else None)}  # fmt: skip
    return render(request, "web/shop_offers.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offers_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the community's offers with their paid orders; POST: create an offer ("edit")."""
    community = _community(request, community_id)
    if request.method == "GET":
        return _offers_page(request, community)
    require(request.user, "edit", community)
    form = OfferForm(community, request.POST)
    if not form.is_valid():
        return _offers_page(request, community, form, status=400)
    offer = save_offer(community, form.cleaned_data, offer=None, user=_user(request), by="console")
    messages.success(request, _("Offer %(name)s created.") % {"name": offer.name})
    return redirect("shop_offers", community.pk)


@login_required
@require_http_methods(["GET", "POST"])
def offer_view(request: HttpRequest, offer_id: int) -> HttpResponse:
    """GET: one offer and its form; POST: save the offer's changes ("edit")."""
    offers = Offer.objects.filter(community__in=visible_communities(request.user))
    offer = get_object_or_404(offers.select_related("community", "group"), pk=offer_id)
    community = offer.community
    may = can(request.user, "edit", community)
    form = OfferForm(community, initial=OfferForm.initial_of(offer)) if may else None
    status = 200
    if request.method == "POST":
        require(request.user, "edit", community)
        form = OfferForm(community, request.POST)
        if form.is_valid():
            save_offer(community, form.cleaned_data, offer=offer, user=_user(request), by="console")
            messages.success(request, _("Offer saved."))
            return redirect("shop_offer", offer.pk)
        status = 400
    context = {"community": community, "offer": offer, "form": form, "can_edit": may}
    return render(request, "web/shop_offer.html", context, status=status)


# --- orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    offer: int | None
    status: str

    @classmethod
    def of(cls, request: HttpRequest) -> OrderFilters:
        """The list's filters from the query string; a malformed value is ignored."""
        offer = request.GET.get("offer", "")
        status = request.GET.get("status", "")
        return cls(
            int(offer) if offer.isdigit() else None, status if status in STATUS_LABELS else ""
        )

    def apply(self, orders: QuerySet[Order]) -> QuerySet[Order]:
        if self.offer is not None:
            orders = orders.filter(offer_id=self.offer)
        return orders.filter(status=self.status) if self.status else orders


def _orders_page(
    request: HttpRequest, community: Community, form: OrderForm | None = None, status: int = 200
) -> HttpResponse:
    filters = OrderFilters.of(request)
    orders = filters.apply(Order.objects.filter(community=community))
    orders = orders.select_related("offer", "person", "referrer").order_by("-ordered_at", "-pk")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    may = can(request.user, "edit", community)
    context = {
        "community": community, "page": page, "filters": filters, "labels": STATUS_LABELS,
        "statuses": STATUS_CHOICES, "offers": Offer.objects.filter(community=community),
        "can_edit": may, "can_import": can(request.user, "import", community),
        "form": form or (OrderForm(community) if may else None),
    }  # fmt: skip
    return render(request, "web/shop_orders.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def orders_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the community's orders, filtered by offer and status; POST: record one ("edit").

    An order id already recorded with the same member, offer and amount moves
    that order's status forward; anything else about it is refused on the form.
    """
    community = _community(request, community_id)
    if request.method == "GET":
        return _orders_page(request, community)
    require(request.user, "edit", community)
    form = OrderForm(community, request.POST)
    if not form.is_valid() or not _still_recordable(form, community):
        return _orders_page(request, community, form, status=400)
    done = record_order(community, form.order(), source="manual", user=_user(request), by="console")
    note = _("Order recorded.") if done.created else _("The order was recorded before; updated.")
    messages.success(request, note)
    return redirect("shop_order", done.order.pk)


def _still_recordable(form: OrderForm, community: Community) -> bool:
    """Whether the valid form's order may be recorded; a form error saying why not."""
    data = form.order()
    existing = Order.objects.filter(community=community, external_id=data.external_id).first()
    try:
        if order_change(existing, data) == "behind":
            raise OrderConflict("status", _("this order is further along already"))
    except OrderConflict as error:
        form.add_error("order_id", str(error))
        return False
    return True


@dataclass(frozen=True)
class Admission:
    """Where the buyer stands in the offer's group: an account's latest request there."""

    account: Account
    request: AdmissionRequest | None


def _admissions(order: Order) -> list[Admission]:
    group = order.offer.group
    if group is None:
        return []
    accounts = Account.objects.filter(person=order.person, platform=group.platform)
    out = []
    for account in accounts.order_by("pk"):
        latest = AdmissionRequest.objects.filter(group=group, account=account).order_by("-pk")
        out.append(Admission(account, latest.first()))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def order_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET: one order, its buyer's admission and its history; POST: a new status ("edit")."""
    orders = Order.objects.filter(community__in=visible_communities(request.user))
    related = ("community", "offer__group", "person", "referrer")
    order = get_object_or_404(orders.select_related(*related), pk=order_id)
    community = order.community
    status = 200
    if request.method == "POST":
        require(request.user, "edit", community)
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                set_order_status(order, form.cleaned_data["status"], user=_user(request),
                                 by="console")  # fmt: skip
                messages.success(request, _("Order status changed."))
                return redirect("shop_order", order.pk)
            except ValueError as error:
                messages.error(request, str(error))
        status = 400
    return render(request, "web/shop_order.html", _order_context(request, order), status=status)


def _order_context(request: HttpRequest, order: Order) -> dict[str, Any]:
    history = AuditLog.objects.filter(
        community=order.community, target=order.external_id, action__startswith="order."
    ).select_related("user")
    moves = {
        OrderStatus.PENDING: ["paid", "cancelled"],
        OrderStatus.PAID: ["refunded", "cancelled"],
    }
    return {
        "community": order.community, "order": order, "labels": STATUS_LABELS,
        "status_label": STATUS_LABELS.get(order.status, order.status),  # type: ignore[call-overload]
        "moves": [(s, STATUS_LABELS[s]) for s in moves.get(order.status, [])],  # type: ignore[call-overload]
        "admissions": _admissions(order), "history": history.order_by("-at", "-pk")[:50],
        "can_edit": can(request.user, "edit", order.community),
    }  # fmt: skip


__all__ = ["offer_view", "offers_view", "order_view", "orders_view"]
