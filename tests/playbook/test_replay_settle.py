"""Replay settles each action without an event loop, exactly as ``Engine.carry_out`` would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from shequn.community.models import Community, Group
from shequn.events import Actor, Reply, Send, Warn
from shequn.playbook.engine import Planned
from shequn.playbook.memory_state import MemoryState
from shequn.playbook.replay import ReplayEngine
from shequn.playbook.replay_recorder import Recorder
from shequn.playbook.welcome import Welcome
from tests.playbook.conftest import PLATFORM, T0, joined

MEMBER = Actor(id="u1", name="成员u1")


def engine() -> ReplayEngine:
    """A replay engine over an unsaved group (settling needs no database)."""
    group = Group(community=Community(name="c"), platform=PLATFORM, external_id="g1", name="测试群")
    memory = MemoryState("测试群", "social", {})
    return ReplayEngine(group, memory, Recorder(keep=True), (Welcome,))


def items() -> list[Planned]:
    common = {"platform": PLATFORM, "group": "g1"}
    return [
        Planned("welcome", Send(**common, rule="welcome", reason="hi", text="欢迎"), False, "j1",
                greets="u1"),
        Planned("moderation", Warn(**common, rule="moderation", reason="ad", member=MEMBER,
                                   text="别发广告"), True, "j1"),
        Planned("windows", Reply(**common, rule="windows", reason="idle", message_id="m1",
                                 text="闲聊请留到晚上"), False, "j1"),
    ]  # fmt: skip


def test_settle_records_what_carry_out_records() -> None:
    looped, settled = engine(), engine()
    event = joined(1, "u1")
    for replaying in (looped, settled):
        replaying.recorder.start(event)
        replaying.memory.observe(event)
    for item in items():
        asyncio.run(looped.carry_out(looped.group, item))
        settled.settle(settled.group, item)
    assert settled.recorder.decisions == looped.recorder.decisions
    assert settled.recorder.counts == looped.recorder.counts
    assert settled.connector.performed == looped.connector.performed
    assert len(settled.connector.performed) == 2  # the dry run is only recorded
    for replaying in (looped, settled):
        memory = replaying.memory
        assert memory.greeted("u1")
        assert memory.strikes("moderation", "u1") == 1
        later = T0 + timedelta(hours=1)
        assert memory.remembered("u1") == looped.memory.remembered("u1")
        assert memory.replied_to("windows", "u1", T0, later) == 0  # m1 is no message seen
