"""The next daily wall-clock time in a community's zone, across midnight and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from shequn.playbook.daily import clock, next_daily

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")


def test_today_when_still_ahead_tomorrow_when_passed_or_now() -> None:
    morning = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert next_daily(morning, time(22), SHANGHAI) == datetime(2026, 12, 1, 22, tzinfo=SHANGHAI)
    at_ten = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai: not strictly after
    assert next_daily(at_ten, time(22), SHANGHAI) == datetime(2026, 12, 2, 22, tzinfo=SHANGHAI)


def test_the_wall_clock_is_kept_across_a_daylight_saving_change() -> None:
    before = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)  # Saturday 18:00 EST
    due = next_daily(before, clock("22:00"), NEW_YORK)
    assert due.astimezone(UTC) == datetime(2026, 3, 8, 3, 0, tzinfo=UTC)  # 22:00 EST
    after = next_daily(due, clock("22:00"), NEW_YORK)
    assert after.astimezone(UTC) == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # 22:00 EDT
