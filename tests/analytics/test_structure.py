"""Structure: influence, tiers against 5/20/75, the soul figure, tags (answers by hand)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import polars as pl

from shequn.analytics.metrics.structure import interactions, structure
from tests.analytics.build import frames, member, minutes, msg, person


def scene() -> list[Any]:
    """20 members; person 1 is answered by eight people, 2 mentioned by three, …"""
    messages = [msg(1, 1, minutes(0), "问题")]
    messages += [msg(1 + p, p, minutes(p), "答", reply_to="1") for p in range(2, 10)]  # 2..9 → 1
    messages += [msg(100 + p, p, minutes(10 + p), "@2", mentions=[2]) for p in (3, 4, 5)]  # → 2
    messages += [
        msg(13, 3, minutes(20), "x"),
        msg(14, 4, minutes(21), "re", reply_to="13"),  # 4 → 3
        msg(15, 4, minutes(22), "re", reply_to="13"),  # 4 → 3 again
        msg(16, 4, minutes(23), "y"),
        msg(17, 5, minutes(24), "re", reply_to="16"),  # 5 → 4 (reply)
        msg(18, 5, minutes(25), "@4", mentions=[4]),  # 5 → 4 (mention)
        msg(19, 5, minutes(26), "z"),
        msg(20, 6, minutes(27), "re", reply_to="19"),  # 6 → 5
        msg(21, 6, minutes(28), "w"),
        msg(22, 7, minutes(29), "re @6", reply_to="21", mentions=[6]),  # 7 → 6, both ways
        msg(23, 8, minutes(30), "@me", mentions=[8]),  # a self-mention: nothing
        msg(24, 99, minutes(31), "bot", reply_to="21"),  # a bot: nothing
        msg(25, None, minutes(32), "system line", kind="system"),
    ]
    members = [member(p) for p in range(1, 21)] + [member(99, is_bot=True)]
    tags = {1: ["投资"], 2: ["投资", "法律"], 3: ["设计"], 5: ["法律"]}
    tiers = {2: "ordinary", 20: "big"}
    persons = [person(p, tags=tags.get(p, []), tier=tiers.get(p, "")) for p in [*range(1, 21), 99]]
    return [messages, members, persons]


def test_structure_by_hand() -> None:
    messages, members, persons = scene()
    result = structure(frames(messages, members, persons=persons))
    # score = replies + mentions + 2·reach:
    #   1: 8 + 0 + 16 = 24;  2: 0 + 3 + 6 = 9;  3: 2 + 0 + 2 = 4;  4: 1 + 1 + 2 = 4;
    #   6: 1 + 1 + 2 = 4;  5: 1 + 0 + 2 = 3;  7..20: 0.
    # 20 members: big = round(1.0) = 1, big + mid = round(5.0) = 5 → 1 big; 2, 3, 4, 6 mid
    # (3, 4, 6 tie on score and reach: by person id); the rest ordinary.
    # Archive: 2 is ordinary, 20 is big → big {1, 20}, mid {3, 4, 6}, 15 ordinary.
    # Soul: 1 reaches 8 of 9 speakers (≥ 25%) and 8 ≥ 1.5 × 3 (runner-up 2).
    # Tags: 1, 2, 3, 5 have some → 4/20; distinct 投资, 法律, 设计.
    assert result.value == {
        "members": 20,
        "tiers": {"big": 2, "mid": 3, "ordinary": 15},
        "tier_share": {"big": 0.1, "mid": 0.15, "ordinary": 0.75},
        "source": "mixed",
        "target": {"big": 0.05, "mid": 0.20, "ordinary": 0.75},
        "soul_figure": 1,
        "soul_share": 8 / 9,
        "tag_coverage": 0.2,
        "distinct_tags": 3,
    }
    suggested = result.evidence["suggested"]
    assert [(s["person_id"], s["tier"], s["score"]) for s in suggested] == [
        (1, "big", 24),
        (2, "mid", 9),  # the suggestion, though the archive says ordinary
        (3, "mid", 4),
        (4, "mid", 4),
        (6, "mid", 4),
        (5, "ordinary", 3),
    ]
    assert suggested[3] == {
        "person_id": 4,
        "name": "成员4",
        "tier": "mid",
        "score": 4,
        "replies_received": 1,
        "mentions_received": 1,
        "reach": 1,
    }
    assert result.evidence["soul"] == {
        "person_id": 1,
        "name": "成员1",
        "replies_received": 8,
        "mentions_received": 0,
        "reach": 8,
        "share": 8 / 9,
    }
    json.dumps([result.value, result.evidence])


def test_no_soul_figure_on_a_tie_or_a_small_reach() -> None:
    # 3 and 4 are each answered by 1 and 2: a tie at the top → no soul figure.
    tie = [msg(1, 3, minutes(0)), msg(2, 4, minutes(1))]
    tie += [
        msg(3 + i, p, minutes(2 + i), reply_to=t)
        for i, (p, t) in enumerate([(1, "1"), (2, "1"), (1, "2"), (2, "2")])
    ]
    result = structure(frames(tie, [member(p) for p in (1, 2, 3, 4)]))
    assert result.value["soul_figure"] is None and result.evidence["soul"] is None
    # 1 is answered by 2 and 3 of ten speakers (20% < 25%): no soul figure either.
    few = [msg(p, p, minutes(p)) for p in range(1, 11)]
    few += [msg(11, 2, minutes(11), reply_to="1"), msg(12, 3, minutes(12), reply_to="1")]
    result = structure(frames(few, [member(p) for p in range(1, 11)]))
    assert result.value["soul_figure"] is None and result.value["soul_share"] is None
    assert result.evidence["suggested"][0]["reach"] == 2


def test_inferred_replies_count_once_per_message() -> None:
    f = frames(
        [msg(1, 10, minutes(0)), msg(2, 20, minutes(1), reply_to="1"), msg(3, 30, minutes(2))],
        [member(10), member(20), member(30)],
    )
    inferred = f.messages.with_columns(
        inferred_reply_person_id=pl.when(pl.col("id") >= 2).then(10).cast(pl.Int64)
    )
    # message 2: explicit and inferred reply to 10 → once; message 3: inferred → 10.
    edges = interactions(replace(f, messages=inferred))
    assert sorted(edges.select("id", "actor", "target").rows()) == [(2, 20, 10), (3, 30, 10)]
    top = structure(replace(f, messages=inferred)).evidence["suggested"][0]
    assert (top["person_id"], top["replies_received"], top["reach"]) == (10, 2, 2)


def test_archive_tiers_everywhere() -> None:
    f = frames(
        [],
        [member(1), member(2)],
        persons=[person(1, tier="big"), person(2, tier="ordinary")],
    )
    value = structure(f).value
    assert value["source"] == "archive" and value["tiers"] == {"big": 1, "mid": 0, "ordinary": 1}


def test_empty_window() -> None:
    result = structure(frames([], []))
    assert result.value["members"] == 0 and result.value["source"] == "suggested"
    assert result.value["tier_share"] == {"big": None, "mid": None, "ordinary": None}
    assert result.value["tag_coverage"] is None and result.value["soul_figure"] is None
    assert result.evidence == {"suggested": [], "soul": None}


def test_a_group_of_one() -> None:
    result = structure(frames([msg(1, 1, minutes(0), "我一个人")], [member(1)]))
    assert result.value["tiers"] == {"big": 0, "mid": 0, "ordinary": 1}
    assert result.value["soul_figure"] is None and result.value["distinct_tags"] == 0
