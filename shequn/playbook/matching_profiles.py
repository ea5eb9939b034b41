"""The community's matching profiles as the playbook and the console use them.

Building a community's profiles reads its archive and history, so a live engine
keeps them for ``TTL`` and routes every question of that stretch with one build
(routing one question is then a few milliseconds; see ``bench/matching_bench.py``).
Members who opted out (``MatchingOptOut``) are never suggested: they are left
out of every routing and every match here, in one place.
"""

from __future__ import annotations

import time
from datetime import datetime

from shequn.analytics.matching import Candidate, Evidence, Match, Profiles, load_profiles
from shequn.playbook.matching_actions import opted_out
from shequn.playbook.matching_outcomes import priors

#: How long built profiles are reused (seconds).
TTL = 300.0
_cache: dict[int, tuple[float, frozenset[int], Profiles]] = {}


def profiles(community_id: int, *, fresh: bool = False) -> Profiles:
    """The community's profiles, built at most ``TTL`` seconds ago (``fresh``: now).

    Built again at once when the opt-outs changed since: the profiles leave
    opted-out members out as they are built.
    """
    now = time.monotonic()
    out = frozenset(opted_out(community_id))
    kept = _cache.get(community_id)
    if kept is not None and not fresh and now - kept[0] < TTL and kept[1] == out:
        return kept[2]
    built = load_profiles(community_id, opted_out=out)
    _cache[community_id] = (now, out, built)
    return built


def forget(community_id: int | None = None) -> None:
    """Drop kept profiles (all, or one community's): the archive changed, or a test begins."""
    if community_id is None:
        _cache.clear()
    else:
        _cache.pop(community_id, None)


def route(
    community_id: int, text: str, *, group_id: int, asker: int | None, at: datetime, limit: int
) -> list[Candidate]:
    """The members to suggest for ``text`` asked in ``group_id`` by person ``asker`` at ``at``.

    Left out: the asker and every member who opted out. Ranked with the priors
    learnt from earlier suggestions' outcomes.
    """
    return profiles(community_id).route(
        text, group_id=group_id, limit=limit, priors=priors(community_id), asker=asker,
        at=at.timestamp(),
    )  # fmt: skip


def matches(community_id: int, person_id: int | None = None, *, limit: int = 5) -> list[Match]:
    """Needs ↔ offers matches (of one member's needs, or everyone's); opted-out members are
    never offered (their own needs are still matched: they may still be helped)."""
    built = profiles(community_id)
    if person_id is not None and person_id not in built.needs:
        return []  # no stated need (or not in the profiles yet): nothing to match
    return built.match_needs(person_id, limit=limit)


def entries(community_id: int, person_id: int) -> list[Evidence]:
    """What the member's profile holds, each entry with where it came from."""
    return [
        evidence for evidence, _terms in profiles(community_id).index.evidence.get(person_id, ())
    ]
