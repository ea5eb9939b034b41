"""Chat windows (pure, over a MemoryState): gentle reminders in topic hours and quiet hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from shequn.events import Action, Actor, Event, MessageKind, MessagePosted, Reply
from shequn.playbook.memory_state import MemoryState
from shequn.playbook.windows import Windows, WindowsConfig

BEIJING = ZoneInfo("Asia/Shanghai")
WEDNESDAY_CLASS = {
    "name": "周三晚课", "days": ["wed"], "start": "19:00", "end": "21:00",
    "keywords": ["课件", "提问", "question"],
}  # fmt: skip
EVENINGS = {"start": "20:00", "end": "23:00"}  # every day


def said(
    when: str, who: str, text: str = "哈哈", zone: str = "Asia/Shanghai", **extra: Any
) -> MessagePosted:
    """A message at local time ``when`` (``2026-03-04 19:30``) in ``zone``."""
    at = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone))
    return MessagePosted(
        platform="test", group="g1", event_id=f"{who}@{when}", at=at,
        actor=Actor(id=who, name=f"成员{who}"), text=text, **extra,
    )  # fmt: skip


def decide(
    config: dict[str, Any],
    *events: Event,
    roles: dict[str, str] | None = None,
    zone: str = "Asia/Shanghai",
    outcome: str = "performed",
) -> list[Action]:
    """What the rule answers to ``events``, its replies remembered as the engine would."""
    rule = Windows(WindowsConfig.model_validate({"enabled": True, **config}))
    state = MemoryState("测试群", "social", {}, roles=roles, time_zone=zone)
    answers: list[Action] = []
    for event in events:
        state.observe(event)
        for action in rule(event, state):
            state.remember("windows", action, "", outcome, event.at, event.event_id)
            answers.append(action)
    return answers


def replied(actions: list[Action]) -> list[str]:
    return [a.message_id for a in actions if isinstance(a, Reply)]


def test_topic_hours_remind_off_topic_members_once_per_window() -> None:
    answers = decide(
        {"topic_windows": [WEDNESDAY_CLASS], "chat_hours": [EVENINGS]},
        said("2026-03-04 18:59", "u1", "晚上吃啥"),  # before the class: chat hours? no (20:00)
        said("2026-03-04 19:30", "u1", "今天天气真好"),  # off topic → reminded
        said("2026-03-04 19:40", "u1", "哈哈哈"),  # again, same window → left alone
        said("2026-03-04 19:45", "u2", "老师，课件在哪下载？"),  # on topic
        said("2026-03-04 19:50", "u2", "lol 😂"),  # off topic → reminded
        said("2026-03-04 20:30", "u3", "I have a QUESTION about slide 3"),  # keyword, any case
        said("2026-03-04 21:05", "u1", "下课啦"),  # chat hours now
        said("2026-03-11 19:10", "u1", "hello"),  # next week's class: a new window
    )
    assert replied(answers) == [
        "u1@2026-03-04 18:59",  # quiet hours before the class (chat hours are set)
        "u1@2026-03-04 19:30",
        "u2@2026-03-04 19:50",
        "u1@2026-03-11 19:10",
    ]
    reply = answers[1]
    assert isinstance(reply, Reply)
    assert reply.text == (
        "@成员u1 温馨提示：现在是「周三晚课」时段（周三 19:00–21:00），请围绕主题发言；"
        "闲聊请留到闲聊时段（每天 20:00–23:00）～"
    )
    assert reply.reason == "成员u1: idle chat topic window 周三晚课"


def test_chat_hours_holidays_and_quiet_stretches() -> None:
    answers = decide(
        {"chat_hours": [EVENINGS], "holidays": ["2026-04-05"]},
        said("2026-03-02 10:00", "u1", "在吗"),  # Monday morning: quiet → reminded
        said("2026-03-02 11:00", "u1", "hello?"),  # same quiet stretch
        said("2026-03-02 21:00", "u1", "晚上好"),  # chat hours
        said("2026-03-02 23:30", "u1", "still here"),  # a new stretch since 23:00
        said("2026-03-03 09:00", "u1", "早"),  # a new day
        said("2026-04-05 10:00", "u1", "清明快乐"),  # a holiday: free all day
    )
    assert replied(answers) == [
        "u1@2026-03-02 10:00", "u1@2026-03-02 23:30", "u1@2026-03-03 09:00",
    ]  # fmt: skip
    first = answers[0]
    assert isinstance(first, Reply)
    assert (
        first.text
        == "@成员u1 温馨提示：现在不是闲聊时段，闲聊请留到 每天 20:00–23:00，节假日全天，谢谢配合～"
    )


def test_hours_past_midnight_and_days_of_the_week() -> None:
    friday_night = {"days": ["fri"], "start": "22:00", "end": "02:00"}
    answers = decide(
        {"chat_hours": [friday_night]},
        said("2026-03-06 22:30", "u1"),  # Friday 22:30: free
        said("2026-03-07 01:30", "u1"),  # Saturday 01:30: still Friday's window
        said("2026-03-07 02:30", "u1"),  # over: reminded
        said("2026-03-08 01:00", "u2"),  # Sunday 01:00: Saturday has no window
    )
    assert replied(answers) == ["u1@2026-03-07 02:30", "u2@2026-03-08 01:00"]


def test_the_community_zone_or_the_rule_s_own() -> None:
    config = {"chat_hours": [EVENINGS]}
    # 21:00 in Berlin is 04:00 in Beijing.
    berlin = said("2026-03-02 21:00", "u1", zone="Europe/Berlin")
    assert replied(decide(config, berlin)) == [berlin.event_id]
    assert replied(decide(config, berlin, zone="Europe/Berlin")) == []
    assert replied(decide({**config, "time_zone": "Europe/Berlin"}, berlin)) == []


def test_exempt_roles_bots_and_system_messages_are_left_alone() -> None:
    config = {"topic_windows": [WEDNESDAY_CLASS]}
    bot = MessagePosted(
        platform="test", group="g1", event_id="b1",
        at=datetime(2026, 3, 4, 19, 30, tzinfo=BEIJING), actor=Actor("bot", is_bot=True), text="x",
    )  # fmt: skip
    answers = decide(
        config,
        said("2026-03-04 19:30", "host", "今天讲估值"),  # the KOL hosting (exempt by default)
        said("2026-03-04 19:31", "u1", "xx 撤回了一条消息", kind=MessageKind.SYSTEM),
        said("2026-03-04 19:32", "u1", "🧧", kind=MessageKind.RED_PACKET),
        bot,
        roles={"host": "kol"},
    )
    assert answers == []
    without_exemption = decide(
        {**config, "exempt_roles": []},
        said("2026-03-04 19:30", "host", "hi"),
        roles={"host": "kol"},
    )
    assert len(without_exemption) == 1


def test_a_sticker_in_topic_hours_is_idle_and_dry_run_reminds_once_too() -> None:
    events = [
        said("2026-03-04 19:30", "u1", "", kind=MessageKind.STICKER),
        said("2026-03-04 19:31", "u1", "haha"),
    ]
    answers = decide({"topic_windows": [WEDNESDAY_CLASS]}, *events, outcome="dry_run")
    assert replied(answers) == [events[0].event_id]


def test_nothing_configured_nothing_done() -> None:
    assert decide({}, said("2026-03-04 19:30", "u1")) == []
    assert (
        decide({"chat_hours": [EVENINGS], "quiet_reminder": False}, said("2026-03-02 10:00", "u1"))
        == []
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"chat_hours": [{"start": "25:00", "end": "23:00"}]}, "chat_hours.0.start"),
        ({"chat_hours": [{"days": [], "start": "20:00", "end": "23:00"}]}, "chat_hours.0.days"),
        ({"chat_hours": [{"days": ["monday"], "start": "20:00", "end": "23:00"}]}, "'mon'"),
        ({"topic_windows": [WEDNESDAY_CLASS, WEDNESDAY_CLASS]}, "'周三晚课' is used twice"),
        ({"topic_text": "{who} 请安静"}, r"unknown field \{who\}"),
        ({"holidays": ["2026-02-30"]}, "holidays.0"),
    ],
)
def test_config_errors_name_the_field(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WindowsConfig.model_validate(config)


def test_every_field_has_a_label() -> None:
    assert all(f.title for f in WindowsConfig.model_fields.values())


def test_an_introduction_is_never_idle_chat() -> None:
    intro = said("2026-03-04 19:30", "u1", "自我介绍：小王\n需要资源：客户\n拥有资源：设计")
    assert decide({"topic_windows": [WEDNESDAY_CLASS]}, intro) == []
