"""Jobs: claimed once across workers, only when due; failures recorded; notify acts and audits."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.utils import timezone

from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.base import ConnectorError
from shequn.connectors.memory import MemoryConnector
from shequn.events import Notify
from shequn.playbook import actions
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job
from shequn.playbook.scheduler import run_due, run_scheduler
from tests.playbook.conftest import PLATFORM

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

State = Job.State


@pytest.fixture
def group(community: Community) -> Group:
    return Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群"
    )


def notify_jobs(group: Group, n: int, minutes_ago: int = 1) -> list[Job]:
    due = timezone.now() - timedelta(minutes=minutes_ago)
    return [actions.enqueue("notify", due, {"text": f"提醒{i}"}, group=group) for i in range(n)]


def run(engine: Engine | None, worker: str = "w1") -> int:
    """Run the due jobs once with ``engine`` acting for every community."""

    async def go() -> int:
        try:
            if engine is None:
                return await run_due(worker)
            return await run_due(worker, lambda community: engine)
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(go())


def test_racing_claims_on_the_conditional_update_never_share_a_job(group: Group) -> None:
    jobs = notify_jobs(group, 4)
    now = timezone.now()
    # Both workers saw the same candidates before either claimed: the race at its worst.
    seen_a, seen_b = actions.due_ids(now, 10), actions.due_ids(now, 10)
    assert seen_a == seen_b == [j.pk for j in jobs]
    won_a = [pk for pk in seen_a[::2] if actions.try_claim(pk, "a", now)]
    won_b = [pk for pk in seen_b if actions.try_claim(pk, "b", now)]
    won_a += [pk for pk in seen_a[1::2] if actions.try_claim(pk, "a", now)]
    assert sorted(won_a + won_b) == [j.pk for j in jobs]
    assert not set(won_a) & set(won_b)
    assert won_a == [jobs[0].pk, jobs[2].pk]
    claimed = dict(Job.objects.values_list("pk", "claimed_by"))
    assert all(claimed[pk] == "a" for pk in won_a) and all(claimed[pk] == "b" for pk in won_b)
    assert actions.claim_due("c", now, 10) == []


def test_two_threads_claiming_together_never_both_get_a_job(group: Group) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database; SQLite serialises them")
    notify_jobs(group, 30)
    now = timezone.now()
    start = threading.Barrier(2)
    results: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        try:
            start.wait()
            results[name] = [j.pk for j in actions.claim_due(name, now, 30)]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(results["a"]) & set(results["b"])
    assert len(results["a"]) + len(results["b"]) == 30


def test_jobs_not_yet_due_are_not_claimed(group: Group) -> None:
    later = actions.enqueue("notify", timezone.now() + timedelta(hours=1), {"text": "later"}, group)
    due = notify_jobs(group, 1)[0]
    claimed = actions.claim_due("w1", timezone.now(), 10)
    assert [j.pk for j in claimed] == [due.pk]
    later.refresh_from_db()
    assert later.state == State.PENDING and later.claimed_by == ""


def test_notify_job_acts_through_the_connector_and_is_audited(
    community: Community, group: Group
) -> None:
    job = notify_jobs(group, 1)[0]
    memory = MemoryConnector(platform=PLATFORM)
    assert run(Engine(community, [memory])) == 1
    job.refresh_from_db()
    assert (job.state, job.claimed_by, job.attempts) == (State.DONE, "w1", 0)
    assert memory.performed == [
        Notify(platform=PLATFORM, group="g1", rule="job:notify", reason="scheduled", text="提醒0")
    ]
    entry = AuditLog.objects.get(community=community, action="Notify")
    assert (entry.rule, entry.outcome, entry.group) == ("job:notify", "performed", group)
    assert entry.details["event_id"] == f"job:{job.pk}"


def test_a_failing_job_is_tried_again_later_with_the_error_kept(
    community: Community, group: Group
) -> None:
    refused = notify_jobs(group, 1)[0]
    memory = MemoryConnector(platform=PLATFORM, fail={"Notify": ConnectorError("bot muted")})
    before = timezone.now()
    run(Engine(community, [memory]))
    refused.refresh_from_db()
    assert (refused.state, refused.attempts) == (State.PENDING, 1)
    assert refused.last_error == "ConnectorError: bot muted"
    assert refused.due_at >= before + actions.BACKOFF
    entry = AuditLog.objects.get(community=community, action="Notify")
    assert entry.outcome == "failed" and entry.details["error"]["message"] == "bot muted"
    assert run(Engine(community, [memory])) == 0  # not due again yet


def test_unknown_kinds_and_missing_connectors_fail_without_stopping_the_rest(
    group: Group,
) -> None:
    past = timezone.now() - timedelta(minutes=1)
    odd = actions.enqueue("carrier-pigeon", past, {}, group)
    homeless = notify_jobs(group, 1)[0]
    assert run(None) == 2  # no engine given: a bare one, without connectors
    odd.refresh_from_db()
    homeless.refresh_from_db()
    assert odd.state == State.FAILED and "unknown job kind 'carrier-pigeon'" in odd.last_error
    assert homeless.state == State.FAILED and "no connector for test" in homeless.last_error


def test_the_scheduler_loop_runs_due_jobs_until_stopped(community: Community, group: Group) -> None:
    job = notify_jobs(group, 1)[0]
    memory = MemoryConnector(platform=PLATFORM)
    engine = Engine(community, [memory])

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(run_scheduler(stop, "w1", 0.01, lambda c: engine))
        try:
            for _ in range(500):
                if memory.performed:
                    break
                await asyncio.sleep(0.01)
        finally:
            stop.set()
            await asyncio.wait_for(loop, 5)
            await sync_to_async(connections.close_all)()

    asyncio.run(go())
    job.refresh_from_db()
    assert job.state == State.DONE and len(memory.performed) == 1
