"""Shapes of the HTTP API's requests and responses (django-ninja schemas).

Responses are read straight from model instances (``from_attributes``), with
resolvers for the few fields that come from related rows. Text is returned as
data: JSON escapes what it must, and no field is ever rendered as HTML.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import ConfigDict, Field, StringConstraints

from shequn.chat.models import Message
from shequn.community.models import AuditLog, Person
from shequn.web.member_queries import Tie, current_groups

MAX_TEXT = 5000
MAX_TAGS = 30
MAX_NOTE = 1000

TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class CommunityOut(Schema):
    id: int
    name: str
    description: str
    time_zone: str


class GroupOut(Schema):
    id: int
    platform: str
    external_id: str
    name: str
    kind: str
    status: str
    created_at: datetime | None


class GroupRef(Schema):
    id: int
    name: str


class AccountOut(Schema):
    id: int
    platform: str
    external_id: str
    display_name: str
    is_bot: bool


class MemberOut(Schema):
    """One archive entry as the member list shows it."""

    id: int
    number: int
    display_name: str
    tier: str
    city: str
    industry: str
    tags: list[str]
    groups: list[GroupRef]
    last_message_at: datetime | None = None

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_groups(obj: Person) -> list[GroupRef]:
        """Current groups; needs ``member_list``'s prefetch (the detail endpoint adds it)."""
        return [GroupRef(id=g.pk, name=g.name) for g in current_groups(obj)]


class TierReasonOut(Schema):
    """One reason for a suggested tier: its code, its figures, and in words."""

    code: str
    text: str
    figures: dict[str, Any]


class TierSuggestionOut(Schema):
    """The tier the member's record suggests (``shequn.analytics.tier``) and why."""

    tier: str
    reasons: list[TierReasonOut]


class MemberDetail(MemberOut):
    """The whole profile's archive fields, with the person's platform accounts."""

    intro: str
    needs: str
    offers: str
    notes: str
    accounts: list[AccountOut]
    tier_suggestion: TierSuggestionOut | None = None

    @staticmethod
    def resolve_tier_suggestion(obj: Person) -> TierSuggestionOut:
        from shequn.web.tier_suggestion import reason_text, suggestion

        found = suggestion(obj)
        reasons = [
            TierReasonOut(code=r.code, text=reason_text(r), figures=r.figures)
            for r in found.reasons
        ]
        return TierSuggestionOut(tier=found.tier, reasons=reasons)

    @staticmethod
    def resolve_accounts(obj: Person) -> list[AccountOut]:
        return [AccountOut.model_validate(a) for a in obj.accounts.all()]


class MemberPatch(Schema):
    """What the API may change on a member: tier and tags ("edit"), notes ("note").

    Fields left out are left alone; unknown fields are refused rather than ignored.
    """

    model_config = ConfigDict(extra="forbid")

    tier: Literal["big", "mid", "ordinary", ""] | None = None
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS)] | None = None
    notes: Annotated[str, Field(max_length=MAX_TEXT)] | None = None


class TieIn(Schema):
    """A tie to record: a dimension staff record (not the derived ones) and a note."""

    model_config = ConfigDict(extra="forbid")

    dimension: Literal["friend", "follow", "phone", "met_offline", "collaborated"]
    note: Annotated[str, Field(max_length=MAX_NOTE)] = ""


class TieOut(Schema):
    """A tie seen from the member: who is at the other end, on which dimension."""

    person_id: int
    number: int
    display_name: str
    dimension: str
    source: str
    first_seen: datetime
    last_seen: datetime
    weight: float

    @classmethod
    def of(cls, tie: Tie) -> TieOut:
        link = tie.link
        return cls(
            person_id=tie.other.pk,
            number=tie.other.number,
            display_name=tie.other.display_name,
            dimension=link.dimension,
            source=link.source,
            first_seen=link.first_seen,
            last_seen=link.last_seen,
            weight=link.weight,
        )


class MessageOut(Schema):
    id: int
    external_id: str
    at: datetime
    kind: str
    text: str
    sender_id: int | None
    sender_name: str | None
    reply_to: str | None
    edited_at: datetime | None
    deleted_at: datetime | None

    @staticmethod
    def resolve_sender_name(obj: Message) -> str | None:
        return str(obj.sender) if obj.sender is not None else None


class AuditOut(Schema):
    id: int
    at: datetime
    user: str | None
    rule: str
    action: str
    group_id: int | None
    person_id: int | None
    target: str
    reason: str
    outcome: str
    details: dict[str, Any]

    @staticmethod
    def resolve_user(obj: AuditLog) -> str | None:
        return obj.user.get_username() if obj.user is not None else None


class Paged(LimitOffsetPagination):
    """Limit/offset paging whose offset fits the database's 64-bit integers (else a 422).

    Why: an offset past 2**63 reached SQLite as an overflow and came back as a 500.
    """

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=2**62)
