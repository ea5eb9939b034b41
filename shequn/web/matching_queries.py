"""What the matching pages and API read: a group's questions, a member's profile and matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from shequn.analytics.frames import Window
from shequn.analytics.matching import Evidence, Match
from shequn.community.models import Group, Person
from shequn.playbook.matching_models import OpenQuestion, RoutingSuggestion
from shequn.playbook.matching_profiles import entries, matches

#: How far back the group page's figures look, and how many questions it lists.
WINDOW_DAYS = 30
QUESTIONS_SHOWN = 50


def window(days: int, until: datetime | None = None) -> Window:
    """The last ``days`` days up to ``until`` (now)."""
    end = until or timezone.now()
    return Window(end - timedelta(days=days), end)


def questions(group: Group, limit: int = QUESTIONS_SHOWN) -> list[OpenQuestion]:
    """The group's latest questions, newest first, with asker, answerer and suggestions."""
    suggestions = RoutingSuggestion.objects.select_related("person").order_by("-score")
    return list(
        OpenQuestion.objects.filter(group=group)
        .select_related("asker", "answered_by")
        .prefetch_related(Prefetch("suggestions", queryset=suggestions))
        .order_by("-asked_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class MatchLine:
    """One match of a member's needs, with the other member's name."""

    need: str
    person_id: int
    name: str
    score: float
    reason_zh: str
    reason_en: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class PersonProfile:
    """A member's matching profile: its entries (evidence) and the matches for their needs."""

    entries: list[Evidence] = field(default_factory=list)
    matches: list[MatchLine] = field(default_factory=list)


def person_profile(person: Person, limit: int = 5) -> PersonProfile:
    """The member's profile entries and their needs' best matches (opted-out members left out)."""
    found = matches(person.community_id, person.pk, limit=limit)
    return PersonProfile(
        entries=entries(person.community_id, person.pk),
        matches=lines(found),
    )


def lines(found: list[Match]) -> list[MatchLine]:
    """Matches with the offering member's name."""
    names = dict(
        Person.objects.filter(pk__in={m.offer.person_id for m in found}).values_list(
            "pk", "display_name"
        )
    )
    return [
        MatchLine(
            m.need,
            m.offer.person_id,
            names.get(m.offer.person_id, ""),
            m.offer.score,
            m.offer.reason_zh,
            m.offer.reason_en,
            m.offer.evidence,
        )
        for m in found
    ]
