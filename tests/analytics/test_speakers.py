"""lurkers() and concentration(): who is silent, how few carry the talk; worked by hand."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.speakers import concentration, gini, lurkers
from tests.analytics.build import T0, frames, member, minutes, msg


def counts_frames(counts: dict[int, int]) -> Frames:
    """Members 1..n where member p writes counts[p] messages in a 7-day window."""
    rows, n = [], 0
    for person, k in counts.items():
        for _ in range(k):
            n += 1
            rows.append(msg(n, person, minutes(n)))
    return frames(rows, [member(p) for p in counts], until=T0 + timedelta(days=7))


def test_gini_of_0_0_1_3_by_hand() -> None:
    # Members 1..4 write 0, 0, 1, 3 messages. Sorted ascending x = (0, 0, 1, 3), n = 4, Σx = 4.
    # Σ i·xᵢ (i from 1) = 1·0 + 2·0 + 3·1 + 4·3 = 15.
    # G = 2·15 / (4·4) − (4 + 1) / 4 = 30/16 − 5/4 = 1.875 − 1.25 = 0.625.
    f = counts_frames({1: 0, 2: 0, 3: 1, 4: 3})
    result = concentration(f)
    value = result.value
    assert value["gini"] == 0.625
    assert value["members"] == 4 and value["speakers"] == 2 and value["messages"] == 4
    # top 5% of 4 members is 0.2 people → at least 1: member 4 with 3 of 4 messages
    assert value["top5_share"] == 0.75
    # half of 4 is 2; member 4 alone writes 3 ≥ 2
    assert value["half_writers"] == 1
    # Lorenz: cumulative shares after 0..4 members, poorest first: 0, 0, 0, 1/4, 4/4
    assert result.series == {
        "lorenz_x": [0.0, 0.25, 0.5, 0.75, 1.0],
        "lorenz_y": [0.0, 0.0, 0.0, 0.25, 1.0],
    }
    assert result.evidence["top"] == [
        {"person_id": 4, "name": "成员4", "messages": 3, "share": 0.75},
        {"person_id": 3, "name": "成员3", "messages": 1, "share": 0.25},
    ]
    json.dumps([result.value, result.evidence, result.series])


def test_equal_talk_has_gini_zero() -> None:
    value = concentration(counts_frames({1: 2, 2: 2, 3: 2, 4: 2})).value
    assert value["gini"] == 0.0
    # half of 8 is 4: two members (2 + 2) are needed
    assert value["half_writers"] == 2
    assert value["top5_share"] == 0.25


def test_top_five_percent_of_forty_members_is_two_people() -> None:
    # 40 members: ⌊0.05 · 40⌋ = 2 people. Members 1 and 2 write 10 each, 3..40 write 1 each.
    counts = {p: (10 if p <= 2 else 1) for p in range(1, 41)}
    value = concentration(counts_frames(counts)).value
    # top 2 write 20 of 20 + 38 = 58 → 0.3448
    assert value["top5_share"] == 0.3448
    # half of 58 is 29: 10 + 10 + 9 × 1 = 29 → 11 members
    assert value["half_writers"] == 11


def test_departed_speakers_and_bots_are_outside_the_curve() -> None:
    rows = [msg(1, 1, minutes(1)), msg(2, 2, minutes(2)), msg(3, 9, minutes(3))]
    members = [
        member(1),
        member(2, T0, left_at=T0 + timedelta(days=1), left_how="left"),
        member(9, is_bot=True),
    ]
    value = concentration(frames(rows, members, until=T0 + timedelta(days=7))).value
    assert value["members"] == 1 and value["messages"] == 1 and value["gini"] == 0.0


def test_lorenz_has_at_most_101_points() -> None:
    result = concentration(counts_frames({p: p % 3 for p in range(1, 251)}))
    assert len(result.series["lorenz_x"]) == 101 == len(result.series["lorenz_y"])
    assert result.series["lorenz_x"][0] == 0.0 and result.series["lorenz_x"][-1] == 1.0
    assert result.series["lorenz_y"][-1] == 1.0
    assert len(result.evidence["top"]) == 10


def test_all_silent_and_empty_groups() -> None:
    silent = concentration(counts_frames({1: 0, 2: 0}))
    assert silent.value == {
        "members": 2,
        "speakers": 0,
        "messages": 0,
        "top5_share": None,
        "gini": None,
        "half_writers": 0,
    }
    assert silent.series == {"lorenz_x": [], "lorenz_y": []}
    empty = concentration(frames([], []))
    assert empty.value["members"] == 0 and empty.value["top5_share"] is None
    one = concentration(counts_frames({1: 5})).value  # a group of one
    assert one["gini"] == 0.0 and one["top5_share"] == 1.0 and one["half_writers"] == 1
    assert gini(pl.Series([], dtype=pl.Int64)) is None


def test_lurkers_by_hand() -> None:
    since, until = T0, T0 + timedelta(days=10)
    rows = [
        msg(1, 1, since + timedelta(days=2)),  # member 1 speaks in the window
        msg(2, 4, since - timedelta(days=2)),  # member 4's last word was before the window
        msg(3, 9, since + timedelta(days=3)),  # a bot
    ]
    members = [
        member(1, since - timedelta(days=30)),
        member(2, since - timedelta(days=30)),  # silent all window: 10 days
        member(3, since + timedelta(days=4)),  # joined on day 4: silent 6 days
        member(4, since - timedelta(days=30)),  # last message 2 days before: 12 days
        member(5, since - timedelta(days=30), left_at=since + timedelta(days=1), left_how="left"),
        member(9, is_bot=True),
    ]
    result = lurkers(frames(rows, members, since=since, until=until))
    assert result.value == {"members": 4, "silent": 3, "silent_share": 0.75}
    assert result.evidence["silent"] == [
        {
            "person_id": 4,
            "name": "成员4",
            "last_message_at": "2026-01-03T00:00:00+00:00",
            "silent_days": 12.0,
        },
        {"person_id": 2, "name": "成员2", "last_message_at": None, "silent_days": 10.0},
        {"person_id": 3, "name": "成员3", "last_message_at": None, "silent_days": 6.0},
    ]
    json.dumps([result.value, result.evidence])


def test_lurkers_edges() -> None:
    assert lurkers(frames([], [])).value == {"members": 0, "silent": 0, "silent_share": None}
    one = lurkers(frames([msg(1, 1, minutes(5))], [member(1)], until=T0 + timedelta(days=1)))
    assert one.value == {"members": 1, "silent": 0, "silent_share": 0.0}
    everyone = lurkers(frames([], [member(1), member(2)], until=T0 + timedelta(days=1)))
    assert everyone.value["silent_share"] == 1.0
    assert [r["silent_days"] for r in everyone.evidence["silent"]] == [1.0, 1.0]
