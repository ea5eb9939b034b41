"""The HTTP API (django-ninja), mounted at /api/ with OpenAPI docs at /api/docs.

Every endpoint needs a bearer token (``shequn manage api_token USERNAME``) and
reads through ``shequn.community.permissions`` exactly as the dashboard does:
an object outside the token user's communities is a 404, so its existence is
not revealed; a visible object the user's role may not change is a 403; a body
or parameter that does not validate is a 422 naming the field. Writes go
through ``shequn.community.actions``, so they are audited under the user.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import HttpBearer
from pydantic import Field

from shequn.chat.models import Message
from shequn.community.actions import authenticate_api_token, record_tie, update_person
from shequn.community.models import AuditLog, Community, Group, Person
from shequn.community.permissions import (
    can,
    visible_communities,
    visible_groups,
    visible_persons,
)
from shequn.web.api_schemas import (
    AuditOut,
    CommunityOut,
    GroupOut,
    MemberDetail,
    MemberOut,
    MemberPatch,
    MessageOut,
    Paged,
    TieIn,
    TieOut,
)
from shequn.web.columns_api import router as columns_router
from shequn.web.funnel_api import router as funnel_router
from shequn.web.growth_api import router as growth_router
from shequn.web.jielong_api import router as jielong_router
from shequn.web.matching_api import router as matching_router
from shequn.web.member_queries import MemberFilters, Tie, member_list, ties
from shequn.web.rewards_api import router as rewards_router
from shequn.web.rules_api import router as rules_router
from shequn.web.shop_api import router as shop_router

MAX_PAGE = 200


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the request's ``auth`` becomes the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_api_token(token)


api = NinjaAPI(
    title="shequn API",
    version="1",
    description="Member archive, groups, health reports and audit log of shequn.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def _user(request: HttpRequest) -> User:
    """The user the bearer token belongs to (set by ``TokenAuth``)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - auth runs before every view
        raise HttpError(401, "Unauthorized")
    return user


def _community(request: HttpRequest, community_id: int) -> Community:
    return get_object_or_404(visible_communities(_user(request)), pk=community_id)


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(_user(request)), pk=group_id)


