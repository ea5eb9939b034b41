"""Profiles of a community: route a question, match every stated need.

Built once per community (``build.py`` from frames, ``load.py`` from the store);
queries are cheap: routing one question scores only the group's members that
hold a term of it or have been active there, and matching every need is one
polars join of needs' terms with the profiles' BM25 postings.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from shequn.analytics.matching.activity import Activity, Tuning, context_score
from shequn.analytics.matching.index import TermIndex
from shequn.analytics.matching.needs import best_pairs, distinct_queries, prefer_new_ties
from shequn.analytics.matching.reasons import explain
from shequn.analytics.matching.tokens import terms
from shequn.analytics.matching.types import Candidate, Match

NEW_TIE = 1.1  # a match between members who share no group and no tie: a new tie
MATCH_SOURCES_POOL = 5  # needs keep this many × limit candidates before exclusions and boosts
ALL_MEMBERS = 3000  # above this many members, routing scores topic hits and active members only


@dataclass
class Profiles:
    """Everything matching needs about one community, held in memory.

    ``tied``: ordered pairs (a < b) already tied on a dimension that a match would
    record, so they are never suggested to each other. ``opted_out``: members who
    asked not to be suggested; they are never a candidate (their own needs are
    still matched). ``groups_of``: the groups each member is in now.
    """

    index: TermIndex = field(default_factory=TermIndex)
    activity: Activity = field(default_factory=Activity)
    names: dict[int, str] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)
    needs: dict[int, str] = field(default_factory=dict)
    groups_of: dict[int, set[int]] = field(default_factory=dict)
    tied: set[tuple[int, int]] = field(default_factory=set)
    opted_out: set[int] = field(default_factory=set)
    tuning: Tuning = field(default_factory=Tuning)
    _postings: pl.DataFrame | None = field(default=None, init=False, repr=False)

    def route(
        self,
        text: str,
        *,
        group_id: int | None,
        exclude: Iterable[int] = frozenset(),
        limit: int = 2,
        priors: dict[int, float] | None = None,
        asker: int | None = None,
        at: datetime | float | None = None,
        mentioned: Iterable[int] = (),
    ) -> list[Candidate]:
        """Members who could answer ``text`` asked in ``group_id``, best first.

        With a group, only its present members are candidates (a suggestion may
        @-mention them there). ``asker`` (excluded too) and ``at`` (when it was asked)
        let recent activity and past help between them count; ``mentioned``:
        members the question addresses. ``priors``: person → multiplier learnt
        from which suggestions worked. Members scoring nothing are not returned.
        """
        query = terms(text)
        when = at.timestamp() if isinstance(at, datetime) else at
        skip = set(exclude) | self.opted_out | ({asker} if asker is not None else set())
        members = self.activity.members.get(group_id, set()) if group_id is not None else None
        topic = self.index.scores(query, among=members)
        pool = set(topic) | set(mentioned)
        if members is not None:
            pool |= members if len(members) <= ALL_MEMBERS else self._active(group_id)
        pool -= skip
        scored = self._scored(pool, topic, group_id, asker, when, set(mentioned))
        if priors:
            scored = [(s * priors.get(p, 1.0), p) for s, p in scored]
        best = heapq.nlargest(limit, [x for x in scored if x[0] > 0], key=lambda s: (s[0], -s[1]))
        return [self._candidate(p, s, query, group_id) for s, p in best]

    def _scored(
        self,
        pool: set[int],
        topic: dict[int, float],
        group_id: int | None,
        asker: int | None,
        when: float | None,
        addressed: set[int],
    ) -> list[tuple[float, int]]:
        """(score, person) for the pool: topic relative to the best, answers relative to the
        group's most prolific answerer in the pool, recent activity, being addressed."""
        tuning, activity = self.tuning, self.activity
        top = max(topic.values(), default=0.0)
        per_topic = tuning.topic / top if top else 0.0
        counts = (
            {p: activity.answers.get((group_id, p), 0) for p in pool}
            if group_id is not None
            else {}
        )
        most = max(counts.values(), default=0)
        per_answer = tuning.answers / math.log1p(most) if most else 0.0
        lively = asker is not None or when is not None
        scored = []
        for person_id in pool:
            score = per_topic * topic.get(person_id, 0.0)
            if counts.get(person_id):
                score += per_answer * math.log1p(counts[person_id])
            if lively and group_id is not None:
                score += context_score(activity, tuning, group_id, person_id, asker, when)
            if person_id in addressed:
                score += tuning.mention
            scored.append((score, person_id))
        return scored

    def _active(self, group_id: int | None) -> set[int]:
        """Members of a very large group who have answered there (routing's fallback pool)."""
        return {p for (g, p) in self.activity.answers if g == group_id}

    def _candidate(
        self, person_id: int, score: float, query: tuple[str, ...], group_id: int | None
    ) -> Candidate:
        matched = self.index.matched(person_id, query)
        here = None
        if group_id is not None:
            count = self.activity.answers[(group_id, person_id)]
            here = (count, self.group_names.get(group_id, ""))
        name = self.names.get(person_id, f"#{person_id}")
        zh, en = explain(name, matched, self.group_names, here)
        evidence = tuple(ev for ev, _found in matched)
        return Candidate(person_id, round(score, 4), zh, en, evidence)

    def match_needs(self, person_id: int | None = None, *, limit: int = 5) -> list[Match]:
        """For each stated need (or ``person_id``'s alone): the best members to meet it.

        Ranked by BM25 of the need's terms against other members' profiles; pairs
        already tied are left out, opted-out members are never offered, and a
        pair that shares no group yet scores ``NEW_TIE`` times more. Ordered by
        need holder, then score; empty for a member with no stated need. Needs
        with the same terms are scored once.
        """
        if person_id is not None:
            wanted = {person_id: self.needs[person_id]} if person_id in self.needs else {}
        else:
            wanted = self.needs
        holders, queries = distinct_queries(wanted)
        if queries.is_empty():
            return []
        if self._postings is None:
            postings = self.index.frame()
            self._postings = postings.filter(~pl.col("person_id").is_in(sorted(self.opted_out)))
        pool = limit * MATCH_SOURCES_POOL
        pairs = best_pairs(self._postings, holders, queries, pool, self.tied)
        stays = [(p, g) for p, groups in self.groups_of.items() for g in groups]
        memberships = pl.DataFrame(
            stays, schema={"person_id": pl.Int64, "group_id": pl.Int64}, orient="row"
        )
        return self._matches(prefer_new_ties(pairs, memberships, NEW_TIE, limit))

    def _matches(self, best: pl.DataFrame) -> list[Match]:
        """Matches with reasons; a reason is written once per member and need wording."""
        said: dict[tuple[int, str], Candidate] = {}
        out: list[Match] = []
        for need_id, person, score in best.iter_rows():
            need = self.needs[need_id]
            known = said.get((person, need))
            if known is None:
                known = said[(person, need)] = self._candidate(person, score, terms(need), None)
            offer = Candidate(
                person, round(score, 4), known.reason_zh, known.reason_en, known.evidence
            )
            out.append(Match(need_id, need, offer))
        return out
