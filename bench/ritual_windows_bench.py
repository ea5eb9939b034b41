"""What the entry ritual and chat-window rules add to a replay, per message.

The replay target (20,000 messages/s for every rule family, ``replay_bench.py``)
leaves each rule a few microseconds a message. This runs both rules over a
synthetic stream kept in a MemoryState (no store: the rules' own cost), the way
the replay engine feeds them: observe, then the rule, then remember its actions.

- 2,000 members join over the first day, then N messages over 30 days (so a
  quarter of the messages come from members in their first week, whose messages
  the ritual reads as possible introductions);
- one message in 50 is a labelled introduction, one in 20 a long message;
- chat windows: chat hours every evening, a topic window three afternoons a week.

    python bench/ritual_windows_bench.py [--messages N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")

import django

django.setup()

from shequn.events import Actor, Event, JoinHow, MemberJoined, MessagePosted  # noqa: E402
from shequn.playbook.memory_state import MemoryState  # noqa: E402
from shequn.playbook.ritual import Ritual, RitualConfig  # noqa: E402
from shequn.playbook.rules import Rule  # noqa: E402
from shequn.playbook.windows import Windows, WindowsConfig  # noqa: E402

T0 = datetime(2026, 3, 2, tzinfo=UTC)
MEMBERS = 2000
SENTENCES = [
    "今天的行情大家怎么看", "周末有人一起去爬山吗", "这个观点我不太同意，理由如下",
    "收到，谢谢分享", "Has anyone tried the new release?", "哈哈哈哈", "明天几点开会",
    "I think the second option is better",
]  # fmt: skip
INTRO = "自我介绍：{n}号，做外贸\n需要资源：物流\n拥有资源：工厂渠道"
LONG = "大家好，我是新来的，在杭州做直播电商三年了，主要做服装类目，希望认识更多同行交流学习"
WINDOWS = {
    "enabled": True,
    "chat_hours": [{"start": "20:00", "end": "23:00"}],
    "topic_windows": [{"name": "午间话题", "days": ["mon", "wed", "fri"], "start": "12:00",
                       "end": "14:00", "keywords": ["行情"]}],
}  # fmt: skip


def stream(n: int) -> Iterator[Event]:
    rng = random.Random(7)
    for i in range(MEMBERS):
        member = Actor(f"u{i}", f"成员{i}")
        at = T0 + timedelta(seconds=43 * i)
        yield MemberJoined(platform="b", group="g", event_id=f"j{i}", at=at, actor=member,
                           member=member, how=JoinHow.LINK)  # fmt: skip
    step = timedelta(days=30) / n
    for i in range(n):
        who = rng.randrange(MEMBERS)
        roll = rng.random()
        text = (INTRO.format(n=who) if roll < 0.02 else LONG if roll < 0.07
                else rng.choice(SENTENCES))  # fmt: skip
        yield MessagePosted(platform="b", group="g", event_id=f"m{i}",
                            at=T0 + timedelta(days=1) + step * i,
                            actor=Actor(f"u{who}", f"成员{who}"), text=text)  # fmt: skip


def run(events: list[Event], rules: list[tuple[str, Rule]]) -> tuple[float, int]:
    """Seconds of CPU to feed ``events`` through ``rules`` over a fresh MemoryState; actions."""
    state = MemoryState("g", "social", {}, time_zone="Asia/Shanghai")
    acted = 0
    clock: Callable[[], float] = time.process_time
    start = clock()
    for event in events:
        state.observe(event)
        for name, rule in rules:
            for action in rule(event, state):
                member = getattr(action, "member", None)
                state.remember(name, action, member.id if member else "", "performed",
                               event.at, event.event_id)  # fmt: skip
                acted += 1
    return clock() - start, acted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300_000)
    args = parser.parse_args()
    events = list(stream(args.messages))
    ritual = Ritual(RitualConfig(enabled=True))
    windows = Windows(WindowsConfig.model_validate(WINDOWS))
    cases: list[tuple[str, list[tuple[str, Any]]]] = [
        ("state only", []),
        ("ritual", [("ritual", ritual)]),
        ("windows", [("windows", windows)]),
        ("ritual + windows", [("ritual", ritual), ("windows", windows)]),
    ]
    base = 0.0
    for label, rules in cases:
        seconds, acted = run(events, rules)
        base = seconds if not rules else base
        extra = (seconds - base) / len(events) * 1e6
        print(f"{label:18} {seconds:6.2f} s CPU  {len(events) / seconds:9,.0f} events/s  "
              f"+{extra:5.2f} µs/event over the state  {acted:,} actions")  # fmt: skip


if __name__ == "__main__":
    main()
