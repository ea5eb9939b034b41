"""Newcomers: who spoke, how fast, who answered, who introduced themself (answers by hand)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.newcomers import newcomers
from tests.analytics.build import T0, member, minutes, msg
from tests.analytics.build import frames as build_frames


def frames(*args: object, **kwargs: object) -> Frames:
    """These groups' creation is unknown, so every join in the window is a newcomer's."""
    kwargs.setdefault("created_at", None)
    return build_frames(*args, **kwargs)  # type: ignore[arg-type]


DAY = 24 * 60


def scene() -> list[list[dict[str, object]]]:
    members = [
        member(1, role="owner"),  # operator, join unknown
        member(2),  # veteran, join unknown
        member(10, minutes(0)),
        member(11, minutes(10)),
        member(12, minutes(20)),
        member(13, minutes(30)),  # never speaks
        member(14, minutes(40)),  # speaks, nobody answers
        member(15, minutes(5), is_bot=True),  # a bot: not a newcomer, its answers don't count
        member(16, T0 - timedelta(days=1)),  # joined before the window
        member(17, minutes(50)),  # answered by the bot only
    ]
    messages = [
        msg(1, 10, minutes(2), "大家好，我是张三，做外贸的"),  # 10: first after 2 min, intro
        msg(2, 16, minutes(3), "早"),
        msg(3, 1, minutes(5), "欢迎", reply_to="1"),  # answers 10: operator, 3 min
        msg(4, 11, minutes(15), "hello"),  # 11: first after 5 min, not an intro
        msg(5, 2, minutes(22), "欢迎12", mentions=[12]),  # before 12 speaks: not an answer
        msg(6, 2, minutes(25), "欢迎", mentions=[11]),  # answers 11: veteran, 10 min
        msg(7, 12, minutes(26), "需要资源：设计师"),  # 12: first after 6 min, intro
        msg(8, 14, minutes(45), "我也需要", reply_to="7"),  # 14 joined after 12: newcomer, 19 min
        msg(9, 14, minutes(46), "还有人吗"),  # 14 talks to themself: no answer
        msg(10, 17, minutes(55), "I'm Li, I work in finance"),  # 17: first after 5 min, intro
        msg(11, 15, minutes(56), "welcome!", reply_to="10"),  # a bot: not an answer
        msg(12, 11, minutes(20 * 60), "自我介绍一下：做产品的"),  # 11, within a day: intro
        msg(13, 14, minutes(40 + 25 * 60), "我是做设计的"),  # 14, after a day, not first: no
    ]
    return [messages, members]


def test_newcomers_by_hand() -> None:
    messages, members = scene()
    result = newcomers(frames(messages, members, until=minutes(3 * DAY)))
    assert result.metric == "newcomers"
    # newcomers 10, 11, 12, 13, 14, 17 (bot 15 and 16, who joined before, are not)
    # spoke: all but 13. Minutes to first message: 2, 5, 6, 5, 5 → median 5.
    # answered: 10 by operator 1 (3 min), 11 by veteran 2 (10), 12 by newcomer 14 (19)
    # → median 10; 14 and 17 still wait. Introductions: 10, 11 (first day), 12, 17.
    assert result.value == {
        "newcomers": 6,
        "spoke": 5,
        "never_spoke_share": 1 / 6,
        "median_minutes_to_first_message": 5.0,
        "replied": 3,
        "median_minutes_to_reply": 10.0,
        "replied_by": {"operator": 1, "veteran": 1, "newcomer": 1, "nobody": 2},
        "introduced": 4,
        "introduced_share": 0.8,
    }
    assert result.evidence["silent"] == [13]
    assert result.evidence["introductions"] == [1, 7, 10, 12]
    waiting = result.evidence["waiting"]
    assert [w["person_id"] for w in waiting] == [14, 17]  # longest waiting first
    assert waiting[0] == {
        "person_id": 14,
        "name": "成员14",
        "joined_at": minutes(40).isoformat(),
        "first_message_id": 8,
        "first_message_at": minutes(45).isoformat(),
    }
    json.dumps([result.value, result.evidence])


def test_an_inferred_reply_answers_when_the_column_exists() -> None:
    f = frames(
        [msg(1, 10, minutes(1), "有人吗"), msg(2, 20, minutes(4), "有")],
        [member(10, minutes(0)), member(20)],
    )
    assert newcomers(f).value["replied"] == 0  # no explicit reply, no mention
    inferred = f.messages.with_columns(
        inferred_reply_to_id=pl.when(pl.col("id") == 2).then(1).cast(pl.Int64)
    )
    result = newcomers(replace(f, messages=inferred))
    assert result.value["replied"] == 1
    assert result.value["median_minutes_to_reply"] == 3.0
    assert result.value["replied_by"]["veteran"] == 1


def test_the_first_answer_decides_who_replied() -> None:
    # 30 and admin 1 joined before the window (and before 10): the veteran answered first.
    f = frames(
        [
            msg(1, 10, minutes(10), "hi"),
            msg(2, 30, minutes(12), "hi", mentions=[10]),
            msg(3, 1, minutes(13), "欢迎", reply_to="1"),
        ],
        [
            member(10, minutes(5)),
            member(30, T0 - timedelta(days=2)),
            member(1, T0 - timedelta(days=1), role="admin"),
        ],
    )
    result = newcomers(f)
    assert result.value["replied_by"] == {"operator": 0, "veteran": 1, "newcomer": 0, "nobody": 0}
    assert result.value["median_minutes_to_reply"] == 2.0


def test_a_second_join_in_the_window_counts_once() -> None:
    f = frames(
        [msg(1, 10, minutes(30), "又回来了")],
        [member(10, minutes(0), left_at=minutes(10)), member(10, minutes(20))],
    )
    value = newcomers(f).value
    assert value["newcomers"] == 1 and value["spoke"] == 1
    assert value["median_minutes_to_first_message"] == 30.0  # from the first join


def test_empty_window() -> None:
    value = newcomers(frames([], [])).value
    assert value["newcomers"] == 0 and value["spoke"] == 0
    assert value["never_spoke_share"] is None and value["introduced_share"] is None
    assert value["median_minutes_to_first_message"] is None
    assert value["median_minutes_to_reply"] is None


def test_no_joins_in_the_window() -> None:
    f = frames(
        [msg(1, 10, minutes(1), "我是老张"), msg(2, 20, minutes(2), "嗯", reply_to="1")],
        [member(10, T0 - timedelta(days=3)), member(20)],
    )
    result = newcomers(f)
    assert result.value["newcomers"] == 0 and result.value["replied"] == 0
    assert result.value["never_spoke_share"] is None
    assert result.evidence == {"waiting": [], "silent": [], "introductions": []}


def test_a_group_of_one() -> None:
    f = frames([msg(1, 10, minutes(3), "有人吗")], [member(10, minutes(0))])
    result = newcomers(f)
    assert result.value["spoke"] == 1 and result.value["replied"] == 0
    assert result.value["replied_by"]["nobody"] == 1
    assert result.value["never_spoke_share"] == 0.0
    assert result.value["introduced_share"] == 0.0
    assert [w["first_message_id"] for w in result.evidence["waiting"]] == [1]


def test_founders_are_not_newcomers() -> None:
    # The group was created at T0: whoever joined in its first day founded it.
    f = build_frames(
        [
            msg(1, 10, minutes(5), "大家好"),
            msg(2, 30, T0 + timedelta(days=3, minutes=5), "自我介绍：我是三十"),
        ],
        [member(10, minutes(0)), member(20, minutes(30)), member(30, T0 + timedelta(days=3))],
    )
    result = newcomers(f)
    assert result.value["newcomers"] == 1 and result.value["spoke"] == 1
    assert result.value["introduced"] == 1
