"""Importing members from an .xlsx or .csv file: upload, preview, then apply.

Operators and owners (the "import" power) upload a file; the page shows per row
what would change (from what to what), the tags new to the community and every
bad row with its number and reason. If any row is bad, nothing can be applied.
How the file waits on the server between preview and apply, and how apply
checks it is still the previewed plan: ``shequn.web.uploads``. Apply is one
transaction (``actions.apply_member_import``: one audit row per changed person).
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

from shequn.community.actions import apply_member_import
from shequn.community.models import Community
from shequn.community.permissions import visible_communities
from shequn.web.import_rows import FIELDS, KEYS, ImportPlan, plan_import
from shequn.web.profile import require
from shequn.web.uploads import TwoStepImport


def plan_digest(plan: ImportPlan) -> str:
    """A fingerprint of the previewed changes, so that apply does exactly those."""
    rows = [[c.row, c.person.pk, sorted(c.fields.items()), c.tags] for c in plan.changes]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _apply(community: Community, plan: ImportPlan, user: User, name: str) -> Any:
    changes = [
        (c.person, {f: new for f, (_old, new) in c.fields.items()}, c.tags[1] if c.tags else None)
        for c in plan.changes
    ]
    return apply_member_import(community, changes, user=user, source=name)


MEMBERS = TwoStepImport(
    template="web/member_import.html",
    plan=plan_import,
    ready=lambda plan: bool(plan.changes),
    digest=plan_digest,
    apply=_apply,
    changed=lambda: _("The archive changed since the preview; check the changes again."),
    context=lambda: {"keys": KEYS, "fields": FIELDS},
)


def _community(request: HttpRequest, community_id: int) -> Community:
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    require(request.user, "import", community)
    return community


@login_required
@require_http_methods(["GET", "POST"])
def member_import_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the upload form; POST: read the file and preview its changes."""
    return MEMBERS.upload(request, _community(request, community_id))


@login_required
@require_POST
def member_import_apply_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Apply a previewed upload, all or nothing, if it still plans the same changes."""
    return MEMBERS.apply_previewed(request, _community(request, community_id))
