"""Column slots in local time: cron walked over local wall-clock times, then zoned (no DB)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shequn.playbook.columns import ScheduleError, check_schedule, host_at, next_slot, slots


def local(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M %Z")


def test_weekly_class_keeps_19_local_across_berlins_spring_change() -> None:
    found = slots("0 19 * * 3", "Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), 3)
    assert [local(s, "Europe/Berlin") for s in found] == [
        "03-25 19:00 CET", "04-01 19:00 CEST", "04-08 19:00 CEST",
    ]  # fmt: skip
    assert [s.hour for s in found] == [18, 17, 17]


def test_a_slot_in_the_skipped_hour_is_posted_when_the_gap_ends() -> None:
    found = slots("30 2 * * *", "America/New_York", datetime(2026, 3, 7, tzinfo=UTC), 3)
    assert [local(s, "America/New_York") for s in found] == [
        "03-07 02:30 EST", "03-08 03:00 EDT", "03-09 02:30 EDT",
    ]  # fmt: skip


def test_a_slot_in_the_repeated_hour_is_posted_once() -> None:
    found = slots("30 1 * * *", "America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC), 2)
    assert [local(s, "America/New_York") for s in found] == ["11-01 01:30 EDT", "11-02 01:30 EST"]
    # Asked again from between the two 01:30s, the second one is not a slot.
    second_130 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST, after 01:30 EDT
    assert local(next_slot("30 1 * * *", "America/New_York", second_130), "America/New_York") == (
        "11-02 01:30 EST"
    )


def test_three_daily_slots_in_shanghai() -> None:
    found = slots("0 8,14,20 * * *", "Asia/Shanghai", datetime(2026, 5, 1, tzinfo=UTC), 3)
    assert [local(s, "Asia/Shanghai") for s in found] == [
        "05-01 14:00 CST", "05-01 20:00 CST", "05-02 08:00 CST",
    ]  # fmt: skip


@pytest.mark.parametrize("bad", ["every wednesday", "0 19 * *", "61 19 * * 3", "0 19 * * 3 2026"])
def test_bad_schedules_say_what_is_expected(bad: str) -> None:
    with pytest.raises(ScheduleError, match="five-field cron"):
        check_schedule(bad)


def test_unknown_zone_is_named() -> None:
    with pytest.raises(ScheduleError, match="Mars/Base"):
        next_slot("0 8 * * *", "Mars/Base", datetime(2026, 1, 1, tzinfo=UTC))


def test_host_rotation_goes_round() -> None:
    assert [host_at([7, 8, 9], n) for n in range(5)] == [7, 8, 9, 7, 8]
    assert host_at([], 3) is None
