"""The matching API (资源对接): a member's profile and matches, a group's questions and digest.

Mounted on the shared NinjaAPI (``shequn.web.api``): the same bearer token and
404 convention, any role in the community reads. Texts are returned as data.
Times are UTC (ISO 8601).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups, visible_persons
from shequn.playbook import matching_actions as act
from shequn.playbook.matching_digest import digest
from shequn.playbook.matching_intro import DEFAULT_TEMPLATE, check_template
from shequn.playbook.matching_models import (
    Introduction,
    MatchingOptOut,
    OpenQuestion,
    RoutingSuggestion,
)
from shequn.playbook.matching_report import figures
from shequn.web.api_schemas import Paged
from shequn.web.matching_queries import WINDOW_DAYS, MatchLine, person_profile, window

router = Router(tags=["matching"])
MAX_PAGE = 200


class EvidenceOut(Schema):
    source: str
    ref: str
    group_id: int | None
    text: str


class MatchOut(Schema):
    need: str
    person_id: int
    name: str
    score: float
    reason_zh: str
    reason_en: str
    evidence: list[EvidenceOut]


class ProfileOut(Schema):
    person_id: int
    needs: str
    offers: str
    opted_out: bool
    entries: list[EvidenceOut]
    matches: list[MatchOut]


class SuggestionOut(Schema):
    person_id: int
    score: float
    reason: str
    via: str
    dry_run: bool
    suggested_at: datetime
    outcome: str
    outcome_at: datetime | None


class QuestionOut(Schema):
    id: int
    message_id: str
    asker_person_id: int | None
    text: str
    asked_at: datetime
    routed_at: datetime | None
    answered_at: datetime | None
    answered_by_person_id: int | None
    suggestions: list[SuggestionOut]

    @staticmethod
    def resolve_message_id(obj: OpenQuestion) -> str:
        return obj.message_external_id

    @staticmethod
    def resolve_asker_person_id(obj: OpenQuestion) -> int | None:
        return obj.asker.person_id if obj.asker is not None else None

    @staticmethod
    def resolve_answered_by_person_id(obj: OpenQuestion) -> int | None:
        return obj.answered_by.person_id if obj.answered_by is not None else None

    @staticmethod
    def resolve_suggestions(obj: OpenQuestion) -> list[RoutingSuggestion]:
        return list(obj.suggestions.all())


def _user(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)  # the token's user (TokenAuth runs first)
    if not isinstance(user, User):  # pragma: no cover
        raise HttpError(401, "Unauthorized")
    return user


def _group(request: HttpRequest, group_id: int) -> Group:
    return get_object_or_404(visible_groups(_user(request)), pk=group_id)


def _match(line: MatchLine) -> MatchOut:
    evidence = [EvidenceOut(**vars(e)) for e in line.evidence]
    return MatchOut(**{**vars(line), "evidence": evidence})


@router.get("/members/{person_id}/matching", response=ProfileOut)
def get_member_matching(request: HttpRequest, person_id: int) -> ProfileOut:
    """The member's matching profile (entries with evidence) and the best matches of their needs."""
    person = get_object_or_404(
        visible_persons(_user(request)).select_related("community"), pk=person_id
    )
    profile = person_profile(person)
    return ProfileOut(
        person_id=person.pk,
        needs=person.needs,
        offers=person.offers,
        opted_out=MatchingOptOut.objects.filter(person=person).exists(),
        entries=[EvidenceOut(**vars(e)) for e in profile.entries],
        matches=[_match(m) for m in profile.matches],
    )


@router.get("/groups/{group_id}/questions", response=list[QuestionOut])
@paginate(Paged, max_limit=MAX_PAGE)
def list_questions(request: HttpRequest, group_id: int) -> QuerySet[OpenQuestion]:
    """The group's questions, newest first, each with its suggestions and their outcomes."""
    group = _group(request, group_id)
    ranked = RoutingSuggestion.objects.order_by("-score")
    return (
        OpenQuestion.objects.filter(group=group)
        .select_related("asker", "answered_by")
        .prefetch_related(Prefetch("suggestions", queryset=ranked))
        .order_by("-asked_at", "-pk")
    )


@router.get("/groups/{group_id}/matching", response=dict[str, Any])
def get_group_matching(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """The group's matching figures (last 30 days) and its digest: needs, matches, new ties."""
    group = _group(request, group_id)
    found = digest(group, timezone.now())
    return {
        "window_days": WINDOW_DAYS,
        "figures": figures(group.pk, window(WINDOW_DAYS)),
        "needs": [vars(n) for n in found.needs],
        "matches": [vars(m) for m in found.matches],
        "ties": [
            {
                "person_a": t.person_a_id,
                "person_b": t.person_b_id,
                "dimension": t.dimension,
                "tie_at": t.tie_at.isoformat() if t.tie_at else None,
            }
            for t in found.ties
        ],
    }


class IntroductionIn(Schema):
    """An introduction of ``person_a`` (who needs) to ``person_b`` (who offers).

    Every field is checked after the caller's role (so that an outsider learns
    nothing from a 422): both members of the group's community, a known dimension.
    """

    person_a: int | None = None
    person_b: int | None = None
    need: str = ""
    reason: str = ""
    text: str = ""
    dimension: str = "friend"


class IntroductionOut(Schema):
    id: int
    person_a: int
    person_b: int
    status: str
    dimension: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_person_a(obj: Introduction) -> int:
        return obj.person_a_id

    @staticmethod
    def resolve_person_b(obj: Introduction) -> int:
        return obj.person_b_id


@router.post("/groups/{group_id}/introductions", response=IntroductionOut)
def create_introduction(
    request: HttpRequest, group_id: int, payload: IntroductionIn
) -> Introduction:
    """Introduce two members (power "greet"): both get the template by direct message; audited."""
    user = _user(request)
    group = get_object_or_404(visible_groups(user).select_related("community"), pk=group_id)
    if not can(user, "greet", group.community):
        raise HttpError(403, 'your role in this community lacks the "greet" power')
    members = visible_persons(user).filter(community_id=group.community_id)
    found = members.in_bulk([p for p in (payload.person_a, payload.person_b) if p is not None])
    a, b = found.get(payload.person_a or 0), found.get(payload.person_b or 0)
    if a is None or b is None:
        raise HttpError(422, "person_a, person_b: expected two members of this community")
    try:
        text = check_template(payload.text.strip()[:2000] or DEFAULT_TEMPLATE)
        return act.introduce(
            group, a, b, need=payload.need, reason=payload.reason, text=text,
            dimension=payload.dimension, user=user, by="api",
        )  # fmt: skip
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
