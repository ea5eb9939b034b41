"""Events and helpers shared by the admission tests (no tests here)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from shequn.chat.ingest import ingest
from shequn.community.models import AdmissionRequest, AuditLog, Community, Group
from shequn.events import Action, Actor, Event, JoinHow, LeaveHow, MemberJoined, MemberLeft
from shequn.playbook.admission import Admission
from shequn.playbook.engine import Engine
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, joined, left
from tests.playbook.test_memory_state import said

RULES = (Admission,)

__all__ = ["PLATFORM", "T0", "joined", "left", "said"]


def admission(**config: Any) -> dict[str, Any]:
    return {"admission": {"enabled": True, **config}}


def invited(n: int, who: str, by: str, group: str = "g1") -> MemberJoined:
    """``who`` joins at minute ``n``, invited by ``by``."""
    event = joined(n, who, group=group)
    return replace(event, how=JoinHow.INVITE, inviter=Actor(id=by, name=f"成员{by}"))


def removed(n: int, who: str, group: str = "g1") -> MemberLeft:
    return replace(left(n, who, group=group), how=LeaveHow.REMOVED)


def later(event: Event, minutes: int) -> Event:
    return replace(event, at=T0 + timedelta(minutes=minutes))


def run(engine: Engine, *events: Event) -> list[Action]:
    return asyncio.run(feed(engine, *events))


def names(actions: list[Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def members_already_in(community: Community, *who: str) -> None:
    """Store joins of ``who`` (before the rule runs): the group's existing members."""
    ingest([joined(i, w) for i, w in enumerate(who, start=-len(who))], community)


def request_of(who: str, group: str = "g1") -> AdmissionRequest:
    return AdmissionRequest.objects.filter(
        group__external_id=group, account__external_id=who
    ).latest("pk")


def audit_of(community: Community, rule: str = "admission") -> list[tuple[str, str, str]]:
    rows = AuditLog.objects.filter(community=community, rule=rule).order_by("pk")
    return [(r.action, r.target, r.outcome) for r in rows]


def group(external_id: str = "g1") -> Group:
    return Group.objects.get(external_id=external_id)
