"""Builders for the matching tests: a small community whose members can answer different things."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from shequn.community.actions import update_person
from shequn.community.models import Account, Community, Person
from shequn.events import Action, Actor, Event, MessagePosted
from shequn.playbook.engine import Engine
from shequn.playbook.matching_profiles import forget
from shequn.playbook.scheduler import run_due
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, joined

#: Members of g1 and what the archive says they offer.
OFFERS = {
    "u2": ("王磊", "跨境电商物流，清关报关，海外仓"),
    "u3": ("李娜", "前端开发 React，小程序开发"),
    "u4": ("赵敏", "财税筹划，公司注册，记账报税"),
}
QUESTION = "请问有没有人懂清关？货卡在海关了"


def said(
    n: int, who: str, text: str, name: str = "", at: datetime | None = None, **extra: Any
) -> MessagePosted:
    """Message ``m<n>`` of ``who`` in g1, ``n`` minutes after T0 (or at ``at``)."""
    return MessagePosted(
        platform=PLATFORM, group="g1", group_name="测试群", event_id=f"m{n}",
        at=at or T0 + timedelta(minutes=n), actor=Actor(id=who, name=name or f"成员{who}"),
        text=text, **extra,
    )  # fmt: skip


def populate(engine: Engine, community: Community) -> None:
    """u1 (小王, asks) and the members of ``OFFERS`` join g1; their offers go into the archive."""
    events: list[Event] = [joined(1, "u1", "小王")]
    events += [joined(2 + i, who, name) for i, (who, (name, _)) in enumerate(OFFERS.items())]
    run(engine, *events)
    for who, (_, offers) in OFFERS.items():
        update_person(person(community, who), by="test", offers=offers)
    forget()


def person(community: Community, who: str) -> Person:
    return Account.objects.get(community=community, external_id=who).person


def run(engine: Engine, *events: Event) -> list[Action]:
    return asyncio.run(feed(engine, *events))


def run_jobs(engine: Engine) -> int:
    """Run the jobs due now through ``engine``; how many ran."""

    async def go() -> int:
        try:
            return await run_due("w1", lambda community: engine, limit=50)
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(go())


def settings(**matching: Any) -> dict[str, Any]:
    return {"matching": {"enabled": True, **matching}}
