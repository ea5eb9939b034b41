"""flow(): joins, leaves, removals by week, and what each inviter's invitees did."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from shequn.analytics.metrics.flow import flow
from tests.analytics.build import T0, frames, member

UNTIL = T0 + timedelta(days=14)  # two full weeks: Mon 5 Jan and Mon 12 Jan


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def stays() -> list[dict[str, object]]:
    return [
        member(1, day(-30)),  # A: an old member, not a join
        member(2, day(1), inviter_person_id=1),  # B: joins week 1, invited by A, stays
        member(3, day(2), inviter_person_id=1, left_at=day(10), left_how="left"),  # C: week 2
        member(4, day(8), inviter_person_id=2, left_at=day(9), left_how="removed"),  # D: removed
        member(5, day(-60), left_at=day(12), left_how="eliminated"),  # E: eliminated, week 2
        member(6, day(20)),  # F: joins after the window
        member(7, day(-90), left_at=day(-1), left_how="left"),  # G: left before the window
        member(8, day(13), inviter_person_id=1, left_at=day(30), left_how="left"),  # leaves later
        member(99, day(3), is_bot=True),  # bots are not members
        member(9, day(4), group_id=2),  # another group of the community
    ]


def test_flow_by_hand() -> None:
    result = flow(frames([], stays(), until=UNTIL))
    # joins: B (day 1), C (day 2), D (day 8), member 8 (day 13) = 4
    # leaves: C (day 10), D (day 9), E (day 12) = 3, of which D and E were removed = 2
    assert result.value == {"joins": 4, "leaves": 3, "removed": 2, "net": 1}
    assert result.series == {
        "weeks": ["2026-01-05", "2026-01-12"],
        "joins": [2, 2],  # B, C | D, 8
        "leaves": [0, 3],  # C, D, E all in week 2
    }
    # A invited B (stayed), C (left) and 8 (left only after the window: stayed);
    # B invited D (removed).
    assert result.evidence["by_inviter"] == [
        {"person_id": 1, "name": "成员1", "invited": 3, "stayed": 2, "left": 1},
        {"person_id": 2, "name": "成员2", "invited": 1, "stayed": 0, "left": 1},
    ]
    json.dumps([result.value, result.evidence, result.series])


def test_weeks_are_counted_in_the_community_zone() -> None:
    # Sunday 11 Jan 20:00 UTC is Monday 12 Jan 04:00 in Shanghai: a week-2 join there.
    rows = [member(1, day(6) + timedelta(hours=20))]
    result = flow(frames([], rows, until=UNTIL, zone="Asia/Shanghai"))
    # The window [Mon 5 Jan 08:00, Mon 19 Jan 08:00) local touches three Monday weeks.
    assert result.series["weeks"] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert result.series["joins"] == [0, 1, 0]


def test_no_joins_in_the_window() -> None:
    result = flow(frames([], [member(1, day(-10)), member(2)], until=UNTIL))
    assert result.value == {"joins": 0, "leaves": 0, "removed": 0, "net": 0}
    assert result.series["joins"] == [0, 0] and result.evidence["by_inviter"] == []


def test_inviter_without_a_person_row_and_empty_window() -> None:
    rows = [member(2, day(1), inviter_person_id=77)]
    result = flow(frames([], rows, until=UNTIL))
    assert result.evidence["by_inviter"] == [
        {"person_id": 77, "name": "", "invited": 1, "stayed": 1, "left": 0}
    ]
    empty = flow(frames([], [], until=T0))
    assert empty.value["net"] == 0
    assert empty.series == {"weeks": [], "joins": [], "leaves": []}
