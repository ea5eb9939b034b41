"""An action the platform refuses is audited as failed with the reason, and the operators told."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from shequn.community.models import AuditLog, Community
from shequn.connectors.base import ConnectorError
from shequn.events import Action, Event, MemberJoined, Notify, Remove
from shequn.playbook.rules import GroupState
from shequn.playbook.testing import feed
from tests.playbook.conftest import MakeEngine, audit_rows, joined
from tests.playbook.rule_kit import KitRule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

Outcome = AuditLog.Outcome
ON: dict[str, Any] = {"enabled": True}


class Expel(KitRule):
    """Removes every newcomer (a platform may refuse: the newcomer is an admin)."""

    name: ClassVar[str] = "expel"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MemberJoined):
            return []
        return [
            Remove(
                platform=event.platform, group=event.group, reason="不速之客", member=event.member
            )
        ]


REFUSED = ConnectorError("matrix: Remove in !r:x: M_FORBIDDEN You cannot kick user", permanent=True)


def test_a_refused_action_is_audited_with_the_reason_and_the_operator_told(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine({"expel": ON}, rules=(Expel,), fail={"Remove": REFUSED})
    performed = asyncio.run(feed(engine, joined(1, "admin", name="管理员")))
    (notice,) = performed
    assert isinstance(notice, Notify) and memory.performed == [notice]
    assert "M_FORBIDDEN" in notice.text and "Remove 管理员" in notice.text
    assert "不速之客" in notice.text
    remove, told = audit_rows(community)
    assert (remove.action, remove.rule, remove.outcome, remove.target) == (
        "Remove",
        "expel",
        Outcome.FAILED,
        "admin",
    )
    assert remove.details["error"] == {
        "type": "ConnectorError",
        "message": str(REFUSED),
        "permanent": True,
    }
    assert (told.action, told.outcome, told.reason) == (
        "Notify",
        Outcome.PERFORMED,
        "refused: Remove",
    )


def test_a_passing_failure_is_audited_but_nobody_is_bothered(
    make_engine: MakeEngine, community: Community
) -> None:
    timeout = ConnectorError("timeout", permanent=False)
    engine, memory = make_engine({"expel": ON}, rules=(Expel,), fail={"Remove": timeout})
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []
    assert memory.performed == []
    (row,) = audit_rows(community)
    assert (row.action, row.outcome) == ("Remove", Outcome.FAILED)


def test_when_the_notice_is_refused_too_the_audit_log_keeps_both(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine(
        {"expel": ON}, rules=(Expel,), fail={"Remove": REFUSED, "Notify": REFUSED}
    )
    assert asyncio.run(feed(engine, joined(1, "u1"))) == []
    remove, told = audit_rows(community)
    assert (remove.action, remove.outcome) == ("Remove", Outcome.FAILED)
    assert (told.action, told.outcome) == ("Notify", Outcome.FAILED)
    assert told.details["error"]["permanent"] is True
