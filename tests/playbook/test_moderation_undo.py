"""Undoing moderation steps: strikes withdrawn, the blacklist lifted, each step reversed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.community.actions import audit
from shequn.community.models import Community, Group
from shequn.events import Actor, Mute, Notify
from shequn.playbook.moderation.undo import undo
from shequn.playbook.state import StoreState
from tests.playbook.conftest import PLATFORM, MakeEngine, audit_rows, joined
from tests.playbook.moderation_kit import (
    AD,
    ladder_rows,
    moderation,
    names,
    run,
    said,
    second_group,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


# --- undo ---------------------------------------------------------------------------------


def test_undo_withdraws_strikes_and_lifts_the_blacklist(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine(moderation())
    second_group(community)
    run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"), said(3, "u1", AD + "?"))
    state = StoreState(Group.objects.get(external_id="g1"))
    assert state.strikes("moderation", "u1") == 3
    assert state.blacklisted("moderation", "u1")
    for row in ladder_rows(community):
        step = undo(row, by="operator:admin")
        assert step is not None
        audit(
            community, step.label, rule="operator:admin", group=row.group, target=row.target,
            details=step.details(),
        )  # fmt: skip
    assert state.strikes("moderation", "u1") == 0
    assert not state.blacklisted("moderation", "u1")
    assert run(engine, joined(4, "u1", group="g2")) == []
    # The next ad starts the ladder again.
    assert names(run(engine, said(5, "u1", AD + "。"))) == ["Delete", "Warn"]


def test_undo_of_each_step(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine(moderation())
    run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"), said(3, "u1", AD + "?"))
    by_action = {r.action: r for r in audit_rows(community)}
    warn = undo(by_action["Warn"])
    assert warn is not None and warn.action is None and warn.label == "withdraw"
    mute = undo(by_action["Mute"], by="operator:admin")
    assert mute is not None and mute.label == "unmute"
    assert mute.action == Mute(
        platform=PLATFORM, group="g1", rule="operator:admin",
        reason=f"undo of audit entry #{by_action['Mute'].pk} (Mute)",
        member=Actor(id="u1", name="成员u1"), duration=timedelta(0),
    )  # fmt: skip
    remove = undo(by_action["Remove"])
    assert remove is not None and remove.label == "readmit"
    assert isinstance(remove.action, Notify) and "成员u1" in remove.action.text
    assert remove.details() == {"undoes": by_action["Remove"].pk, "undo": "readmit"}
    assert undo(by_action["Delete"]) is None  # a deleted message cannot come back


def test_undo_of_dry_run_and_failed_entries() -> None:
    class Entry:
        pk = 7
        action = "Mute"
        outcome = "dry_run"
        target = "u1"
        details = {"action": {"platform": "p", "group": "g", "member": {"id": "u1", "name": ""}}}

    dry = undo(Entry())
    assert dry is not None and dry.action is None and dry.undoes == 7
    Entry.outcome = "failed"
    assert undo(Entry()) is None
    Entry.outcome, Entry.details = "performed", {}
    assert undo(Entry()) is None  # nothing to know the member and group from
