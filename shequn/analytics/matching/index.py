"""BM25 over members' profile texts, with each entry's evidence kept.

A member's profile is one weighted bag of terms: every piece of evidence (an
archive field, an answer, a thread) adds its terms times its source's weight
(an offer says more than a city). BM25 then makes a rare, specific term (清关)
weigh more than a common one (北京), and saturates: the twentieth answer on a
subject adds less than the second. The index grows one entry at a time, so the
IRC evaluation can build it as a log unfolds; ``frame`` hands the whole of it to
polars for matching every need at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

import polars as pl

from shequn.analytics.matching.tokens import terms
from shequn.analytics.matching.types import Evidence

WEIGHTS = {
    "offers": 3.0,
    "tags": 2.0,
    "answer": 1.5,
    "intro": 1.0,
    "industry": 1.0,
    "thread": 0.5,
    "city": 0.5,
}
K1 = 2.0  # saturates late: the fifth answer on a subject still counts
B = 0.3  # profiles are lists of skills, not prose: a longer one is not a diluted one
# Answers and threads lengthen a profile a quarter as much as archive fields do:
# a member with many proven answers should not read as a long, diluted document.
CHAT_LENGTH = 0.0
SNIPPET = 120  # characters of a message kept as evidence


class TermIndex:
    """Postings term → person → weighted frequency, document lengths, evidence per person."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.length: dict[int, float] = defaultdict(float)
        self.total = 0.0
        self.evidence: dict[int, list[tuple[Evidence, frozenset[str]]]] = defaultdict(list)

    def add(self, person_id: int, evidence: Evidence, text: str | None = None) -> None:
        """Index ``text`` (default: the evidence's text) as ``evidence`` of ``person_id``."""
        found = terms(evidence.text if text is None else text)
        if not found:
            return
        weight = WEIGHTS[evidence.source]
        for term in found:
            post = self.postings[term]
            post[person_id] = post.get(person_id, 0.0) + weight
        added = (
            weight * len(found) * (CHAT_LENGTH if evidence.source in ("answer", "thread") else 1)
        )
        self.length[person_id] += added
        self.total += added
        short = Evidence(evidence.source, evidence.ref, evidence.group_id, evidence.text[:SNIPPET])
        self.evidence[person_id].append((short, frozenset(found)))

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        n = max(len(self.length), 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def weighter(self, term: str) -> Callable[[int, float], float]:
        """BM25 weight of ``term`` in a profile, given its person id and the term's frequency."""
        idf = self.idf(term)
        average = max(self.total / max(len(self.length), 1), 1e-9)
        length = self.length

        def weight(person_id: int, freq: float) -> float:
            norm = 1 - B + B * length[person_id] / average
            return idf * freq * (K1 + 1) / (freq + K1 * norm)

        return weight

    def scores(self, query: Iterable[str], among: set[int] | None = None) -> dict[int, float]:
        """BM25 score of every profile holding a query term (only ``among``, when given)."""
        out: dict[int, float] = defaultdict(float)
        for term in set(query):
            post = self.postings.get(term)
            if not post:
                continue
            if among is None:
                pairs = list(post.items())
            elif len(among) < len(post):
                pairs = [(p, post[p]) for p in among if p in post]
            else:
                pairs = [(p, f) for p, f in post.items() if p in among]
            weight = self.weighter(term)
            for person_id, freq in pairs:
                out[person_id] += weight(person_id, freq)
        return out

    def matched(self, person_id: int, query: Iterable[str]) -> list[tuple[Evidence, list[str]]]:
        """The evidence of ``person_id`` holding query terms, with the terms each holds."""
        wanted = set(query)
        return [
            (ev, sorted(found & wanted, key=lambda t: -self.idf(t)))
            for ev, found in self.evidence.get(person_id, ())
            if found & wanted
        ]

    def frame(self, limit: int = 2000) -> pl.DataFrame:
        """term, person_id, weight (BM25), the ``limit`` heaviest postings of each term.

        Cutting a very common term's postings loses little: its IDF is low, and
        whoever holds it heavily is kept.
        """
        rows_t: list[str] = []
        rows_p: list[int] = []
        rows_w: list[float] = []
        for term, post in self.postings.items():
            weight = self.weighter(term)
            weighted = [(weight(p, f), p) for p, f in post.items()]
            if len(weighted) > limit:
                weighted = sorted(weighted, reverse=True)[:limit]
            for w, p in weighted:
                rows_t.append(term)
                rows_p.append(p)
                rows_w.append(w)
        return pl.DataFrame(
            {"term": rows_t, "person_id": rows_p, "weight": rows_w},
            schema={"term": pl.String, "person_id": pl.Int64, "weight": pl.Float64},
        )
