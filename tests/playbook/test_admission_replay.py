"""Replaying the admission rule over stored history gives the decisions it made live."""

from __future__ import annotations

import pytest

from shequn.chat.ingest import ingest
from shequn.community.admission_actions import create_invite_code
from shequn.community.models import Account, AdmissionRequest, AuditLog, Community, Group
from shequn.events import Event
from shequn.playbook.replay import replay
from tests.playbook.test_admission_kit import RULES, admission, invited, joined, left, removed, said
from tests.playbook.test_replay import live_decisions, replayed, run_live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def test_codes_questions_cap_and_waiting_list_replay_as_lived(community: Community) -> None:
    ingest([joined(0, "owner", group="g0")], community)
    owner = Account.objects.get(external_id="owner").person
    code = create_invite_code(owner, user=None, by="test").code
    events: list[Event] = [
        joined(1, "u1"),  # no referral: waits
        said(2, "u1", f"code {code}"),  # referred by code; the question is still open
        said(3, "u1", "上海"),  # answered: admitted by code+questions
        invited(4, "u2", by="u1"),  # referred by a member
        said(5, "u2", "北京"),
        invited(6, "u3", by="u1"),
        invited(7, "u4", by="u1"),  # over the cap of 3: waitlisted, removed
        removed(8, "u4"),
        left(9, "u2"),  # a seat frees: u4 is told
        joined(10, "u4"),  # and comes back
        said(11, "u3", "广州"),
    ]
    on = admission(referral=True, questions=["你在哪个城市？"], capacity=3)
    run_live(community, {"g1": on}, events, "test", rules=RULES)
    group = Group.objects.get(external_id="g1")
    live = live_decisions(community, group)
    stored = (AdmissionRequest.objects.count(), AuditLog.objects.count())
    result = replay(group, on, rules=RULES, keep=True)
    assert replayed(result.decisions) == live
    assert stored == (AdmissionRequest.objects.count(), AuditLog.objects.count())
    admitted = [(who, reason) for _r, action, who, reason in live if action == "Admit"]
    assert [who for who, _ in admitted] == ["u1", "u2", "u4", "u3"]
    paths = dict(
        AdmissionRequest.objects.filter(status="admitted").values_list(
            "account__external_id", "path"
        )
    )
    assert paths == {
        "u1": "code+questions",
        "u2": "referral+questions",
        "u3": "referral+questions",
        "u4": "waitlist",
    }
    assert ("admission", "Remove", "u4") in {row[:3] for row in live}


def test_dry_run_replays_as_lived(community: Community) -> None:
    events: list[Event] = [joined(1, "u1"), joined(2, "u2"), said(3, "u2", "hi"), left(4, "u1")]
    on = admission(dry_run=True, capacity=1, questions=["Why?"])
    run_live(community, {"g1": on}, events, "test", rules=RULES)
    group = Group.objects.get(external_id="g1")
    live = live_decisions(community, group)
    assert replayed(replay(group, on, rules=RULES, keep=True).decisions) == live
    assert {row[1] for row in live} == {"QueueAdmission", "Warn", "Notify", "Remove"}
    assert AdmissionRequest.objects.count() == 0
