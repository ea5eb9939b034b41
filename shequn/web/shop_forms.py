"""Forms of the shop pages: an offer, an order entered by hand, a status change.

The order form reads its member, referrer, amount, currency and time exactly as
an imported file or the shop's webhook does (``community.order_import.References``),
so the three ways in accept the same spellings and give the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from shequn.community.models import Community, Group, Offer, OfferKind, OrderStatus
from shequn.community.order_import import References
from shequn.community.shop_actions import OrderInput

#: Order statuses as the console names them ("pending" means 待付款 here, not 待审核).
STATUS_LABELS = {
    OrderStatus.PENDING: pgettext_lazy("order status", "pending"),
    OrderStatus.PAID: pgettext_lazy("order status", "paid"),
    OrderStatus.REFUNDED: pgettext_lazy("order status", "refunded"),
    OrderStatus.CANCELLED: pgettext_lazy("order status", "cancelled"),
}
STATUS_CHOICES = list(STATUS_LABELS.items())
MEMBER_HELP = gettext_lazy("#number, platform:account id, or a name only one member has")


class OfferForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("shop", "Name"), max_length=255)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OfferKind.choices)
    price = forms.DecimalField(
        label=gettext_lazy("Price"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        initial="CNY",
        max_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", gettext_lazy("Three letters, e.g. CNY."))],
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("Admits to group"),
        queryset=Group.objects.none(),
        required=False,
        help_text=gettext_lazy("A paid order admits its buyer to this group (admission: payment)."),
    )
    active = forms.BooleanField(label=gettext_lazy("On sale"), required=False, initial=True)

    def __init__(self, community: Community, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Group.objects.filter(community=community).order_by("name")

    @staticmethod
    def initial_of(offer: Offer) -> dict[str, Any]:
        names = ("name", "kind", "price", "currency", "group", "active")
        return {name: getattr(offer, name) for name in names}


class OrderForm(forms.Form):
    order_id = forms.CharField(label=gettext_lazy("Order id"), max_length=128)
    member = forms.CharField(label=gettext_lazy("Member"), max_length=255, help_text=MEMBER_HELP)
    offer = forms.ModelChoiceField(
        label=pgettext_lazy("shop", "Offer"), queryset=Offer.objects.none()
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount"), max_length=20, required=False,
        help_text=gettext_lazy("Empty: the offer's price."),
    )  # fmt: skip
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES)
    ordered_at = forms.CharField(
        label=gettext_lazy("Ordered at"), max_length=40, required=False,
        help_text=gettext_lazy("Like 2026-03-01 12:30, in the community's zone; empty: now."),
    )  # fmt: skip
    referrer = forms.CharField(
        label=gettext_lazy("Referrer"), max_length=255, required=False, help_text=MEMBER_HELP
    )

    def __init__(self, community: Community, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refs = References(community)
        field = self.fields["offer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Offer.objects.filter(community=community).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        offer = data.get("offer")
        refs = self.refs
        checks: dict[str, Callable[[], Any]] = {
            "member": lambda: refs.member(data.get("member", "")),
            "referrer": lambda: refs.member(data["referrer"]) if data.get("referrer") else None,
            "ordered_at": lambda: refs.when(data.get("ordered_at", ""), timezone.now()),
        }
        if isinstance(offer, Offer):
            amount = data.get("amount") or str(offer.price)
            checks["amount"] = lambda: refs.amount(amount)
            checks["currency"] = lambda: refs.currency(data.get("currency", ""), offer)
        for name, check in checks.items():
            try:
                data[name] = check()
            except ValueError as error:
                self.add_error(name, str(error))
        return data

    def order(self) -> OrderInput:
        """The valid form as an order to record."""
        data = self.cleaned_data
        return OrderInput(
            external_id=data["order_id"].strip(), offer=data["offer"], person=data["member"],
            amount=data["amount"], currency=data["currency"], status=data["status"],
            ordered_at=data["ordered_at"], referrer=data["referrer"],
        )  # fmt: skip


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[(k, v) for k, v in STATUS_CHOICES if k != OrderStatus.PENDING],
    )
