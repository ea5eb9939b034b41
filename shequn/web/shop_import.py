"""Importing orders from an .xlsx or .csv file: upload, preview, then apply (all or nothing).

As the member import (the same two steps, ``shequn.web.uploads``): operators and
owners (the "import" power) upload a file; the page lists the orders it would
record or move forward and every bad row with its number and reason (unknown
members or offers, an order id twice in the file or recorded already for another
member, offer or amount, a negative or non-numeric amount, a currency that is
not the offer's, a date that is none). With any bad row nothing can be applied.
Apply re-reads the server's copy, plans again and applies only the plan
previewed, in one transaction (``shop_actions.apply_order_import``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community.models import Community
from shequn.community.order_import import COLUMNS, OrderFileError, OrderPlan, plan_orders
from shequn.community.permissions import visible_communities
from shequn.community.shop_actions import apply_order_import
from shequn.web.import_rows import ImportFileError, read_table
from shequn.web.profile import require
from shequn.web.shop_forms import STATUS_LABELS
from shequn.web.uploads import TwoStepImport


def plan_file(community: Community, name: str, data: bytes) -> OrderPlan:
    """Read the file and plan its orders; ImportFileError for a file that cannot be read."""
    try:
        return plan_orders(community, read_table(name, data))
    except OrderFileError as error:
        raise ImportFileError(str(error)) from error


def plan_digest(plan: OrderPlan) -> str:
    """A fingerprint of the previewed orders, so that apply records exactly those.

    A row without a date is dated when it is planned: that time is left out.
    """
    rows = [
        [p.row, p.data.external_id, p.data.person.pk, p.data.offer.pk, str(p.data.amount),
         p.data.status, "" if p.data.ordered_at == plan.now else p.data.ordered_at.isoformat(),
         p.before]
        for p in plan.orders
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _community(request: HttpRequest, community_id: int) -> Community:
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    require(request.user, "import", community)
    return community


def _apply(community: Community, plan: OrderPlan, user: User, name: str) -> Any:
    return apply_order_import(community, [p.data for p in plan.orders], user=user, source=name)


ORDERS = TwoStepImport(
    template="web/shop_import.html",
    plan=plan_file,
    ready=lambda plan: bool(plan.orders),
    digest=plan_digest,
    apply=_apply,
    changed=lambda: _("The orders changed since the preview; check them again."),
    context=lambda: {"columns": [names[0] for names in COLUMNS.values()], "labels": STATUS_LABELS},
)


@login_required
@require_http_methods(["GET", "POST"])
def order_import_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the upload form; POST: read the file and preview its orders."""
    return ORDERS.upload(request, _community(request, community_id))


@login_required
@require_POST
def order_import_apply_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Apply a previewed upload, all or nothing, if it still plans the same orders."""
    return ORDERS.apply_previewed(request, _community(request, community_id))


__all__ = ["order_import_apply_view", "order_import_view", "plan_file"]
