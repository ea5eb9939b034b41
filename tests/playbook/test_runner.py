"""``shequn run``: connectors from the store, cursors saved and resumed, clean shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, Event, MessagePosted
from shequn.playbook import actions
from shequn.playbook.live import LiveStore, handle_batch, live_engine
from shequn.playbook.models import ConnectorState, Greeting
from shequn.playbook.runner import Runner, RunnerError
from shequn.playbook.welcome import DEFAULT_TEMPLATE, render
from tests.playbook.conftest import PLATFORM, T0, joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

ROOT = Path(__file__).resolve().parents[2]
CONNECTOR = {"kind": "memory", "name": "bot", "platform": PLATFORM}


@pytest.fixture
def group(community: Community) -> Group:
    settings = {"connector": CONNECTOR, "welcome": {"enabled": True}}
    return Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群", settings=settings
    )


def run_until(runner: Runner, done: Callable[[], bool], steps: int = 500) -> None:
    """Run ``runner`` until ``done()`` holds (or ``steps`` × 10 ms pass), then stop it as
    SIGTERM would."""

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        for _ in range(steps):
            if done():
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())


def memory_of(runner: Runner) -> MemoryConnector:
    [source] = runner.sources
    assert isinstance(source.connector, MemoryConnector)
    return source.connector


def test_runner_saves_the_cursor_and_a_second_runner_resumes_after_it(
    community: Community, group: Group
) -> None:
    stream = [joined(n, f"u{n}") for n in range(1, 4)]
    first = Runner.from_store("w1", interval=0.05)
    memory = memory_of(first)
    memory.feed(*stream)
    run_until(first, lambda: first.handled == 3)
    assert first.handled == 3 and len(memory.performed) == 3
    state = ConnectorState.objects.get(name="bot")
    assert (state.platform, state.cursor) == (PLATFORM, "3")

    second = Runner.from_store("w2", interval=0.05)
    again = memory_of(second)
    assert again.cursor == "3"
    again.feed(*stream, joined(4, "u4"))  # the platform replays from the start, plus one new
    run_until(second, lambda: second.handled == 1)
    assert second.handled == 1
    assert [a.text for a in again.performed] == [
        render(DEFAULT_TEMPLATE, name="成员u4", group="测试群")
    ]
    assert actions.load_cursor("bot") == "4"
    assert Greeting.objects.filter(group=group).count() == 4
    sends = AuditLog.objects.filter(community=community, action="Send", outcome="performed")
    assert sends.count() == 4


def test_shutdown_while_waiting_for_events_saves_the_cursor(group: Group) -> None:
    runner = Runner.from_store("w1", interval=0.05)
    memory_of(runner).feed(joined(1, "u1"))
    run_until(runner, lambda: runner.handled == 1)  # the stream stays open: stop cuts the wait
    assert actions.load_cursor("bot") == "1"


def test_groups_sharing_a_connector_share_one_instance(community: Community, group: Group) -> None:
    Group.objects.create(
        community=community, platform=PLATFORM, external_id="g2", name="二群",
        settings={"connector": CONNECTOR},
    )  # fmt: skip
    Group.objects.create(community=community, platform=PLATFORM, external_id="g3", name="无连接")
    runner = Runner.from_store("w1")
    assert [s.name for s in runner.sources] == ["bot"]
    assert runner.engine_for(community).connectors[PLATFORM] is runner.sources[0].connector


def test_a_connector_in_two_communities_or_of_unknown_kind_is_refused(group: Group) -> None:
    other = Community.objects.create(name="别的社群")
    stray = Group.objects.create(
        community=other, platform=PLATFORM, external_id="x", name="x",
        settings={"connector": CONNECTOR},
    )  # fmt: skip
    with pytest.raises(RunnerError, match="two communities"):
        Runner.from_store("w1")
    stray.settings = {"connector": {"kind": "carrier-pigeon"}}
    stray.save()
    with pytest.raises(RunnerError, match="unknown platform 'carrier-pigeon'"):
        Runner.from_store("w1")


def test_without_connectors_the_runner_runs_the_scheduler_only(community: Community) -> None:
    runner = Runner.from_store("w1", interval=0.01)
    assert runner.sources == []
    run_until(runner, lambda: True)
    assert runner.handled == 0


def test_shequn_run_exits_0_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SHEQUN_DATA_DIR": str(tmp_path),
        "SHEQUN_DATABASE_URL": f"sqlite:///{tmp_path / 'engine.sqlite3'}",
    }
    cli = [sys.executable, "-m", "shequn.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, timeout=120)
    proc = subprocess.Popen(
        [*cli, "run", "--interval", "0.1"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()  # printed once the signal handlers are in place
        assert "scheduler only" in ready, ready + proc.stderr.read() if proc.stderr else ready
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped, cursors saved" in out


def test_sync_to_async_is_what_the_runner_uses(group: Group) -> None:
    """The runner reads the store from the loop through sync_to_async, as ``serve`` does."""

    async def build() -> Runner:
        try:
            return await sync_to_async(Runner.from_store)("w1")
        finally:
            await sync_to_async(connections.close_all)()

    assert [s.name for s in asyncio.run(build()).sources] == ["bot"]


def test_events_ready_together_are_handled_in_rounds_each_seeing_the_ones_before(
    community: Community, group: Group
) -> None:
    """Ten joins queued at once: stored in order, and a member joining twice is greeted once."""
    runner = Runner.from_store("w1", interval=0.05)
    rounds: list[int] = []
    runner.observe = lambda events: rounds.append(len(events))
    stream = [joined(n, f"u{n % 5}") for n in range(1, 11)]
    memory_of(runner).feed(*stream)
    run_until(runner, lambda: runner.handled == 10)
    assert len(rounds) < 10 and sum(rounds) == 10  # several events per database round
    assert sorted(a.text for a in memory_of(runner).performed) == sorted(
        render(DEFAULT_TEMPLATE, name=f"成员u{n}", group="测试群") for n in range(5)
    )
    assert Greeting.objects.filter(group=group).count() == 5
    assert actions.load_cursor("bot") == "10"


def test_a_round_that_fails_in_the_store_stops_that_connector_without_saving_past_it(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shequn.playbook import live

    runner = Runner.from_store("w1", interval=0.05)
    memory_of(runner).feed(joined(1, "u1"))
    run_until(runner, lambda: runner.handled == 1)

    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    again = Runner.from_store("w2", interval=0.05)
    monkeypatch.setattr(live.LiveStore, "store", broken)
    memory_of(again).feed(joined(1, "u1"), joined(2, "u2"))
    run_until(again, lambda: False, steps=50)  # the pump stops; the runner runs on until told
    assert again.handled == 0
    assert actions.load_cursor("bot") == "1"  # u2's join will be read again next time


def said(n: int, who: str) -> MessagePosted:
    """Message ``m<n>`` of ``who`` in g1, ``n`` minutes after T0."""
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{n}", at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=f"成员{who}"), text=f"第{n}条",
    )  # fmt: skip


def test_a_rule_asking_the_store_sees_every_message_before_its_event(group: Group) -> None:
    """Message rows wait in the live ingest, but never where a rule could miss them."""
    live = LiveStore(group.community)
    with transaction.atomic():
        for event in (joined(1, "u1"), said(2, "u1"), said(3, "u1")):
            assert live.store(event)
        assert Message.objects.count() == 0  # held back, so far
        found = live.state(said(3, "u1"))
        assert found is not None
        state = found[1]
        assert state.name == "测试群" and Message.objects.count() == 0  # no query yet
        assert state.message_count("u1", None, T0 + timedelta(hours=1)) == 2
    assert Message.objects.count() == 2


def test_a_round_tripped_by_an_account_made_elsewhere_is_planned_again(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    """An import creates a member the live directory has not seen: the round is retried."""
    live = LiveStore(group.community)
    engine = live_engine(group.community, live)
    memory = MemoryConnector(platform=PLATFORM)
    engine.connectors[PLATFORM] = memory

    async def handle(*events: Event) -> int:
        try:
            return await handle_batch(live, engine, events)
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(handle(joined(1, "u1"))) == 1
    ingest([joined(2, "u2")], group.community)  # another process, say `shequn import`
    assert asyncio.run(handle(said(3, "u1"), joined(4, "u2"), said(5, "u2"))) == 1
    assert "retrying it once" in caplog.text
    assert Greeting.objects.filter(group=group).count() == 2
    assert Message.objects.filter(group=group).count() == 2
    sends = AuditLog.objects.filter(community=group.community, action="Send")
    assert sends.count() == 2


def test_the_cursor_is_saved_with_the_round(group: Group) -> None:
    """A round without actions commits its events and the cursor in one transaction."""
    runner = Runner.from_store("w1", interval=0.05)
    memory_of(runner).feed(joined(1, "u1"), said(2, "u1"), said(3, "u1"))
    run_until(runner, lambda: runner.handled == 3)
    assert actions.load_cursor("bot") == "3"
    assert Message.objects.count() == 2


def test_sqlites_log_is_checkpointed_beside_the_engine(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second connection copies the write-ahead log back while the engine writes on."""
    from django.db import connection

    from shequn.playbook import wal

    ingest([joined(1, "u1"), said(2, "u1")], group.community)
    results: list[tuple[int, int, int]] = []

    def checkpoint(conn: Any) -> int:
        results.append(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        return int(results[-1][1])

    monkeypatch.setattr(wal, "_checkpoint", checkpoint)

    def autocheckpoint() -> int:
        if connection.vendor != "sqlite":
            return -1
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            return int(cursor.fetchone()[0])

    during: list[int] = []

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(wal.checkpoint_while(stop))
        await asyncio.sleep(wal.EVERY * 2.5)
        during.append(await sync_to_async(autocheckpoint)())
        stop.set()
        await asyncio.wait_for(task, 5)
        during.append(await sync_to_async(autocheckpoint)())  # the engine's thread, as above

    asyncio.run(go())
    if connection.vendor != "sqlite":
        assert results == [] and during == [-1, -1]  # PostgreSQL checkpoints by itself
        return
    assert results, "no checkpoint ran"
    # Meanwhile the engine's own connection leaves checkpoints to that one (a checkpoint
    # inside the engine's commit, with its syncs, was what stalled live rounds), and
    # checkpoints by itself again afterwards.
    assert during == [wal.HANDED_OVER, wal.DEFAULT_AUTOCHECKPOINT]
    busy, frames, copied = results[0]
    assert busy == 0 and frames > 0 and copied == frames
