"""Builders for playbook tests: a community, a configured group, join events, an engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, JoinHow, MemberJoined, MemberLeft
from shequn.playbook.engine import DEFAULT_RULES, Engine
from shequn.playbook.rules import RuleType

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLATFORM = "test"


def joined(n: int, who: str, name: str = "", bot: bool = False, group: str = "g1") -> MemberJoined:
    """Join event number ``n`` (its id is ``j<n>``) of ``who``, ``n`` minutes after T0."""
    member = Actor(id=who, name=name or f"成员{who}", is_bot=bot)
    return MemberJoined(
        platform=PLATFORM,
        group=group,
        group_name="测试群",
        event_id=f"j{n}",
        at=T0 + timedelta(minutes=n),
        actor=member,
        member=member,
        how=JoinHow.LINK,
    )


def left(n: int, who: str, group: str = "g1") -> MemberLeft:
    member = Actor(id=who, name=f"成员{who}")
    return MemberLeft(
        platform=PLATFORM,
        group=group,
        event_id=f"l{n}",
        at=T0 + timedelta(minutes=n),
        actor=member,
        member=member,
    )


def audit_rows(community: Community) -> list[AuditLog]:
    """The community's audit log, oldest first."""
    return list(AuditLog.objects.filter(community=community).order_by("pk"))


@pytest.fixture
def community(db: None) -> Community:
    return get_or_create_community("测试社群")


MakeEngine = Callable[..., tuple[Engine, MemoryConnector]]


@pytest.fixture
def make_engine(community: Community) -> MakeEngine:
    """An engine over group ``g1`` configured with ``settings`` and a memory connector."""

    def make(
        settings: dict[str, Any],
        rules: Sequence[RuleType] = DEFAULT_RULES,
        **connector: Any,
    ) -> tuple[Engine, MemoryConnector]:
        Group.objects.create(
            community=community,
            platform=PLATFORM,
            external_id="g1",
            name="测试群",
            settings=settings,
        )
        memory = MemoryConnector(platform=PLATFORM, **connector)
        return Engine(community, [memory], rules=rules), memory

    return make
