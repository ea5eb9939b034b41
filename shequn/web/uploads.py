"""Imports from a file in two steps: upload and preview, then apply all or nothing.

Used by the member import and the order import. Operators and owners (the
"import" power) upload a file; the page shows what it would change and every
bad row with its number and reason. If any row is bad, nothing can be applied.

Between preview and apply the file stays on the server, under the data
directory (``imports/``) with a random name, beside a small record of who
uploaded it, for which community, and its SHA-256. The apply form carries only
that random token and a digest of the previewed plan: the server re-reads its
own copy, checks owner, community, hash and age, plans again against the store
as it is now and applies only if the plan is still the one previewed.
Files are deleted after apply and swept after ``KEEP``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequn.community.models import Community
from shequn.web.import_rows import ImportFileError

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


class Plan(Protocol):
    @property
    def errors(self) -> Any: ...


P = TypeVar("P", bound=Plan)


@dataclass(frozen=True)
class TwoStepImport(Generic[P]):
    """One kind of file import: how to plan a file, fingerprint and apply the plan.

    ``plan`` raises ImportFileError for a file that cannot be read; ``ready`` says
    whether a plan has anything to apply; ``apply`` records it in one transaction
    and returns what the page shows as done; ``changed`` is the notice when the
    store moved between preview and apply; ``context`` adds the page's own keys.
    """

    template: str
    plan: Callable[[Community, str, bytes], P]
    ready: Callable[[P], bool]
    digest: Callable[[P], str]
    apply: Callable[[Community, P, User, str], Any]
    changed: Callable[[], str]
    context: Callable[[], dict[str, Any]]

    def page(
        self, request: HttpRequest, community: Community, status: int = 200, **extra: Any
    ) -> HttpResponse:
        context = {
            "community": community, "form": extra.pop("form", None) or UploadForm(),
            "applied": None, **self.context(), **extra,
        }  # fmt: skip
        return render(request, self.template, context, status=status)

    def preview(
        self, request: HttpRequest, community: Community, plan: P, token: str, **extra: Any
    ) -> HttpResponse:
        status = extra.pop("status", 400 if plan.errors else 200)
        digest = self.digest(plan)
        return self.page(request, community, status, plan=plan, token=token, digest=digest, **extra)

    def upload(self, request: HttpRequest, community: Community) -> HttpResponse:
        """GET: the upload form; POST: read the file and preview its plan."""
        if request.method == "GET":
            return self.page(request, community)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, community, status=400, form=form)
        upload = form.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT:
            error = _("The file is larger than %(mb)d MB.") % {"mb": UPLOAD_LIMIT // 2**20}
            return self.page(request, community, status=400, error=error)
        data = upload.read()
        try:
            plan = self.plan(community, upload.name, data)
        except ImportFileError as error:
            return self.page(request, community, status=400, error=str(error))
        user = request.user
        assert isinstance(user, User)
        ready = self.ready(plan) and not plan.errors
        token = store_upload(data, upload.name, community, user) if ready else ""
        return self.preview(request, community, plan, token, filename=upload.name)

    def apply_previewed(self, request: HttpRequest, community: Community) -> HttpResponse:
        """Apply a previewed upload, all or nothing, if it still plans the same."""
        user = request.user
        assert isinstance(user, User)
        token = request.POST.get("token", "")
        try:
            name, data = load_upload(token, community, user)
            plan = self.plan(community, name, data)
        except ImportFileError as error:
            return self.page(request, community, status=400, error=str(error))
        if plan.errors or self.digest(plan) != request.POST.get("digest", ""):
            notice = self.changed()
            return self.preview(
                request, community, plan, token, filename=name, status=409, notice=notice
            )
        applied = self.apply(community, plan, user, name)
        discard_upload(token)
        return self.page(request, community, applied=applied, filename=name)
