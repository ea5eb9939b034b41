"""Reward rules: thresholds granted once, clawed back when invitees leave early; purchases."""

from __future__ import annotations

import asyncio

import pytest
from django.utils import timezone

from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Community, Group, OrderStatus, PointsEntry
from shequn.community.points_actions import balance
from shequn.community.reward_actions import claw_back, grant
from shequn.community.reward_models import RewardGrant
from shequn.connectors.memory import MemoryConnector
from shequn.events import LeaveHow, Notify, Send
from shequn.playbook.actions import claim_due
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job
from shequn.playbook.rewards import (
    evaluate,
    invitee_counts,
    purchase_counts,
    schedule_sweep,
    sweep,
)
from shequn.playbook.rewards_board import board, board_text, rule_saved
from shequn.playbook.scheduler import run_job
from tests.playbook.test_rewards_kit import day, invite, join, leave, offer, order, person, rule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


@pytest.fixture
def community(db: None) -> Community:
    return get_or_create_community("水果社群")


def ledger(who: str) -> list[tuple[int, str]]:
    rows = PointsEntry.objects.filter(person=person(who)).order_by("created_at", "pk")
    return [(e.points, e.source) for e in rows]


def test_an_invitee_counts_once_stayed_and_stops_when_leaving_within_the_period(
    community: Community,
) -> None:
    join(community, "inv", 0)
    invite(community, "inv", "a", 0)
    invite(community, "inv", "b", 1)
    invite(community, "inv", "c", 2)
    invite(community, "inv", "quick", 3)
    leave(community, "quick", 5)  # left before staying 7 days: never counts
    r = rule(community)
    assert invitee_counts(r, day(8)) == {person("inv").pk: 2}  # a, b (c joined 6 days ago)
    assert invitee_counts(r, day(10)) == {person("inv").pk: 3}
    leave(community, "b", 15)  # within 30 days of joining
    leave(community, "c", 20, how=LeaveHow.REMOVED)  # removed within 30 days
    assert invitee_counts(r, day(21)) == {person("inv").pk: 1}
    leave(community, "a", 40)  # after the claw-back period: still counts
    assert invitee_counts(r, day(41)) == {person("inv").pk: 1}


def test_a_grant_is_clawed_back_when_invitees_leave_and_granted_anew_when_reached_again(
    community: Community,
) -> None:
    join(community, "inv", 0)
    for n, who in enumerate("abc"):
        invite(community, "inv", who, n)
    r = rule(community)
    first = evaluate(r, day(10))
    assert [(g.person_id, g.step, g.round) for g in first.granted] == [(person("inv").pk, 2, 1)]
    assert ledger("inv") == [(10, "step:2:round:1")]
    leave(community, "b", 15)
    leave(community, "c", 20, how=LeaveHow.REMOVED)
    clawed = evaluate(r, day(21))
    assert clawed.granted == [] and [g.step for g in clawed.clawed_back] == [2]
    assert ledger("inv") == [(10, "step:2:round:1"), (-10, "step:2:round:1:clawback")]
    assert balance(person("inv")) == 0
    again = evaluate(r, day(22))
    assert again.granted == [] and again.clawed_back == []
    invite(community, "inv", "d", 30)
    regained = evaluate(r, day(40))
    assert [(g.step, g.round, g.count) for g in regained.granted] == [(2, 2, 2)]
    assert balance(person("inv")) == 10
    grant = RewardGrant.objects.get()
    assert grant.round == 2 and grant.clawed_back_at is None
    actions = list(AuditLog.objects.filter(rule="rewards").values_list("action", flat=True))
    assert actions == ["reward.grant", "reward.clawback", "reward.grant"]


def test_every_threshold_is_granted_once_however_often_the_sweep_runs(
    community: Community,
) -> None:
    join(community, "inv", 0)
    for n, who in enumerate("abcde"):
        invite(community, "inv", who, n)
    invite(community, "a", "f", 0)  # another inviter with one invitee: below the threshold
    r = rule(community, repeat=True, points=3)
    first = evaluate(r, day(20))
    assert sorted(g.step for g in first.granted) == [2, 4]  # 5 invitees: 2 and 4, not 6
    for _ in range(3):
        later = evaluate(r, day(21))
        assert later.granted == [] and later.clawed_back == []
    assert RewardGrant.objects.count() == 2
    assert balance(person("inv")) == 6 and balance(person("a")) == 0
    assert AuditLog.objects.filter(action="reward.grant").count() == 2
    once = rule(community, name="一次", threshold=3, points=0, gift="礼物")
    assert [g.step for g in evaluate(once, day(20)).granted] == [3]
    assert evaluate(once, day(30)).granted == []
    assert balance(person("inv")) == 6  # a gift-only rule adds no points


