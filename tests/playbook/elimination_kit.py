"""Builders for the elimination tests: a group with history, a clock, a sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from shequn.chat.ingest import ingest
from shequn.community.models import Community, Group, Membership
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, Event, JoinHow, MemberJoined, MessagePosted
from shequn.playbook.elimination_sweep import SweepReport, sweep
from shequn.playbook.engine import Engine

PLATFORM = "test"
#: "Today" of the tests: 2026-03-10 10:00 in Shanghai.
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
JOINED = datetime(2025, 12, 1, tzinfo=UTC)


def policy(**fields: Any) -> dict[str, Any]:
    """Group settings with elimination on: silent 30 days (ordinary), grace 3 days."""
    return {"elimination": {"enabled": True, **fields}}


def join(who: str, at: datetime = JOINED, bot: bool = False, group: str = "g1") -> MemberJoined:
    member = Actor(id=who, name=f"成员{who}", is_bot=bot)
    return MemberJoined(
        platform=PLATFORM, group=group, group_name="测试群", event_id=f"j-{who}-{at:%s}",
        at=at, actor=member, member=member, how=JoinHow.LINK,
    )  # fmt: skip


def say(who: str, at: datetime, text: str = "大家好", group: str = "g1") -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group=group, group_name="测试群", event_id=f"m-{who}-{at:%s}",
        at=at, actor=Actor(id=who, name=f"成员{who}"), text=text,
    )  # fmt: skip


def build(
    community: Community, settings: dict[str, Any], events: Iterable[Event], **connector: Any
) -> tuple[Group, Engine, MemoryConnector]:
    """Group g1 with ``settings`` and ``events`` stored; an engine with a memory connector."""
    group = Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群", settings=settings
    )
    ingest(list(events), community)
    memory = MemoryConnector(platform=PLATFORM, **connector)
    return group, Engine(community, [memory]), memory


def set_role(group: Group, who: str, role: str) -> None:
    Membership.objects.filter(group=group, account__external_id=who).update(role=role)


def run(group: Group, engine: Engine, at: datetime) -> SweepReport:
    """Sweep at ``at``; the worker thread's database connection is closed afterwards."""

    async def once() -> SweepReport:
        try:
            return await sweep(group.pk, engine, at)
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(once())


def days(n: float) -> timedelta:
    return timedelta(days=n)
