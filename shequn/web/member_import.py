"""Importing members from an .xlsx or .csv file: upload, preview, then apply.

Operators and owners (the "import" power) upload a file; the page shows per row
what would change (from what to what), the tags new to the community and every
bad row with its number and reason. If any row is bad, nothing can be applied.

Between preview and apply the file stays on the server, under the data
directory (``imports/``) with a random name, beside a small record of who
uploaded it, for which community, and its SHA-256. The apply form carries only
that random token and a digest of the previewed changes: the server re-reads its
own copy, checks owner, community, hash and age, plans again against the archive
as it is now and applies only if the plan is still the one previewed, in one
transaction (``actions.apply_member_import``: one audit row per changed person).
Files are deleted after apply and swept after ``KEEP``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community.actions import apply_member_import
from shequn.community.models import Community
from shequn.community.permissions import visible_communities
from shequn.web.import_rows import FIELDS, KEYS, ImportFileError, ImportPlan, plan_import
from shequn.web.profile import require

UPLOAD_LIMIT = 5 * 1024 * 1024  # bytes
KEEP = 24 * 60 * 60  # seconds an uploaded file waits for its apply
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Delete uploads older than ``KEEP`` (never applied)."""
    limit = time.time() - KEEP
    for path in folder.iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def store_upload(data: bytes, name: str, community: Community, user: User) -> str:
    """Keep the file server-side until it is applied; returns the token naming it."""
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    meta = {
        "name": name,
        "community": community.pk,
        "user": user.pk,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (folder / f"{token}.data").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load_upload(token: str, community: Community, user: User) -> tuple[str, bytes]:
    """The stored file's name and bytes, if it is this user's upload for this community."""
    gone = ImportFileError(_("This upload has expired; please upload the file again."))
    if not TOKEN.fullmatch(token):
        raise gone
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError) as error:
        raise gone from error
    fresh = (folder / f"{token}.json").stat().st_mtime > time.time() - KEEP
    owner = meta.get("community") == community.pk and meta.get("user") == user.pk
    if not (fresh and owner and hashlib.sha256(data).hexdigest() == meta.get("sha256")):
        raise gone
    return str(meta["name"]), data


def discard_upload(token: str) -> None:
    if TOKEN.fullmatch(token):
        for suffix in (".data", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def plan_digest(plan: ImportPlan) -> str:
    """A fingerprint of the previewed changes, so that apply does exactly those."""
    rows = [[c.row, c.person.pk, sorted(c.fields.items()), c.tags] for c in plan.changes]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _community(request: HttpRequest, community_id: int) -> Community:
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    require(request.user, "import", community)
    return community


def _page(
    request: HttpRequest, community: Community, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "community": community,
        "form": extra.pop("form", None) or UploadForm(),
        "keys": KEYS,
        "fields": FIELDS,
        "applied": None,
        **extra,
    }
    return render(request, "web/member_import.html", context, status=status)


def _preview(
    request: HttpRequest, community: Community, plan: ImportPlan, token: str, **extra: Any
) -> HttpResponse:
    status = extra.pop("status", 400 if plan.errors else 200)
    digest = plan_digest(plan)
    return _page(request, community, status, plan=plan, token=token, digest=digest, **extra)


@login_required
@require_http_methods(["GET", "POST"])
def member_import_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the upload form; POST: read the file and preview its changes."""
    community = _community(request, community_id)
    if request.method == "GET":
        return _page(request, community)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, community, status=400, form=form)
    upload = form.cleaned_data["file"]
    if upload.size > UPLOAD_LIMIT:
        error = _("The file is larger than %(mb)d MB.") % {"mb": UPLOAD_LIMIT // 2**20}
        return _page(request, community, status=400, error=error)
    data = upload.read()
    try:
        plan = plan_import(community, upload.name, data)
    except ImportFileError as error:
        return _page(request, community, status=400, error=str(error))
    user = request.user
    assert isinstance(user, User)
    ready = plan.changes and not plan.errors
    token = store_upload(data, upload.name, community, user) if ready else ""
    return _preview(request, community, plan, token, filename=upload.name)


@login_required
@require_POST
def member_import_apply_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Apply a previewed upload, all or nothing, if it still plans the same changes."""
    community = _community(request, community_id)
    user = request.user
    assert isinstance(user, User)
    token = request.POST.get("token", "")
    try:
        name, data = load_upload(token, community, user)
        plan = plan_import(community, name, data)
    except ImportFileError as error:
        return _page(request, community, status=400, error=str(error))
    if plan.errors or plan_digest(plan) != request.POST.get("digest", ""):
        changed = _("The archive changed since the preview; check the changes again.")
        return _preview(request, community, plan, token, filename=name, status=409, notice=changed)
    changes = [
        (c.person, {f: new for f, (_old, new) in c.fields.items()}, c.tags[1] if c.tags else None)
        for c in plan.changes
    ]
    applied = apply_member_import(community, changes, user=user, source=name)
    discard_upload(token)
    return _page(request, community, applied=applied, filename=name)
