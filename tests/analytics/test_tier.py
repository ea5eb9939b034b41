"""The suggested tier: the highest any group gives, raised by soul figure and ties, with reasons."""

from __future__ import annotations

from typing import Any

from shequn.analytics.tier import (
    TIES_FOR_MID,
    GroupStanding,
    standing_from_structure,
    suggestion_for,
)


def standing(group: str, tier: str | None, **kw: Any) -> GroupStanding:
    return GroupStanding(group=group, members=kw.pop("members", 40), tier=tier, **kw)


def codes(tier_and_reasons: Any) -> list[str]:
    return [r.code for r in tier_and_reasons.reasons]


def test_highest_tier_of_any_group_wins() -> None:
    found = suggestion_for(
        120,
        0,
        [
            standing("甲群", "ordinary", rank=12, replies_received=2, reach=1),
            standing("乙群", "mid", rank=3, replies_received=30, mentions_received=4, reach=9),
        ],
    )
    assert found.tier == "mid"
    ranks = [r for r in found.reasons if r.code == "group_rank"]
    assert ranks[0].figures["group"] == "乙群"  # the strongest reason first
    assert ranks[0].figures["reach"] == 9 and ranks[0].figures["replies"] == 30


def test_soul_figure_is_big_whatever_the_rank_tier() -> None:
    soul = standing("甲群", "mid", rank=1, replies_received=50, reach=20, soul=True, soul_share=0.4)
    found = suggestion_for(300, 0, [soul])
    assert found.tier == "big"
    assert codes(found)[0] == "soul_figure"
    assert found.reasons[0].figures["share"] == 0.4


def test_ties_raise_an_ordinary_member_to_mid_but_never_lower_a_big_one() -> None:
    quiet = [standing("甲群", "ordinary")]
    assert suggestion_for(3, TIES_FOR_MID, quiet).tier == "mid"
    assert codes(suggestion_for(3, TIES_FOR_MID, quiet))[0] == "ties"
    few = suggestion_for(3, TIES_FOR_MID - 1, quiet)
    assert few.tier == "ordinary" and "ties_few" in codes(few)
    big = [standing("甲群", "big", rank=1, replies_received=9, reach=5)]
    assert suggestion_for(3, 10, big).tier == "big"


def test_messages_alone_never_raise_a_tier() -> None:
    found = suggestion_for(50_000, 0, [standing("甲群", "ordinary")])
    assert found.tier == "ordinary"
    assert "nobody_turns_to" in codes(found) and "messages" in codes(found)


def test_a_silent_member_with_no_groups_is_ordinary() -> None:
    found = suggestion_for(0, 0, [])
    assert found.tier == "ordinary" and codes(found) == ["silent"]


def test_unknown_standing_counts_as_ordinary_and_says_so() -> None:
    found = suggestion_for(10, 0, [standing("大群", None, members=2000)])
    assert found.tier == "ordinary" and "beyond_ranking" in codes(found)


EVIDENCE = {
    "suggested": [
        {"person_id": 7, "tier": "big", "score": 20, "replies_received": 8, "reach": 5},
        {"person_id": 3, "tier": "mid", "score": 6, "replies_received": 2, "reach": 2},
    ],
    "soul": {"person_id": 7, "share": 0.5},
}


def test_standing_read_from_the_structure_metric() -> None:
    top = standing_from_structure("甲群", {"members": 40}, EVIDENCE, 7, full=30)
    assert (top.tier, top.rank, top.soul, top.soul_share, top.reach) == ("big", 1, True, 0.5, 5)
    second = standing_from_structure("甲群", {"members": 40}, EVIDENCE, 3, full=30)
    assert (second.tier, second.rank, second.soul) == ("mid", 2, False)


def test_absent_from_a_short_list_is_ordinary_from_a_full_one_unknown() -> None:
    assert standing_from_structure("甲群", {}, EVIDENCE, 99, full=30).tier == "ordinary"
    assert standing_from_structure("甲群", {}, EVIDENCE, 99, full=2).tier is None
    assert standing_from_structure("甲群", {}, {}, 99, full=30).tier == "ordinary"