def _person(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(
        visible_persons(_user(request)).select_related("community"), pk=person_id
    )


def _member_detail(person: Person) -> Person:
    """The person with what ``MemberDetail`` reads (tags, stays, accounts, last message)."""
    return member_list(person.community, MemberFilters()).get(pk=person.pk)


@api.get("/communities", response=list[CommunityOut], tags=["communities"])
def list_communities(request: HttpRequest) -> QuerySet[Community]:
    """The communities the user has a role in (all of them for a superuser)."""
    return visible_communities(_user(request)).order_by("name")


@api.get("/communities/{community_id}/groups", response=list[GroupOut], tags=["communities"])
def list_groups(request: HttpRequest, community_id: int) -> QuerySet[Group]:
    """The groups of one visible community, by name."""
    community = _community(request, community_id)
    return visible_groups(_user(request)).filter(community=community).order_by("name")


@api.get("/groups/{group_id}/report", response=dict[str, Any], tags=["groups"])
def group_report(
    request: HttpRequest,
    group_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The group's health report as JSON, the same one `shequn report` computes."""
    from shequn.analytics.report.build import report_for_group

    group = _group(request, group_id)
    return report_for_group(group.pk, since, until).as_dict()


@api.get("/groups/{group_id}/messages", response=list[MessageOut], tags=["groups"])
@paginate(Paged, max_limit=MAX_PAGE)
def list_messages(request: HttpRequest, group_id: int) -> QuerySet[Message]:
    """The group's messages, newest first; text is returned as data, never as markup."""
    group = _group(request, group_id)
    return Message.objects.filter(group=group).select_related("sender").order_by("-at", "-pk")


class MemberQuery(Schema):
    """The member list page's filters; here a malformed value is a 422, not ignored."""

    q: str = ""
    group: int | None = None
    tier: Literal["big", "mid", "ordinary", ""] = ""
    tag: str = ""
    city: str = ""
    industry: str = ""
    silent: int | None = Field(None, ge=0)
    joined_after: date | None = None
    joined_before: date | None = None


@api.get("/communities/{community_id}/members", response=list[MemberOut], tags=["members"])
@paginate(Paged, max_limit=MAX_PAGE)
def list_members(
    request: HttpRequest, community_id: int, filters: Query[MemberQuery]
) -> QuerySet[Person]:
    """The community's member archive, filtered as on the member list page, by number."""
    community = _community(request, community_id)
    values: dict[str, Any] = {
        k: v.strip() if isinstance(v, str) else v for k, v in filters.dict().items()
    }
    return member_list(community, MemberFilters(**values))


@api.get("/members/{person_id}", response=MemberDetail, tags=["members"])
def get_member(request: HttpRequest, person_id: int) -> Person:
    """One member's archive entry with accounts, current groups and last message time."""
    return _member_detail(_person(request, person_id))


@api.patch("/members/{person_id}", response=MemberDetail, tags=["members"])
def patch_member(request: HttpRequest, person_id: int, payload: MemberPatch) -> Person:
    """Change tier and tags (power "edit") and notes ("note"); audited under the user.

    A change the user's role may not make is refused whole with 403.
    """
    user = _user(request)
    person = _person(request, person_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    power = "edit" if {"tier", "tags"} & changes.keys() else "note"
    if not can(user, power, person.community):
        raise HttpError(403, f'your role in this community lacks the "{power}" power')
    tags = changes.pop("tags", None)
    if tags is not None:
        tags = list(dict.fromkeys(tags))
    update_person(person, by="api", tags=tags, user=user, **changes)
    return _member_detail(person)


@api.get("/members/{person_id}/ties", response=list[TieOut], tags=["members"])
def list_ties(request: HttpRequest, person_id: int) -> list[TieOut]:
    """The member's ties to other members (exit test), oldest first."""
    return [TieOut.of(tie) for tie in ties(_person(request, person_id))]


@api.post("/members/{person_id}/ties/{other_id}", response=TieOut, tags=["members"])
def record_member_tie(
    request: HttpRequest, person_id: int, other_id: int, payload: TieIn
) -> TieOut:
    """Record a tie between two members of one community (power "note"); audited.

    Recording a dimension the pair already has keeps one tie and replaces its note.
    """
    user = _user(request)
    person = _person(request, person_id)
    if not can(user, "note", person.community):
        raise HttpError(403, 'your role in this community lacks the "note" power')
    others = visible_persons(user).filter(community_id=person.community_id)
    other = get_object_or_404(others, pk=other_id)
    if other.pk == person.pk:
        raise HttpError(422, "other_id: a tie links two different members")
    link = record_tie(person, other, payload.dimension, payload.note, user=user, by="api")
    return TieOut.of(Tie(other=other, link=link))


@api.get("/communities/{community_id}/audit", response=list[AuditOut], tags=["communities"])
@paginate(Paged, max_limit=MAX_PAGE)
def list_audit(request: HttpRequest, community_id: int, action: str = "") -> QuerySet[AuditLog]:
    """The community's audit log, newest first, optionally of one action."""
    community = _community(request, community_id)
    if not can(_user(request), "view", community):
        raise Http404
    entries = AuditLog.objects.filter(community=community)
    if action.strip():
        entries = entries.filter(action=action.strip())
    return entries.select_related("user").order_by("-at", "-pk")


api.add_router("", rules_router)  # /groups/{id}/rules…: shequn/web/rules_api.py
api.add_router("", columns_router)  # /groups/{id}/columns: shequn/web/columns_api.py
api.add_router("", matching_router)  # questions, profiles, matches: web/matching_api.py
api.add_router("", jielong_router)  # /groups/{id}/jielong: shequn/web/jielong_api.py
api.add_router("", shop_router)  # offers, orders and the signed shop webhook: web/shop_api.py
api.add_router("", funnel_router)  # /communities/{id}/funnel: shequn/web/funnel_api.py
api.add_router("", rewards_router)  # /communities/{id}/rewards: shequn/web/rewards_api.py
api.add_router("", growth_router)  # /communities/{id}/growth…: shequn/web/growth_api.py
