"""Switching on a rule that acts on a schedule plans its first job: no hand start needed."""

from __future__ import annotations

import pytest

from shequn.community.actions import get_or_create_community
from shequn.community.models import Community, Group
from shequn.playbook.actions import set_rule_settings
from shequn.playbook.elimination import Elimination, EliminationConfig
from shequn.playbook.essence import Essence, EssenceConfig
from shequn.playbook.models import Job

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def group(db: None) -> Group:
    community: Community = get_or_create_community("定时社群")
    return Group.objects.create(community=community, platform="matrix", external_id="!g")


def pending(kind: str) -> list[Job]:
    return list(Job.objects.filter(kind=kind, state=Job.State.PENDING))


def test_elimination_switched_on_plans_its_daily_sweep(group: Group) -> None:
    set_rule_settings(group, Elimination, EliminationConfig(), user=None, by="test")
    assert pending("eliminate") == []  # saved but off: nothing runs
    set_rule_settings(group, Elimination, EliminationConfig(enabled=True), user=None, by="test")
    set_rule_settings(
        group, Elimination, EliminationConfig(enabled=True, grace_days=5), user=None, by="test"
    )
    jobs = pending("eliminate")
    assert len(jobs) == 1 and jobs[0].payload["daily"] is True  # saved twice, planned once


def test_digest_switched_on_plans_the_next_post(group: Group) -> None:
    set_rule_settings(group, Essence, EssenceConfig(enabled=True), user=None, by="test")
    assert pending("digest") == []
    set_rule_settings(group, Essence, EssenceConfig(digest=True), user=None, by="test")
    assert len(pending("digest")) == 1
