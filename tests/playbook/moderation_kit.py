"""Events and helpers shared by the moderation rule's tests."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from shequn.community.models import AuditLog, Community, Group
from shequn.events import Action, Actor, MessageKind, MessagePosted
from shequn.playbook.engine import Engine
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, audit_rows

Outcome = AuditLog.Outcome
AD = "兼职刷单日赚300，加V：abc123"


def said(
    n: int,
    who: str,
    text: str,
    group: str = "g1",
    kind: MessageKind = MessageKind.TEXT,
    seconds: int | None = None,
) -> MessagePosted:
    """Message ``m<n>`` of ``who``, ``n`` minutes (or ``seconds``) after T0."""
    at = T0 + (timedelta(seconds=seconds) if seconds is not None else timedelta(minutes=n))
    return MessagePosted(
        platform=PLATFORM,
        group=group,
        group_name="测试群",
        event_id=f"{group}-m{n}",
        at=at,
        actor=Actor(id=who, name=f"成员{who}"),
        kind=kind,
        text=text,
    )


def moderation(**config: Any) -> dict[str, Any]:
    return {"moderation": {"enabled": True, **config}}


def names(actions: list[Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def run(engine: Engine, *events: Any) -> list[Action]:
    return asyncio.run(feed(engine, *events))


def ladder_rows(community: Community) -> list[AuditLog]:
    return [r for r in audit_rows(community) if r.action in ("Warn", "Mute", "Remove")]


def second_group(community: Community, **config: Any) -> Group:
    return Group.objects.create(
        community=community,
        platform=PLATFORM,
        external_id="g2",
        name="二群",
        settings=moderation(**config),
    )