def test_referred_purchases_are_paid_orders_naming_the_referrer(community: Community) -> None:
    for who in ("seller", "b1", "b2", "b3", "b4"):
        join(community, who, 0)
    fruit = offer(community)
    order(fruit, "b1", "seller", 1)
    order(fruit, "b2", "seller", 2)
    order(fruit, "b3", "seller", 3)
    order(fruit, "b4", "seller", 4, status=OrderStatus.PENDING)  # not paid: no
    order(fruit, "b4", "seller", 5, status=OrderStatus.REFUNDED)  # refunded: no
    order(fruit, "seller", "seller", 6)  # their own purchase: no
    order(fruit, "b1", None, 7)  # nobody referred it
    order(fruit, "b2", "b1", 8)
    r = rule(community, name="推荐成交", measure="purchases", threshold=3, points=68)
    assert purchase_counts(r) == {person("seller").pk: 3, person("b1").pk: 1}
    assert [g.person_id for g in evaluate(r, day(10)).granted] == [person("seller").pk]
    assert balance(person("seller")) == 68
    fruit.orders.filter(external_id="o1").update(status=OrderStatus.REFUNDED)
    assert [g.step for g in evaluate(r, day(11)).clawed_back] == [3]
    assert balance(person("seller")) == 0


def _engine(community: Community) -> tuple[Engine, MemoryConnector]:
    memory = MemoryConnector(platform="test")
    return Engine(community, [memory]), memory


def test_the_sweep_job_notifies_the_operators_once_and_plans_the_next(
    community: Community,
) -> None:
    join(community, "inv", 0)
    for n, who in enumerate("ab"):
        invite(community, "inv", who, n)
    r = rule(community, notify_group=Group.objects.get(external_id="g1"))
    engine, memory = _engine(community)
    assert schedule_sweep(community, timezone.now()) is not None
    assert schedule_sweep(community, timezone.now()) is not None  # the pending one, not a second
    (job,) = claim_due("w", timezone.now())
    assert asyncio.run(run_job(job, lambda _c: engine))
    (notice,) = memory.performed
    assert isinstance(notice, Notify) and "邀请有礼" in notice.text and "水果小零食" in notice.text
    assert f"#{person('inv').number}" in notice.text
    assert RewardGrant.objects.filter(rule=r).count() == 1
    pending = Job.objects.filter(kind="reward_sweep", state="pending")
    assert pending.count() == 1 and pending.get().due_at > timezone.now()
    Job.objects.filter(pk=pending.get().pk).update(due_at=timezone.now())
    (again,) = claim_due("w", timezone.now())
    assert asyncio.run(run_job(again, lambda _c: engine))
    assert len(memory.performed) == 1  # nothing new: no second notice
    logged = AuditLog.objects.filter(action="Notify", rule="rewards")
    assert logged.count() == 1


def test_a_leaderboard_ranks_by_the_count_and_is_posted_through_the_engine(
    community: Community,
) -> None:
    for who in ("x", "y", "z"):
        join(community, who, 0)
    for n, who in enumerate(["a", "b", "c"]):
        invite(community, "x", who, n)
    for n, who in enumerate(["d", "e"]):
        invite(community, "y", who, n)
    invite(community, "z", "f", 0)
    invite(community, "z", "g", 1)
    group = Group.objects.get(external_id="g1")
    r = rule(community, leaderboard_group=group, leaderboard_at="20:00", leaderboard_top=3)
    rows = [(row.place, row.person.display_name, row.count) for row in board(r, day(30))]
    assert rows == [(1, "成员x", 3), (2, "成员y", 2), (2, "成员z", 2)]  # ties share a rank
    assert board_text(r, day(30)).splitlines()[0] == "「邀请有礼」排行榜"
    r.leaderboard_top = 1
    assert [row.count for row in board(r, day(30))] == [3]
    r.leaderboard_top = 3
    rule_saved(r, timezone.now())
    post = Job.objects.get(kind="reward_leaderboard")
    assert post.group_id == group.pk
    Job.objects.filter(pk=post.pk).update(due_at=timezone.now())
    engine, memory = _engine(community)
    job = next(j for j in claim_due("w", timezone.now()) if j.kind == "reward_leaderboard")
    assert asyncio.run(run_job(job, lambda _c: engine))
    sent = [a for a in memory.performed if isinstance(a, Send)]
    assert len(sent) == 1 and "1. 成员x 3 人" in sent[0].text
    assert Job.objects.filter(kind="reward_leaderboard", state="pending").count() == 1


def test_a_grant_made_meanwhile_by_another_sweep_is_not_made_or_announced_twice(
    community: Community,
) -> None:
    join(community, "inv", 0)
    r = rule(community)
    first = grant(r, person("inv"), 2, 2, day(10))
    assert first is not None and grant(r, person("inv"), 2, 2, day(10)) is None
    assert claw_back(first, 1, day(11)) is not None and claw_back(first, 1, day(11)) is None
    assert ledger("inv") == [(10, "step:2:round:1"), (-10, "step:2:round:1:clawback")]


def test_without_a_notify_group_the_operators_of_the_first_active_group_are_told(
    community: Community,
) -> None:
    join(community, "seller", 0, group="g2")
    join(community, "b1", 0, group="g1")
    join(community, "b2", 0, group="g1")
    fruit = offer(community)
    order(fruit, "b1", "seller", 1)
    order(fruit, "b2", "seller", 2)
    rule(community, measure="purchases", threshold=2, points=0, gift="水果")
    engine, memory = _engine(community)
    assert asyncio.run(sweep(community, engine, timezone.now(), "test")) == 1
    (notice,) = memory.performed
    first = Group.objects.filter(community=community).order_by("pk").first()
    assert isinstance(notice, Notify) and first is not None and notice.group == first.external_id
    assert "推荐成交 2 ≥ 2" in notice.text and "请发放：水果" in notice.text
    assert asyncio.run(sweep(community, engine, timezone.now(), "test")) == 0
