"""activity(): messages, daily and weekly active members, trend; answers worked by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from shequn.analytics.metrics.activity import activity, relative_slope, window_days
from tests.analytics.build import T0, frames, member, msg


def at(day: int, hour: int = 12) -> datetime:
    return T0 + timedelta(days=day, hours=hour)


def three_weeks() -> list[dict[str, object]]:
    """Weeks of 2, 4 and 6 messages by members 10, 20, 30 (40 never speaks; 99 is a bot)."""
    rows = [
        (0, 10),
        (0, 20),  # Mon 5 Jan: 2 messages, 2 speakers
        (7, 10),
        (7, 10),
        (7, 20),  # Mon 12 Jan: 3 messages, 2 speakers
        (9, 30),  # Wed 14 Jan: 1 message, 1 speaker
        (14, 10),
        (14, 20),
        (14, 30),  # Mon 19 Jan: 3 messages, 3 speakers
        (20, 10),
        (20, 10),
        (20, 10),  # Sun 25 Jan: 3 messages, 1 speaker
        (2, 99),  # the bot: left out everywhere
    ]
    return [msg(n, person, at(day, n % 12)) for n, (day, person) in enumerate(rows, start=1)]


def test_three_weeks_by_hand() -> None:
    members = [member(10), member(20), member(30), member(40), member(99, is_bot=True)]
    f = frames(three_weeks(), members, until=T0 + timedelta(days=21))
    result = activity(f)
    value = result.value
    assert value["messages"] == 12
    assert value["days"] == 21.0
    assert value["messages_per_day"] == 0.57  # 12 / 21 = 0.5714
    # speakers per day: 2 + 2 + 1 + 3 + 1 = 9 over 21 days (quiet days count as 0) = 0.4286
    assert value["daily_active_mean"] == 0.43
    # speakers per week: {10,20}, {10,20,30}, {10,20,30} → (2 + 3 + 3) / 3 = 2.667
    assert value["weekly_active_mean"] == 2.67
    assert value["members"] == 4
    assert value["active_share"] == 0.75  # 3 of 4 members spoke (40 did not)
    # weekly counts y = 2, 4, 6 over x = 0, 1, 2: x̄ = 1, ȳ = 4;
    # slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)² = ((−1)(−2) + 0 + (1)(2)) / (1 + 0 + 1) = 4 / 2 = 2;
    # relative to the mean: 2 / 4 = 0.5, i.e. +50% of the average week per week.
    assert value["trend_per_week"] == 0.5
    # ties on 3 messages are broken by the earlier day
    assert result.evidence["busiest_days"] == [
        ["2026-01-12", 3],
        ["2026-01-19", 3],
        ["2026-01-25", 3],
        ["2026-01-05", 2],
        ["2026-01-14", 1],
    ]
    assert len(result.series["days"]) == 21 and result.series["days"][0] == "2026-01-05"
    assert result.series["messages"][:3] == [2, 0, 0]
    assert result.series["active"][7] == 2 and sum(result.series["active"]) == 9
    json.dumps([result.value, result.evidence, result.series])


def test_days_are_counted_in_the_community_zone() -> None:
    # 17:00 UTC on Monday is 01:00 on Tuesday in Shanghai (UTC+8).
    f = frames(
        [msg(1, 10, T0 + timedelta(hours=17)), msg(2, 10, T0 + timedelta(hours=3))],
        [member(10)],
        until=T0 + timedelta(days=2),
        zone="Asia/Shanghai",
    )
    result = activity(f)
    # The window [Mon 08:00, Wed 08:00) local touches Mon, Tue and Wed.
    assert result.series["days"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert result.series["messages"] == [1, 1, 0]


def test_partial_weeks_are_left_out_of_the_trend() -> None:
    # Window Wed 7 Jan .. Mon 26 Jan: full weeks are 12-18 and 19-25 only → no trend.
    rows = [msg(n, 10, at(2 + n)) for n in range(1, 15)]
    f = frames(rows, [member(10)], since=at(2, 0), until=at(21, 0))
    value = activity(f).value
    assert value["trend_per_week"] is None  # 2 full weeks < 3
    assert value["weekly_active_mean"] == 1.0  # mean over the full weeks only


def test_window_with_no_messages() -> None:
    f = frames([], [member(10), member(20)], until=T0 + timedelta(days=7))
    result = activity(f)
    assert result.value["messages"] == 0
    assert result.value["messages_per_day"] == 0.0
    assert result.value["daily_active_mean"] == 0.0
    assert result.value["active_share"] == 0.0
    assert result.value["trend_per_week"] is None
    assert result.evidence["busiest_days"] == []
    assert result.series["messages"] == [0] * 7


def test_zero_length_window_and_no_members() -> None:
    f = frames([], [], until=T0)
    result = activity(f)
    assert result.value["days"] == 0.0
    assert result.value["messages_per_day"] == 0.0
    assert result.value["members"] == 0 and result.value["active_share"] is None
    assert result.value["weekly_active_mean"] == 0.0
    assert result.series == {"days": [], "messages": [], "active": []}
    assert window_days(f) == []


def test_a_group_of_one() -> None:
    f = frames([msg(1, 10, at(0)), msg(2, 10, at(1))], [member(10)], until=T0 + timedelta(days=2))
    value = activity(f).value
    assert value["members"] == 1 and value["active_share"] == 1.0
    assert value["daily_active_mean"] == 1.0 and value["messages_per_day"] == 1.0


def test_relative_slope_edges() -> None:
    assert relative_slope([1, 2]) is None  # fewer than 3 points
    assert relative_slope([0, 0, 0]) is None  # zero mean: no relative change
    assert relative_slope([5, 5, 5, 5]) == 0.0
    # 6, 4, 2: slope −2 over mean 4 = −0.5
    assert relative_slope([6, 4, 2]) == -0.5
