"""Jobs that fail are tried again later, then given up; jobs of a dead engine are taken back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.base import ConnectorError
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, Mute
from shequn.playbook import actions
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.models import Job
from shequn.playbook.scheduler import run_due

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

State = Job.State
PLATFORM = "test"


@pytest.fixture
def group(community: Community) -> Group:
    return Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群"
    )


def run(engine: Engine, worker: str = "w1") -> int:
    async def go() -> int:
        try:
            return await run_due(worker, lambda community: engine)
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(go())


def carry(engine: Engine, group: Group, item: Planned) -> None:
    """Have the engine carry out one planned action, as after a rule returned it."""

    async def go() -> None:
        try:
            await engine.carry_out(group, item)
        finally:
            await sync_to_async(connections.close_all)()

    asyncio.run(go())


def make_due(job: Job) -> None:
    """Time passes: the job's next try is due now."""
    Job.objects.filter(pk=job.pk).update(due_at=timezone.now() - timedelta(seconds=1))


def test_backoff_doubles_and_the_job_fails_after_its_last_try(
    community: Community, group: Group
) -> None:
    job = actions.enqueue("notify", timezone.now(), {"text": "提醒"}, group)
    memory = MemoryConnector(platform=PLATFORM, fail={"Notify": ConnectorError("timeout")})
    engine = Engine(community, [memory])
    waits = []
    for attempt in range(1, actions.MAX_ATTEMPTS + 1):
        make_due(job)
        before = timezone.now()
        assert run(engine) == 1
        after = timezone.now()
        job.refresh_from_db()
        assert job.attempts == attempt
        if attempt < actions.MAX_ATTEMPTS:
            wait = actions.backoff(attempt)
            assert job.state == State.PENDING
            assert before + wait <= job.due_at <= after + wait
            waits.append(wait)
    assert job.state == State.FAILED and job.last_error == "ConnectorError: timeout"
    assert waits == [timedelta(seconds=30 * 2**n) for n in range(actions.MAX_ATTEMPTS - 1)]
    tries = AuditLog.objects.filter(community=community, action="Notify")
    assert [t.details["attempt"] for t in tries.order_by("pk")] == [1, 2, 3, 4, 5]
    make_due(job)
    assert run(engine) == 0  # failed for good: never claimed again


def test_backoff_is_capped() -> None:
    assert actions.backoff(1) == actions.BACKOFF
    assert actions.backoff(30) == actions.MAX_BACKOFF


def test_a_permanent_refusal_is_not_tried_again(community: Community, group: Group) -> None:
    job = actions.enqueue("notify", timezone.now(), {"text": "提醒"}, group)
    refusal = ConnectorError("M_FORBIDDEN", permanent=True)
    run(Engine(community, [MemoryConnector(platform=PLATFORM, fail={"Notify": refusal})]))
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.FAILED, 1)


def claimed_long_ago(group: Group, attempts: int = 0, minutes: int = 60) -> Job:
    """A job an engine claimed ``minutes`` ago and never finished (it died)."""
    job = actions.enqueue("notify", timezone.now(), {"text": "未完成"}, group)
    Job.objects.filter(pk=job.pk).update(
        state=State.RUNNING,
        claimed_by="dead:1",
        claimed_at=timezone.now() - timedelta(minutes=minutes),
        attempts=attempts,
    )
    return job


def test_a_job_left_running_by_a_dead_engine_is_taken_back(
    community: Community, group: Group
) -> None:
    stale = claimed_long_ago(group)
    busy = claimed_long_ago(group, minutes=1)  # within its lease: still someone's
    memory = MemoryConnector(platform=PLATFORM)
    assert run(Engine(community, [memory])) == 0  # taken back, but due after the backoff
    stale.refresh_from_db()
    assert (stale.state, stale.attempts) == (State.PENDING, 1)
    assert "lease expired: claimed by dead:1" in stale.last_error
    make_due(stale)
    assert run(Engine(community, [memory]), worker="w2") == 1
    stale.refresh_from_db()
    busy.refresh_from_db()
    assert (stale.state, stale.claimed_by) == (State.DONE, "w2")
    assert (busy.state, busy.claimed_by) == (State.RUNNING, "dead:1")
    assert [n.text for n in memory.performed] == ["未完成"]


def test_taking_back_is_once_and_gives_up_after_the_last_try(group: Group) -> None:
    stale = claimed_long_ago(group)
    hopeless = claimed_long_ago(group, attempts=actions.MAX_ATTEMPTS - 1)
    now = timezone.now()
    assert sorted(actions.reclaim_stale(now)) == sorted([stale.pk, hopeless.pk])
    assert actions.reclaim_stale(now) == []  # a second engine finds nothing left
    hopeless.refresh_from_db()
    assert (hopeless.state, hopeless.attempts) == (State.FAILED, actions.MAX_ATTEMPTS)


def test_a_performed_mute_is_lifted_by_an_unmute_job(community: Community, group: Group) -> None:
    memory = MemoryConnector(platform=PLATFORM)
    engine = Engine(community, [memory])
    mute = Mute(
        platform=PLATFORM, group="g1", rule="moderation", reason="刷屏",
        member=Actor("u1", "小明"), duration=timedelta(minutes=10),
    )  # fmt: skip
    before = timezone.now()
    item = Planned(rule="moderation", action=mute, dry_run=False, event_id="m1")
    carry(engine, group, item)
    job = Job.objects.get(kind="unmute")
    assert job.group == group
    assert job.payload == {"member": "u1", "name": "小明", "rule": "moderation"}
    assert before + timedelta(minutes=10) <= job.due_at <= timezone.now() + timedelta(minutes=10)
    assert run(engine) == 0  # not yet
    make_due(job)
    assert run(engine) == 1
    lifted = memory.performed[-1]
    assert isinstance(lifted, Mute) and lifted.duration == timedelta(0)
    assert lifted.member.id == "u1"
    entry = AuditLog.objects.get(community=community, action="Unmute")
    assert (entry.outcome, entry.target, entry.rule) == ("performed", "u1", "job:unmute")
    assert "moderation" in entry.reason
    job.refresh_from_db()
    assert job.state == State.DONE


def test_no_unmute_for_a_dry_run_or_failed_mute(community: Community, group: Group) -> None:
    mute = Mute(platform=PLATFORM, group="g1", member=Actor("u1"), duration=timedelta(hours=1))
    refused = MemoryConnector(platform=PLATFORM, fail={"Mute": ConnectorError("nope")})
    engine = Engine(community, [refused])
    carry(engine, group, Planned("r", mute, dry_run=True, event_id="e1"))
    carry(engine, group, Planned("r", mute, dry_run=False, event_id="e2"))
    assert not Job.objects.filter(kind="unmute").exists()
