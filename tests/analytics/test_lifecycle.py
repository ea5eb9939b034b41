"""lifecycle(): age, newness, activation curve, weekly trend and dead-group detection."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from shequn.analytics.metrics.base import Result
from shequn.analytics.metrics.lifecycle import lifecycle
from tests.analytics.build import T0, frames, member, msg

EIGHT_WEEKS = T0 + timedelta(weeks=8)  # Mon 5 Jan .. Sun 1 Mar: 8 full Monday weeks
MEMBERS = [member(p) for p in (1, 2, 3, 4)]


def day(n: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=n, hours=hours)


def group(created: datetime | None) -> list[dict[str, Any]]:
    return [
        {
            "group_id": 1,
            "name": "测试群",
            "kind": "social",
            "platform": "test",
            "created_at": created,
        }
    ]


def test_dead_by_silence_by_hand() -> None:
    # 25 messages on days 0..3 by members 1..3, then nothing for the rest of 8 weeks.
    rows = [msg(n, 1 + n % 3, day(n % 4, 8 + n // 4)) for n in range(25)]
    result = lifecycle(frames(rows, MEMBERS, until=EIGHT_WEEKS))
    value = result.value
    assert value["created_at"] == "2026-01-05T00:00:00+00:00"  # the builder's group: since
    assert value["age_days"] == 56.0 and value["is_new"] is False  # 56 days ≥ 30
    # last message: n = 23 on day 3 at 13:00 → 56 − 3 − 13/24 = 52.4583 days before the end
    assert value["last_message_at"] == "2026-01-08T13:00:00+00:00"
    assert value["days_since_last"] == 52.46
    assert value["peak_week_messages"] == 25 and value["last_4_weeks_messages"] == 0
    # weekly active y = 3, 0, 0, 0, 0, 0, 0, 0; x̄ = 3.5, ȳ = 0.375;
    # slope = Σ(x−x̄)·y / Σ(x−x̄)² = (−3.5 · 3) / 42 = −0.25 → −0.25 / 0.375 = −0.6667
    assert value["weekly_active_trend"] == -0.6667
    assert value["dead"] is True
    assert result.evidence["dead_reasons"] == [
        "peak week had 25 messages",
        "no message in the last 52 days",
        "last 4 weeks hold 0 messages, under 5% of 4 x the peak week's 25, "
        "with at most 0 active members a week",
    ]
    series = result.series
    assert series["weeks"][:2] == ["2026-01-05", "2026-01-12"] and len(series["weeks"]) == 8
    assert series["weekly_messages"] == [25, 0, 0, 0, 0, 0, 0, 0]
    assert series["weekly_active"] == [3, 0, 0, 0, 0, 0, 0, 0]
    # first 7 days from created_at (5 Jan): n % 4 = 0 seven times (n = 0, 4, …, 24), others six
    assert series["activation_day"] == [1, 2, 3, 4, 5, 6, 7]
    assert series["activation_messages"] == [7, 6, 6, 6, 0, 0, 0]
    assert series["activation_speakers"] == [3, 3, 3, 3, 0, 0, 0]
    json.dumps([result.value, result.evidence, result.series])


def faded(recent: list[tuple[float, int]]) -> Result:
    """30 messages in week 1 by members 1..3, then ``recent`` (day, person) messages."""
    rows = [msg(n, 1 + n % 3, day(n % 7, 9)) for n in range(30)]
    rows += [msg(100 + n, p, day(d, 12)) for n, (d, p) in enumerate(recent)]
    return lifecycle(frames(rows, MEMBERS, until=EIGHT_WEEKS))


def test_dead_by_fading_by_hand() -> None:
    # last 4 weeks = days 28..55: 4 messages < 5% × 4 × 30 = 6; busiest 7-day block
    # (days 49..55) has members 1 and 2 → 2 active ≤ 2; the last one 1.5 days before the end.
    result = faded([(40, 1), (45, 1), (50, 1), (54, 2)])
    assert result.value["days_since_last"] == 1.5
    assert result.value["last_4_weeks_messages"] == 4 and result.value["dead"] is True
    assert result.evidence["dead_reasons"] == [
        "peak week had 30 messages",
        "last 4 weeks hold 4 messages, under 5% of 4 x the peak week's 30, "
        "with at most 2 active members a week",
    ]


@pytest.mark.parametrize(
    "recent",
    [
        [(40, 1), (45, 1), (50, 1), (52, 2), (54, 2), (55, 1)],  # 6 messages: not under 6
        [(50, 1), (51, 2), (54, 3)],  # 3 active members in one week
    ],
)
def test_not_dead_when_recent_weeks_hold_enough(recent: list[tuple[float, int]]) -> None:
    result = faded(recent)
    assert result.value["dead"] is False and result.evidence["dead_reasons"] == []


def test_a_group_that_never_lived_is_not_dead() -> None:
    rows = [msg(n, 1, day(0, n)) for n in range(10)]  # peak week 10 < 20
    result = lifecycle(frames(rows, MEMBERS, until=EIGHT_WEEKS))
    assert result.value["peak_week_messages"] == 10
    assert result.value["dead"] is False and result.evidence["dead_reasons"] == []


def test_new_group_and_its_activation_curve() -> None:
    created = day(20)  # Sun 25 Jan
    rows = [msg(1, 1, day(20, 1)), msg(2, 2, day(20, 2)), msg(3, 1, day(22, 1))]
    f = frames(rows, MEMBERS, until=day(35), groups=group(created))
    result = lifecycle(f)
    assert result.value["is_new"] is True  # created in the window, 15 days before its end
    assert result.value["age_days"] == 15.0
    assert result.series["activation_messages"] == [2, 0, 1, 0, 0, 0, 0]
    assert result.series["activation_speakers"] == [2, 0, 1, 0, 0, 0, 0]
    assert result.series["weekly_messages"] == [0, 0, 2, 1, 0]  # weeks of 5, 12, 19, 26 Jan, 2 Feb


def test_without_created_at_the_first_message_starts_the_life() -> None:
    rows = [msg(1, 1, day(3)), msg(2, 2, day(5))]
    result = lifecycle(frames(rows, MEMBERS, until=day(10), groups=group(None)))
    assert result.value["created_at"] is None and result.value["is_new"] is False
    assert result.value["age_days"] == 7.0  # from day 3 to day 10
    assert result.series["activation_messages"] == [1, 0, 1, 0, 0, 0, 0]


def test_activation_is_empty_when_the_start_is_before_the_window() -> None:
    f = frames([msg(1, 1, day(1))], MEMBERS, until=day(7), groups=group(day(-40)))
    result = lifecycle(f)
    assert result.value["age_days"] == 47.0 and result.value["is_new"] is False
    assert result.series["activation_day"] == [] and result.series["activation_messages"] == []


def test_rising_weekly_active_trend() -> None:
    # week k (0..7) has k + 1 speakers: slope 1 over a mean of 4.5 → 0.2222
    rows = [msg(10 * k + p, p, day(7 * k + 1, p)) for k in range(8) for p in range(1, k + 2)]
    result = lifecycle(frames(rows, [member(p) for p in range(1, 9)], until=EIGHT_WEEKS))
    assert result.value["weekly_active_trend"] == 0.2222
    assert result.series["weekly_active"] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_empty_window() -> None:
    result = lifecycle(frames([], [], until=T0))
    assert result.value == {
        "created_at": "2026-01-05T00:00:00+00:00",
        "age_days": 0.0,
        "is_new": False,  # created at the very end of an empty window: not inside it
        "last_message_at": None,
        "days_since_last": None,
        "peak_week_messages": 0,
        "last_4_weeks_messages": 0,
        "weekly_active_trend": None,
        "dead": False,
    }
    assert result.evidence == {"dead_reasons": []}
    assert result.series["weeks"] == [] and result.series["activation_day"] == []
