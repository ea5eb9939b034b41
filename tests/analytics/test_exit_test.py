"""Exit test: ties outside the group, counted by hand and against brute force."""

from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta
from typing import Any

from shequn.analytics.metrics.exit_test import exit_test
from tests.analytics.build import T0, frames, member, minutes, msg

DAY = 24 * 60


def link(a: int, b: int, dimension: str, source: str = "operator") -> dict[str, Any]:
    return {
        "person_a": a,
        "person_b": b,
        "dimension": dimension,
        "source": source,
        "first_seen": T0,
    }


def test_exit_test_by_hand() -> None:
    members = [member(p) for p in range(1, 7)]
    members += [
        member(99, is_bot=True),
        member(7, T0 - timedelta(days=9), left_at=T0 - timedelta(days=1)),  # left: not a member
        member(2, group_id=2),
        member(3, group_id=2),
        member(4, T0 - timedelta(days=9), group_id=2, left_at=T0),  # left group 2 already
        member(1, group_id=3),  # alone among members in group 3
        member(7, group_id=3),
    ]
    links = [
        link(1, 2, "friend"),
        link(2, 1, "phone"),  # the other way round: the same pair
        link(1, 2, "friend", "survey"),  # the same dimension again
        link(3, 7, "friend"),  # 7 is not a member
        link(4, 4, "friend"),  # a self-link
    ]
    messages = [
        msg(1, 5, minutes(0), "a"),
        msg(2, 6, minutes(1), "b", reply_to="1"),  # 6 → 5, day 1
        msg(3, 5, minutes(DAY + 1), "c", mentions=[6]),  # 5 → 6, day 2
        msg(4, 4, minutes(2), "d"),
        msg(5, 1, minutes(3), "e", reply_to="4"),  # 1 → 4 on three days, one way only
        msg(6, 1, minutes(DAY + 3), "f", mentions=[4]),
        msg(7, 1, minutes(2 * DAY + 3), "g", mentions=[4]),
        msg(8, 3, minutes(10), "h", mentions=[4]),  # 3 ↔ 4 both ways, one day only
        msg(9, 4, minutes(11), "i", mentions=[3]),
    ]
    result = exit_test(frames(messages, members, links=links))
    # members 1..6 → 15 pairs. Tied: (1,2) friend + phone, (2,3) co_member (group 2),
    # (5,6) interaction → 3; dimensions 4 / 3. Sets: {1,2,3}, {5,6}; 4 alone.
    assert result.value == {
        "members": 6,
        "pairs": 15,
        "tied_pairs": 3,
        "tied_share": 0.2,
        "mean_dimensions": 4 / 3,
        "largest_connected": 3,
        "largest_connected_share": 0.5,
        "untied": 1,
    }
    assert result.evidence == {
        "untied": [4],
        "dimensions": {"co_member": 1, "friend": 1, "interaction": 1, "phone": 1},
        "largest": [1, 2, 3],
        "strong_pairs": 1,
    }
    json.dumps([result.value, result.evidence])


def test_co_membership_is_counted_without_listing_pairs() -> None:
    # Group 2 holds 1..4, group 3 holds 3..5, group 4 holds 6, 7; 8 is in no other group.
    # Pairs sharing a group: 6 in group 2 + 3 in group 3 − (3,4) counted twice + 1 = 9.
    # Archive co_member (1,2) adds nothing; (1,5) adds a tenth pair; friend (3,4) makes
    # a strong pair. 28 pairs; 11 dimensions over 10 tied pairs.
    members = [member(p) for p in range(1, 9)]
    others = {2: (1, 2, 3, 4), 3: (3, 4, 5), 4: (6, 7)}
    members += [member(p, group_id=g) for g, ps in others.items() for p in ps]
    links = [link(1, 2, "co_member"), link(1, 5, "co_member"), link(3, 4, "friend")]
    result = exit_test(frames([], members, links=links))
    assert result.value["pairs"] == 28 and result.value["tied_pairs"] == 10
    assert result.value["mean_dimensions"] == 1.1
    assert result.evidence["dimensions"] == {"co_member": 10, "friend": 1, "interaction": 0}
    assert result.evidence["strong_pairs"] == 1
    assert result.evidence["largest"] == [1, 2, 3, 4, 5]
    assert result.evidence["untied"] == [8]


