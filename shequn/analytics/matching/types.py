"""What matching returns: candidates with their score, reasons and evidence."""

from __future__ import annotations

from dataclasses import dataclass

SOURCES = ("offers", "tags", "industry", "city", "intro", "answer", "thread")


@dataclass(frozen=True)
class Evidence:
    """Where a profile entry came from.

    ``source`` is one of ``SOURCES``; ``ref`` the archive field name, or
    ``message:<id>`` for an answer or a thread; ``group_id`` the group of that
    message (None for archive fields); ``text`` what it said (shortened).
    """

    source: str
    ref: str
    group_id: int | None
    text: str


@dataclass(frozen=True)
class Candidate:
    """A member suggested for a need or a question, best-scored first in every list."""

    person_id: int
    score: float
    reason_zh: str
    reason_en: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Match:
    """One member's stated need (``need``, their own words) and a member who can meet it."""

    need_person_id: int
    need: str
    offer: Candidate
