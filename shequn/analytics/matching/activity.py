"""What a group showed before a question: who is present, who spoke lately, who answers whom.

Routing weighs these beside the profile's topics: in a live room the member who
answered a minute ago, or who has been helping this very asker, answers next far
more often than the member whose profile fits best. Times are UTC seconds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Activity:
    """Counters kept per group; grows as messages are seen (``spoke``, ``answered``)."""

    members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    last_spoke: dict[tuple[int, int], float] = field(default_factory=dict)
    last_answered: dict[tuple[int, int], float] = field(default_factory=dict)
    answers: Counter[tuple[int, int]] = field(default_factory=Counter)
    answers_total: Counter[int] = field(default_factory=Counter)
    partners: Counter[tuple[int, int]] = field(default_factory=Counter)
    last_partner: dict[tuple[int, int], float] = field(default_factory=dict)

    def joined(self, group_id: int, person_id: int) -> None:
        self.members[group_id].add(person_id)

    def left(self, group_id: int, person_id: int) -> None:
        self.members[group_id].discard(person_id)

    def spoke(self, group_id: int, person_id: int, at: float) -> None:
        self.members[group_id].add(person_id)
        self.last_spoke[(group_id, person_id)] = at

    def answered(self, group_id: int, person_id: int, asker_id: int, at: float) -> None:
        """``person_id`` replied to ``asker_id`` at ``at`` (counted once per reply)."""
        self.answers[(group_id, person_id)] += 1
        self.answers_total[person_id] += 1
        self.last_answered[(group_id, person_id)] = at
        pair = (min(person_id, asker_id), max(person_id, asker_id))
        self.partners[pair] += 1
        self.last_partner[pair] = at


@dataclass(frozen=True)
class Tuning:
    """Weights of routing's signals; set on the IRC dev files (``bench/matching_quality.py``)."""

    topic: float = 2.0
    answers: float = 0.3
    recent_spoke: float = 1.0
    recent_answer: float = 1.0
    partner: float = 1.5
    mention: float = 8.0
    spoke_minutes: float = 10.0
    answer_minutes: float = 20.0
    partner_minutes: float = 30.0


def context_score(
    activity: Activity,
    tuning: Tuning,
    group_id: int,
    person_id: int,
    asker_id: int | None,
    at: float | None,
) -> float:
    """Recent activity and past help to the asker: part of a candidate's routing score.

    (How many answers a member gave in the group is counted by the caller,
    relative to the pool's most prolific answerer.)
    """
    score = 0.0
    if at is not None:
        spoke = activity.last_spoke.get((group_id, person_id))
        if spoke is not None:
            score += tuning.recent_spoke * _decay(at - spoke, tuning.spoke_minutes)
        answered = activity.last_answered.get((group_id, person_id))
        if answered is not None:
            score += tuning.recent_answer * _decay(at - answered, tuning.answer_minutes)
    if asker_id is not None:
        pair = (min(person_id, asker_id), max(person_id, asker_id))
        together = activity.partners[pair]
        if together:
            fresh = 1.0
            if at is not None:
                fresh = _decay(at - activity.last_partner[pair], tuning.partner_minutes)
            score += tuning.partner * math.log1p(together) * fresh
    return score


def _decay(seconds: float, minutes: float) -> float:
    return math.exp(-max(seconds, 0.0) / (60.0 * minutes))
