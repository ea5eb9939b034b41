"""load(): scroll-back per day and crowded hours (more than 4 speakers); worked by hand."""

from __future__ import annotations

import json
from datetime import timedelta

from shequn.analytics.metrics.load import load
from tests.analytics.build import T0, frames, member, minutes, msg


def rows() -> list[dict[str, object]]:
    """Three busy hours on Monday 5 Jan (UTC):

    - 01:00-02:00: members 1..5 each write once → 5 speakers: crowded
    - 03:00-04:00: members 1..4 each write twice → 4 speakers: not crowded (not more than 4)
    - 05:00-06:00: members 1 and 2 write 3 times each → 2 speakers
    and one message at 01:59:59 by member 6 (same clock hour: 6 speakers).
    """
    out = [msg(p, p, minutes(60 + p)) for p in range(1, 6)]
    out += [msg(10 + n, 1 + n % 4, minutes(180 + n)) for n in range(8)]
    out += [msg(20 + n, 1 + n % 2, minutes(300 + n)) for n in range(6)]
    out.append(msg(30, 6, minutes(120) - timedelta(seconds=1)))
    return out


def test_load_by_hand() -> None:
    members = [member(p) for p in range(1, 7)] + [member(7), member(99, is_bot=True)]
    bot = msg(40, 99, minutes(62))  # bots don't make a crowd
    f = frames([*rows(), bot], members, until=T0 + timedelta(days=2))
    result = load(f)
    # 5 + 8 + 6 + 1 = 20 human messages over 2 days = 10 a day; 7 members → 10 / 7 = 1.4286
    assert result.value == {
        "messages_per_day": 10.0,
        "per_member_per_day": 1.4286,
        "crowded_hours": 1,
        "crowded_share": 0.3333,  # 1 crowded of 3 hours with messages
    }
    assert result.evidence["crowded_hours"] == [["2026-01-05T01:00:00+00:00", 6]]
    json.dumps([result.value, result.evidence])


def test_hours_are_clock_hours_in_the_community_zone() -> None:
    # 01:00 UTC is 09:00 in Shanghai.
    f = frames(rows(), [member(p) for p in range(1, 7)], zone="Asia/Shanghai")
    assert load(f).evidence["crowded_hours"] == [["2026-01-05T09:00:00+08:00", 6]]


def test_top_crowded_hours_are_ordered_and_capped() -> None:
    # 25 hours, hour h has 5 + (h % 3) speakers.
    out = []
    for h in range(25):
        for p in range(5 + h % 3):
            out.append(msg(100 * h + p, p, minutes(60 * h + p)))
    result = load(frames(out, [member(p) for p in range(7)], until=T0 + timedelta(days=2)))
    assert result.value["crowded_hours"] == 25 and result.value["crowded_share"] == 1.0
    crowded = result.evidence["crowded_hours"]
    assert len(crowded) == 20
    assert crowded[0] == ["2026-01-05T02:00:00+00:00", 7]  # most speakers, earliest first
    assert [n for _, n in crowded] == sorted((n for _, n in crowded), reverse=True)


def test_empty_window_and_no_members() -> None:
    result = load(frames([], []))
    assert result.value == {
        "messages_per_day": 0.0,
        "per_member_per_day": None,
        "crowded_hours": 0,
        "crowded_share": None,
    }
    zero = load(frames([], [member(1)], until=T0))  # a window of no length
    assert zero.value["messages_per_day"] == 0.0 and zero.value["per_member_per_day"] == 0.0


def test_a_group_of_one_is_never_crowded() -> None:
    f = frames(
        [msg(n, 1, minutes(n)) for n in range(30)], [member(1)], until=T0 + timedelta(days=1)
    )
    result = load(f)
    assert result.value["messages_per_day"] == 30.0 and result.value["per_member_per_day"] == 30.0
    assert result.value["crowded_hours"] == 0 and result.value["crowded_share"] == 0.0
