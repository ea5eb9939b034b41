"""The tier a member's record suggests (大咖 / 中咖 / 普通人), and why.

Pure: evidence in, a suggestion with its reasons out; no database, no clock. The
per-group figures come from the ``structure`` metric (``metrics/structure.py``),
which ranks a group's members by influence in chat (replies and mentions received,
people reached) and suggests tiers by rank against the seeds' 5/20/75 mix. A member
is in several groups, so the suggestion is the highest tier any of their groups
gives them, raised:

- to ``big`` when they are a group's soul figure (灵魂人物: the person it gathers
  around is a big name by definition);
- to ``mid`` when they hold recorded ties (exit-test links) to at least
  ``TIES_FOR_MID`` other members: whoever connects that many people outside the
  group carries weight the chat alone does not show.

Message volume is evidence shown, never a reason to rise: the seeds warn that the
loudest member of a 水群 is not its most valuable one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TIERS = ("big", "mid", "ordinary")
RANK = {tier: i for i, tier in enumerate(TIERS)}  # lower is higher
TIES_FOR_MID = 5


@dataclass(frozen=True)
class GroupStanding:
    """Where a member stands in one group's influence ranking.

    ``tier`` is None when the member is beyond the ranking the report keeps (its
    top members only), so their place in that group is unknown, not ordinary.
    """

    group: str
    members: int
    tier: str | None
    rank: int | None = None
    replies_received: int = 0
    mentions_received: int = 0
    reach: int = 0
    soul: bool = False
    soul_share: float | None = None


@dataclass(frozen=True)
class TierEvidence:
    """Everything the suggestion looks at for one member."""

    messages: int
    ties: int  # distinct members tied to them by recorded links
    standings: tuple[GroupStanding, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason, as a code and its figures (the page words it in the user's language)."""

    code: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TierSuggestion:
    tier: str
    reasons: tuple[Reason, ...]


def higher(a: str, b: str) -> str:
    """The higher of two tiers."""
    return a if RANK[a] <= RANK[b] else b


def _standing_reason(s: GroupStanding) -> Reason:
    if s.tier is None:
        return Reason("beyond_ranking", {"group": s.group, "members": s.members})
    figures = {
        "group": s.group,
        "tier": s.tier,
        "rank": s.rank,
        "members": s.members,
        "replies": s.replies_received,
        "mentions": s.mentions_received,
        "reach": s.reach,
    }
    return Reason("group_rank" if s.reach or s.replies_received else "nobody_turns_to", figures)


def suggest_tier(evidence: TierEvidence) -> TierSuggestion:
    """The suggested tier with its reasons, strongest first (see the module's docstring)."""
    tier, reasons = "ordinary", []
    for s in sorted(evidence.standings, key=lambda s: (RANK.get(s.tier or "ordinary", 2), s.group)):
        if s.soul:
            tier = "big"
            reasons.append(Reason("soul_figure", {"group": s.group, "share": s.soul_share}))
        tier = higher(tier, s.tier or "ordinary")
        reasons.append(_standing_reason(s))
    if evidence.ties >= TIES_FOR_MID and RANK[tier] > RANK["mid"]:
        tier = "mid"
        reasons.insert(0, Reason("ties", {"ties": evidence.ties, "needed": TIES_FOR_MID}))
    elif evidence.ties:
        reasons.append(Reason("ties_few", {"ties": evidence.ties, "needed": TIES_FOR_MID}))
    if evidence.messages == 0:
        reasons.append(Reason("silent", {}))
    else:
        reasons.append(Reason("messages", {"messages": evidence.messages}))
    return TierSuggestion(tier, tuple(reasons))


def standing_from_structure(
    group: str, value: Mapping[str, Any], evidence: Mapping[str, Any], person_id: int, full: int
) -> GroupStanding:
    """A member's standing read from a ``structure`` Result's value and evidence.

    The evidence lists the top members by influence (those with any, at most ``full``
    of them); a member absent from a list shorter than that had no influence there
    (ordinary), absent from a full list is beyond the ranking (unknown).
    """
    ranked = list(evidence.get("suggested") or [])
    members = int(value.get("members") or 0)
    soul = evidence.get("soul") or {}
    is_soul = soul.get("person_id") == person_id
    for i, row in enumerate(ranked, start=1):
        if row.get("person_id") == person_id:
            return GroupStanding(
                group=group,
                members=members,
                tier=str(row.get("tier") or "ordinary"),
                rank=i,
                replies_received=int(row.get("replies_received") or 0),
                mentions_received=int(row.get("mentions_received") or 0),
                reach=int(row.get("reach") or 0),
                soul=is_soul,
                soul_share=soul.get("share") if is_soul else None,
            )
    return GroupStanding(group, members, None if len(ranked) >= full else "ordinary")


def suggestion_for(messages: int, ties: int, standings: Sequence[GroupStanding]) -> TierSuggestion:
    """Shorthand: ``suggest_tier`` over these figures."""
    return suggest_tier(TierEvidence(messages, ties, tuple(standings)))


__all__ = [
    "TIERS",
    "TIES_FOR_MID",
    "GroupStanding",
    "Reason",
    "TierEvidence",
    "TierSuggestion",
    "higher",
    "standing_from_structure",
    "suggest_tier",
    "suggestion_for",
]
