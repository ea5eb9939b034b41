"""The 接龙 API: a group's chains with their latest state (entries, who joined and when).

Mounted on the shared NinjaAPI (``shequn.web.api``), so the bearer token and the
404 convention are the same: any role in the community reads; outsiders get 404.
Reading first brings the group's chains up to date with its messages, as the
console does. Times are UTC (ISO 8601).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from shequn.community.permissions import visible_groups
from shequn.playbook import jielong_actions
from shequn.playbook.jielong import Entry
from shequn.playbook.jielong_models import JielongChain
from shequn.playbook.jielong_store import chain_from

router = Router(tags=["jielong"])


class EntryOut(Schema):
    no: int
    text: str
    added_by: str
    added_at: datetime
    edited_at: datetime | None
    removed_at: datetime | None
    removed_by: str


class ChainOut(Schema):
    id: int
    title: str
    description: list[str]
    origin: str
    started_by: str
    started_at: datetime
    updated_at: datetime
    posts: int
    conflicts: int
    entries: list[EntryOut]
    removed: list[EntryOut]


def _entry(no: int, entry: Entry) -> EntryOut:
    return EntryOut(
        no=no, text=entry.text, added_by=entry.added_by_name, added_at=entry.added_at,
        edited_at=entry.edited_at, removed_at=entry.removed_at, removed_by=entry.removed_by_name,
    )  # fmt: skip


def _out(row: JielongChain) -> ChainOut:
    chain = chain_from(row)
    return ChainOut(
        id=row.pk, title=row.title, description=list(row.description or ()), origin=row.origin,
        started_by=row.starter_name, started_at=row.started_at, updated_at=row.updated_at,
        posts=row.posts, conflicts=row.conflicts,
        entries=[_entry(n, e) for n, e in enumerate(chain.entries, 1)],
        removed=[_entry(0, e) for e in chain.removed],
    )  # fmt: skip


@router.get("/groups/{group_id}/jielong", response=list[ChainOut])
def list_jielong_chains(request: HttpRequest, group_id: int) -> list[ChainOut]:
    """The group's 接龙 chains, the latest changed first, each in its latest state."""
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    group = get_object_or_404(visible_groups(user), pk=group_id)
    jielong_actions.refresh(group)
    rows = JielongChain.objects.filter(group=group).order_by("-updated_at", "-pk")
    return [_out(row) for row in rows]
