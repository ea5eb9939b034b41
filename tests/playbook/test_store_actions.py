"""Archive edits a rule decides (SetTier, AddTag) are done by the store on every platform."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

from shequn.community.models import Account, AuditLog, Community
from shequn.events import Action, AddTag, Event, MemberJoined, SetTier
from shequn.playbook.rules import GroupState
from shequn.playbook.testing import feed
from tests.playbook.conftest import MakeEngine, audit_rows, joined
from tests.playbook.rule_kit import KitRule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

Outcome = AuditLog.Outcome


class Promote(KitRule):
    """Gives every newcomer a tier and a tag; "u9" gets a tier the archive does not know."""

    name: ClassVar[str] = "promote"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MemberJoined):
            return []
        where = {"platform": event.platform, "group": event.group, "rule": self.name}
        tier = "legend" if event.member.id == "u9" else "mid"
        return [
            SetTier(**where, reason="joined", member=event.member, tier=tier),
            AddTag(**where, reason="joined", member=event.member, tag="新人"),
        ]


def test_tier_and_tag_are_written_to_the_archive(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine({"promote": {"enabled": True}}, rules=(Promote,))
    performed = asyncio.run(feed(engine, joined(1, "u1")))
    assert [type(a) for a in performed] == [SetTier, AddTag]
    assert memory.performed == []  # the platform was never asked
    person = Account.objects.get(community=community, external_id="u1").person
    assert person.tier == "mid"
    assert list(person.tags.values_list("name", flat=True)) == ["新人"]
    rows = [r for r in audit_rows(community) if r.rule == "promote"]
    # Each decision is audited, and so is the archive edit it made (with the rule as author).
    assert [(r.action, r.outcome, r.details.get("via")) for r in rows] == [
        ("person.update", Outcome.PERFORMED, None),
        ("SetTier", Outcome.PERFORMED, "store"),
        ("person.update", Outcome.PERFORMED, None),
        ("AddTag", Outcome.PERFORMED, "store"),
    ]


def test_a_bad_tier_fails_alone_and_names_the_value(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _memory = make_engine({"promote": {"enabled": True}}, rules=(Promote,))
    performed = asyncio.run(feed(engine, joined(1, "u9")))
    assert [type(a) for a in performed] == [AddTag]
    person = Account.objects.get(community=community, external_id="u9").person
    assert person.tier == ""
    failed = [r for r in audit_rows(community) if r.outcome == Outcome.FAILED]
    assert [r.action for r in failed] == ["SetTier"]
    assert "legend" in failed[0].details["error"]["message"]


def test_dry_run_changes_nothing(make_engine: MakeEngine, community: Community) -> None:
    engine, _memory = make_engine({"promote": {"enabled": True, "dry_run": True}}, rules=(Promote,))
    asyncio.run(feed(engine, joined(1, "u1")))
    person = Account.objects.get(community=community, external_id="u1").person
    assert (person.tier, person.tags.count()) == ("", 0)