def brute(members: list[int], ties: dict[tuple[int, int], set[str]]) -> dict[str, Any]:
    """The exit test the slow way: every pair, every dimension, components by search."""
    pairs = [(a, b) for a, b in itertools.combinations(members, 2) if ties.get((a, b))]
    near: dict[int, set[int]] = {p: set() for p in members}
    for a, b in pairs:
        near[a].add(b)
        near[b].add(a)
    seen: set[int] = set()
    best: list[int] = []
    for p in members:
        stack, part = [p], set()
        while stack:
            q = stack.pop()
            if q not in part:
                part.add(q)
                stack.extend(near[q] - part)
        seen |= part
        best = max(best, sorted(part), key=len)
    dims = sum(len(ties[p]) for p in pairs)
    return {
        "tied_pairs": len(pairs),
        "dimensions": dims,
        "largest": best if len(best) >= 2 else [],
        "untied": [p for p in members if not near[p]],
        "strong_pairs": sum(len(ties[p]) >= 2 for p in pairs),
    }


def test_against_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(30):
        n = rng.randint(0, 25)
        members = [member(p) for p in range(1, n + 1)]
        groups = {g: rng.sample(range(1, n + 1), rng.randint(0, n)) for g in range(2, 6)}
        members += [member(p, group_id=g) for g, ps in groups.items() for p in ps]
        dims = ["friend", "phone", "co_member", "met_offline"]
        links = [
            link(rng.randint(1, n + 2), rng.randint(1, n + 2), rng.choice(dims))
            for _ in range(rng.randint(0, 2 * n))
        ]
        ties: dict[tuple[int, int], set[str]] = {}
        for ps in groups.values():
            for a, b in itertools.combinations(sorted(ps), 2):
                ties.setdefault((a, b), set()).add("co_member")
        for row in links:
            a, b = sorted((row["person_a"], row["person_b"]))
            if a != b and b <= n:
                ties.setdefault((a, b), set()).add(row["dimension"])
        result = exit_test(frames([], members, links=links))
        expected = brute(list(range(1, n + 1)), ties)
        assert result.value["tied_pairs"] == expected["tied_pairs"]
        assert result.value["mean_dimensions"] == (
            expected["dimensions"] / expected["tied_pairs"] if expected["tied_pairs"] else None
        )
        assert result.evidence["untied"] == expected["untied"]
        assert len(result.evidence["largest"]) == len(expected["largest"])
        assert result.evidence["strong_pairs"] == expected["strong_pairs"]


def test_no_links_at_all() -> None:
    result = exit_test(frames([msg(1, 1, minutes(0))], [member(1), member(2), member(3)]))
    assert result.value["pairs"] == 3 and result.value["tied_pairs"] == 0
    assert result.value["tied_share"] == 0.0 and result.value["mean_dimensions"] is None
    assert result.value["largest_connected"] == 0
    assert result.value["largest_connected_share"] == 0.0
    assert result.evidence["untied"] == [1, 2, 3] and result.evidence["largest"] == []


def test_empty_and_one() -> None:
    for f in (frames([], []), frames([msg(1, 1, minutes(0))], [member(1)])):
        value = exit_test(f).value
        assert value["pairs"] == 0 and value["tied_pairs"] == 0
        assert value["tied_share"] is None and value["mean_dimensions"] is None
        assert value["largest_connected"] == 0
    assert exit_test(frames([], [member(1)])).value["largest_connected_share"] == 0.0


def test_interaction_days_are_counted_in_the_community_zone() -> None:
    # 23:00 and 01:00 UTC are two UTC days but one day (07:00, 09:00) in Shanghai.
    messages = [
        msg(1, 1, minutes(23 * 60), "a", mentions=[2]),
        msg(2, 2, minutes(25 * 60), "b", mentions=[1]),
    ]
    members = [member(1), member(2)]
    assert exit_test(frames(messages, members)).value["tied_pairs"] == 1
    shanghai = frames(messages, members, zone="Asia/Shanghai")
    assert exit_test(shanghai).value["tied_pairs"] == 0
