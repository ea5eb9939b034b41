"""Check-in recognition, streak arithmetic in the community's day, leaderboard and points."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shequn.events import MessageKind
from shequn.playbook.checkin import (
    CheckinConfig,
    Streaks,
    checkin_days,
    checkin_points,
    current_streak,
    is_checkin,
    leaderboard,
    longest_streak,
    monthly_counts,
    streaks,
    total_points,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = CheckinConfig()


def bj(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A Beijing wall-clock time in 2026, as the aware UTC instant the store keeps."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


CHECKINS = [
    "打卡 第12天 跑步5公里",
    "打卡",
    "签到",
    "已打卡",
    "日签",
    "/checkin",
    "/CheckIn",
    "／checkin",  # full-width slash from a Chinese keyboard
    "#打卡 读书30页",
    "＃打卡 读书30页",
    "今天读完一本书 #打卡",
    "签到✅ 第3天",
    "打卡 Day12 今日完成300字",
    "打卡Day3",
    "Day 30 打卡",
    "跑步day3打卡",
    "打卡：今天练习了1851字，继续加油",
    "打卡, 今天背了50个单词",
    "【打卡】第5天",
    "✅打卡",
    "🏃打卡第１２天",  # full-width digits
    "打卡第二十天",
    "打卡了",
    "打卡成功！",
    "签到啦~",
    "今日打卡✅",
    "晨跑打卡",
    "我已经打卡了",
    "已签到",
    "今天状态不错打卡",
    "连续打卡30天！",
    "坚持签到 100 天",
    "今天又是元气满满的一天，读完了一本书，打卡",
    "打卡第5天，有人一起吗？",  # a day count wins over the question
    "打卡今天跑了5公里",
    "打卡一下",
    "  打卡  ",
]

NOT_CHECKINS = [
    "今天忘了打卡了",
    "打卡这个功能怎么用？",
    "打卡这个功能怎么用",
    "打卡了吗",
    "你签到了么",
    "签到处在哪里",
    "没有签到",
    "还没打卡",
    "忘记打卡了",
    "漏打卡了一天",
    "记得打卡哦",
    "请大家按时打卡",
    "别忘了签到",
    "打卡活动下周开始",
    "打卡规则：每天晚上12点前",
    "第3课：今晚8点直播，作业今晚12点前提交打卡",
    "为什么我打卡没有积分",
    "/checkins",
    "/checkout",
    "今天天气不错",
    "",
    "checkin",  # Latin word without the slash is not a keyword
    "大家觉得每日打卡有用吗",
]


@pytest.mark.parametrize("text", CHECKINS)
def test_recognises_checkins(text: str) -> None:
    assert is_checkin(MessageKind.TEXT, text, DEFAULT)


@pytest.mark.parametrize("text", NOT_CHECKINS)
def test_ignores_mentions_questions_and_reminders(text: str) -> None:
    assert not is_checkin(MessageKind.TEXT, text, DEFAULT)


def test_photo_counts_only_with_a_keyword_and_when_allowed() -> None:
    assert is_checkin(MessageKind.IMAGE, "打卡 第3天", DEFAULT)
    assert not is_checkin(MessageKind.IMAGE, "", DEFAULT)
    assert not is_checkin(MessageKind.IMAGE, "[图片]", DEFAULT)
    no_photos = CheckinConfig(photo_with_keyword=False)
    assert not is_checkin(MessageKind.IMAGE, "打卡 第3天", no_photos)
    assert is_checkin(MessageKind.TEXT, "打卡 第3天", no_photos)


@pytest.mark.parametrize(
    "kind", [MessageKind.SYSTEM, MessageKind.STICKER, MessageKind.RED_PACKET, MessageKind.LINK]
)
def test_other_kinds_never_count(kind: MessageKind) -> None:
    assert not is_checkin(kind, "打卡", DEFAULT)


def test_keywords_are_configurable() -> None:
    config = CheckinConfig(keywords=["晨读", "/Read"])
    assert is_checkin("text", "晨读 第3天", config)
    assert is_checkin("text", "/read", config)
    assert not is_checkin("text", "打卡", config)
    assert config.keywords == ["/read", "晨读"]  # folded, longest first


def test_config_is_read_from_settings_and_rejects_empty_keywords() -> None:
    config = CheckinConfig.model_validate({"enabled": True, "daily_cap": 3})
    assert config.enabled and config.daily_cap == 3
    assert "签到" in config.keywords and "#打卡" in config.keywords
    with pytest.raises(ValidationError, match="keywords"):
        CheckinConfig.model_validate({"keywords": []})
    with pytest.raises(ValidationError, match="keywords"):
        CheckinConfig.model_validate({"keywords": ["打卡", "  "]})
    with pytest.raises(ValidationError):
        CheckinConfig.model_validate({"daily_cap": -1})


# --- the community's day ------------------------------------------------------


def test_beijing_evening_and_after_midnight_are_two_days_on_one_utc_day() -> None:
    late, early = bj(1, 23, 30), bj(2, 0, 30)
    assert late.date() == early.date()  # 15:30 and 16:30 UTC on March 1st
    assert checkin_days([late, early], "UTC") == [date(2026, 3, 1)]
    assert checkin_days([late, early], SHANGHAI) == [date(2026, 3, 1), date(2026, 3, 2)]
    assert streaks([late, early], SHANGHAI, date(2026, 3, 2)).current == 2


def test_one_utc_day_apart_can_be_one_beijing_day() -> None:
    # 00:10 and 23:50 Beijing on March 5th fall on March 4th and 5th in UTC.
    first, second = bj(5, 0, 10), bj(5, 23, 50)
    assert first.date() != second.date()
    assert checkin_days([first, second], SHANGHAI) == [date(2026, 3, 5)]
    assert streaks([first, second], SHANGHAI, date(2026, 3, 5)).total == 1


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        checkin_days([datetime(2026, 3, 1, 8)], SHANGHAI)


def test_one_checkin_per_day_counts() -> None:
    times = [bj(1, 7), bj(1, 8), bj(1, 22), bj(2, 7)]
    record = streaks(times, SHANGHAI, date(2026, 3, 2))
    assert record.total == 2 and record.current == 2


# --- streak arithmetic ----------------------------------------------------------


def days(*numbers: int, month: int = 3) -> list[date]:
    return [date(2026, month, n) for n in numbers]


def test_current_streak_is_alive_until_the_day_ends() -> None:
    history = days(1, 2, 3)
    assert current_streak(history, date(2026, 3, 3)) == 3
    assert current_streak(history, date(2026, 3, 4)) == 3  # not yet checked in today
    assert current_streak(history, date(2026, 3, 5)) == 0  # a whole day missed


def test_current_streak_ignores_days_after_as_of() -> None:
    assert current_streak(days(1, 2, 3, 4), date(2026, 3, 2)) == 2


def test_a_gap_breaks_the_streak() -> None:
    history = days(1, 2, 4, 5, 6)
    assert current_streak(history, date(2026, 3, 6)) == 3
    assert longest_streak(history) == (3, date(2026, 3, 6))


def test_longest_streak_over_a_month_end() -> None:
    history = [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 3)]
    assert longest_streak(history) == (3, date(2026, 3, 1))
    assert longest_streak([]) == (0, None)


def test_monthly_counts() -> None:
    history = [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 1)]
    assert monthly_counts(history) == {"2026-02": 2, "2026-03": 1}


def test_streaks_together() -> None:
    times = [bj(n, 7) for n in (1, 2, 3, 10, 11)] + [bj(28, 21, month=2)]
    record = streaks(times, SHANGHAI, date(2026, 3, 12))
    assert (record.current, record.longest, record.total) == (2, 4, 6)  # Feb 28 to Mar 3
    assert record.longest_end == date(2026, 3, 3)
    assert record.this_month == 5 and record.monthly["2026-02"] == 1
    assert record.last == date(2026, 3, 11)


@given(st.lists(st.dates(date(2025, 1, 1), date(2026, 12, 31)), max_size=60), st.randoms())
def test_streak_properties(history: list[date], rnd: object) -> None:
    as_of = max(history, default=date(2026, 1, 1))
    record = streaks(
        [datetime(d.year, d.month, d.day, 12, tzinfo=SHANGHAI) for d in history], SHANGHAI, as_of
    )
    assert record.total == len(set(history))
    assert 0 <= record.current <= record.longest <= record.total
    assert sum(record.monthly.values()) == record.total
    shuffled = list(history)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert longest_streak(shuffled) == longest_streak(history)


# --- leaderboard and points -------------------------------------------------------


def test_leaderboard_ranks_by_streak_then_month() -> None:
    as_of = date(2026, 3, 10)

    def record(*numbers: int) -> Streaks:
        return streaks([bj(n, 8) for n in numbers], SHANGHAI, as_of)

    board = leaderboard(
        {
            "张三": record(8, 9, 10),  # streak 3
            "李四": record(1, 2, 3, 4, 5, 9, 10),  # streak 2, 7 this month
            "王五": record(6, 9, 10),  # streak 2, 3 this month
            "赵六": record(2, 4, 9, 10),  # streak 2, 4 this month
            "钱七": streaks([], SHANGHAI, as_of),  # never checked in: left out
        },
        top=3,
    )
    assert [(r.rank, r.member, r.current, r.this_month) for r in board] == [
        (1, "张三", 3, 3),
        (2, "李四", 2, 7),
        (3, "赵六", 2, 4),
    ]


def test_leaderboard_ties_share_a_rank() -> None:
    as_of = date(2026, 3, 2)
    same = {name: streaks([bj(1, 8), bj(2, 8)], SHANGHAI, as_of) for name in ("甲", "乙")}
    same["丙"] = streaks([bj(2, 9)], SHANGHAI, as_of)
    assert [(r.rank, r.member) for r in leaderboard(same)] == [(1, "乙"), (1, "甲"), (3, "丙")]
    assert leaderboard(same, top=0) == []


def test_points_first_checkin_of_the_day_within_the_daily_cap() -> None:
    config = CheckinConfig(points_per_checkin=5, daily_cap=8)
    assert checkin_points(True, 0, config) == 5
    assert checkin_points(False, 0, config) == 0  # a second check-in the same day
    assert checkin_points(True, 6, config) == 2  # 6 earned today elsewhere: 2 left
    assert checkin_points(True, 9, config) == 0
    assert total_points(days(1, 2, 2, 3), config) == 15
    assert total_points(days(1), CheckinConfig(points_per_checkin=5, daily_cap=3)) == 3


@pytest.mark.realdata
def test_real_chats_without_checkins_yield_none(real_data: Path) -> None:
    """#ubuntu IRC (it says "checkin" about version control) and Indonesian Telegram groups."""
    texts = [
        line.split("> ", 1)[1]
        for path in sorted((real_data / "irc-ubuntu" / "dev").glob("*.raw.txt"))
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if "> " in line
    ]
    for path in sorted((real_data / "telegram-tgif").rglob("*.json")):
        for message in orjson.loads(path.read_bytes()).get("messages", []):
            text = message.get("text", "")
            if isinstance(text, list):
                text = "".join(p if isinstance(p, str) else p.get("text", "") for p in text)
            texts.append(text)
    assert len(texts) > 5000
    assert [t for t in texts if is_checkin(MessageKind.TEXT, t, DEFAULT)] == []
