"""Builders for column tests: a clock the tests move, a group in New York, a scheduler round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from shequn.chat.ingest import ingest
from shequn.community.models import Account, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, MemberJoined, MessagePosted, Notify, Send
from shequn.playbook.columns_actions import add_item, create_column
from shequn.playbook.engine import Engine
from shequn.playbook.models import Column
from shequn.playbook.scheduler import run_due
from tests.playbook.conftest import PLATFORM

ZONE = "America/New_York"
#: Friday 2026-03-06 14:00 UTC (09:00 EST); New York springs forward on Sunday 03-08.
START = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)


class Clock:
    """``timezone.now`` for the code under test: stands still until the test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def tick(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock(START)
    monkeypatch.setattr(timezone, "now", moving)
    return moving


@pytest.fixture
def ny_group(community: Community) -> Group:
    """Group g1 of a community in New York, with members h1, h2 (hosts) and u1…u3."""
    community.time_zone = ZONE
    community.save()
    people = ("h1", "h2", "u1", "u2", "u3", "bot")
    ingest([joined_at(i, who) for i, who in enumerate(people)], community)
    return Group.objects.get(community=community, external_id="g1")


def joined_at(n: int, who: str) -> MemberJoined:
    member = Actor(id=who, name=f"成员{who}", is_bot=who == "bot")
    at = START - timedelta(days=30, minutes=-n)
    return MemberJoined(
        platform=PLATFORM, group="g1", group_name="测试群", event_id=f"j{who}",
        at=at, actor=member, member=member,
    )  # fmt: skip


def said(event_id: str, who: str, at: datetime, text: str, reply_to: str | None = None) -> Any:
    """A message event in g1 (for the summary and engagement)."""
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=event_id, at=at,
        actor=Actor(id=who, name=f"成员{who}", is_bot=who == "bot"), text=text, reply_to=reply_to,
    )  # fmt: skip


def account(who: str) -> Account:
    return Account.objects.get(external_id=who)


def make_column(group: Group, texts: int = 5, **values: Any) -> Column:
    """A column "晨报" every day 08:00 local, ``texts`` queued texts, ``values`` overriding."""
    fields = {"name": "晨报", "schedule": "0 8 * * *", "remind_minutes": 30, "window_hours": 3}
    column = create_column(group, {**fields, **values}, by="test")
    for n in range(texts):
        add_item(column, f"第{n + 1}期内容", by="test")
    return column


def run(engine: Engine, worker: str = "w1") -> int:
    """One scheduler round (what each pass of ``run_scheduler`` does) with ``engine``.

    Through ``async_to_sync``, as Django runs async code from sync code: the store work
    of the round runs on this thread's connection, as it would in ``shequn run``.
    """
    return async_to_sync(run_due)(worker, lambda community: engine, limit=50)


def engine_for(community: Community, **connector: Any) -> tuple[Engine, MemoryConnector]:
    memory = MemoryConnector(platform=PLATFORM, **connector)
    return Engine(community, [memory]), memory


def sends(memory: MemoryConnector, marker: str = "【晨报】\n") -> list[str]:
    """Texts the bot posted that start with ``marker`` (the column posts by default)."""
    return [a.text for a in memory.performed if isinstance(a, Send) and a.text.startswith(marker)]


def notices(memory: MemoryConnector) -> list[str]:
    return [a.text for a in memory.performed if isinstance(a, Notify)]
