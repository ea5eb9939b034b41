"""Columns in the scheduler: local time across DST, restarts, hosts, dry queues, summaries."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.utils.translation import gettext as _

from shequn.chat.ingest import ingest
from shequn.community.models import AuditLog, Community, Group
from shequn.playbook.columns import LATE_GRACE
from shequn.playbook.columns_actions import ColumnError, update_column
from shequn.playbook.columns_summary import engagement
from shequn.playbook.models import ColumnPost, Job
from tests.playbook import test_columns_kit as kit
from tests.playbook.test_columns_kit import (
    ZONE,
    Clock,
    account,
    engine_for,
    make_column,
    notices,
    run,
    said,
    sends,
)

clock, ny_group = kit.clock, kit.ny_group  # the kit's fixtures, used here
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

Status = ColumnPost.Status
NY = ZoneInfo(ZONE)


def local(at: datetime) -> str:
    return at.astimezone(NY).strftime("%m-%d %H:%M")


def test_posts_at_8_local_across_the_spring_forward(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    column = make_column(ny_group)
    engine, memory = engine_for(community)
    posted_at: list[str] = []
    # Friday 09:00 to Tuesday, every half hour: 08:00 EST is 13:00 UTC, 08:00 EDT 12:00 UTC.
    for _step in range(48 * 4):
        clock.tick(minutes=30)
        before = len(sends(memory))
        run(engine)
        if len(sends(memory)) > before:
            posted_at.append(local(clock.at))
    assert posted_at == ["03-07 08:00", "03-08 08:00", "03-09 08:00", "03-10 08:00"]
    slots = ColumnPost.objects.filter(column=column, status=Status.POSTED).order_by("slot_at")
    assert [s.slot_at.astimezone(UTC).hour for s in slots] == [13, 12, 12, 12]
    assert sends(memory) == [f"【晨报】\n第{n}期内容" for n in range(1, 5)]
    reminders = [t for t in sends(memory, "") if not t.startswith("【晨报】")]
    assert [t.count(" 08:00") for t in reminders] == [1, 1, 1, 1]
    assert AuditLog.objects.filter(rule="column", action="Send", outcome="performed").count() >= 8


def test_fall_back_posts_the_repeated_hour_once(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    make_column(ny_group, schedule="30 1 * * *", remind_minutes=0)
    engine, memory = engine_for(community)
    for _step in range(4 * 24 * 2):  # two days, every quarter of an hour
        clock.tick(minutes=15)
        run(engine)
    slots = ColumnPost.objects.filter(status=Status.POSTED).order_by("slot_at")
    assert [local(s.slot_at) for s in slots] == ["11-01 01:30", "11-02 01:30"]
    assert len(sends(memory)) == 2


def test_a_restart_neither_skips_nor_doubles(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    make_column(ny_group, remind_minutes=0)
    engine, memory = engine_for(community)
    clock.set(datetime(2026, 3, 7, 13, 0, tzinfo=UTC))  # Saturday 08:00 EST
    run(engine, "first")
    assert len(sends(memory)) == 1
    # The engine is down over Sunday's slot (12:00 UTC) and comes back 40 minutes late.
    clock.set(datetime(2026, 3, 8, 12, 40, tzinfo=UTC))
    engine2, memory2 = engine_for(community)
    run(engine2, "second")
    run(engine2, "second")
    assert sends(memory2) == ["【晨报】\n第2期内容"]
    late = ColumnPost.objects.get(slot_at=datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert (late.status, late.posted_at, late.claimed_by) == (
        Status.POSTED,
        clock.at,
        "second",
    )
    # Down again, past Monday's slot by more than the grace: skipped, the operators told.
    clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=UTC) + LATE_GRACE + timedelta(minutes=5))
    engine3, memory3 = engine_for(community)
    run(engine3, "third")
    assert sends(memory3) == []
    assert len(notices(memory3)) == 1 and "03-09 08:00" in notices(memory3)[0]
    skipped = ColumnPost.objects.get(slot_at=datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert skipped.status == Status.SKIPPED and "65" in skipped.note
    # The chain goes on: Tuesday's slot is pending, with the unused third text.
    pending = ColumnPost.objects.get(status=Status.PENDING)
    assert local(pending.slot_at) == "03-10 08:00"
    clock.set(pending.slot_at)
    run(engine3, "third")
    assert sends(memory3) == ["【晨报】\n第3期内容"]


def test_a_post_cut_off_mid_send_is_not_posted_twice(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    column = make_column(ny_group, remind_minutes=0)
    post = ColumnPost.objects.get(column=column)
    # An engine claimed the slot and died before recording the outcome.
    ColumnPost.objects.filter(pk=post.pk).update(status=Status.POSTING, claimed_by="dead")
    clock.set(post.slot_at + timedelta(minutes=1))
    engine, memory = engine_for(community)
    run(engine)
    post.refresh_from_db()
    assert post.status == Status.FAILED
    assert post.note == _("the engine stopped while posting; check whether it went out")
    assert sends(memory) == [] and len(notices(memory)) == 1
    assert ColumnPost.objects.filter(status=Status.PENDING).count() == 1


def test_two_jobs_for_one_slot_post_it_once(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    column = make_column(ny_group, remind_minutes=0)
    post = ColumnPost.objects.get(column=column)
    job = Job.objects.get(kind="column_post")
    Job.objects.create(kind="column_post", due_at=job.due_at, payload=job.payload, group=ny_group)
    clock.set(post.slot_at)
    engine, memory = engine_for(community)
    run(engine, "a")
    assert sends(memory) == ["【晨报】\n第1期内容"]
    assert Job.objects.filter(kind="column_post", state="done").count() == 2


def test_queue_running_dry_warns_the_operator_a_day_ahead(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    make_column(ny_group, texts=1, remind_minutes=0)
    engine, memory = engine_for(community)
    clock.set(datetime(2026, 3, 7, 13, 0, tzinfo=UTC))
    run(engine)
    assert len(sends(memory)) == 1 and notices(memory) == []
    # The next slot is Sunday 08:00 EDT, 23 hours away (spring forward): the warning is
    # due at once, after the few minutes' grace an operator has to fill the queue.
    clock.set(datetime(2026, 3, 7, 13, 5, tzinfo=UTC))
    run(engine)
    assert notices(memory) == []
    clock.set(datetime(2026, 3, 7, 13, 10, tzinfo=UTC))
    run(engine)
    (warning,) = notices(memory)
    assert "晨报" in warning and "03-08 08:00" in warning
    run(engine)
    assert len(notices(memory)) == 1  # once
    clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    run(engine)
    assert len(sends(memory)) == 1 and len(notices(memory)) == 2  # the slot skipped, told
    skipped = ColumnPost.objects.get(slot_at=datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert (skipped.status, skipped.note) == (Status.SKIPPED, _("queue empty"))


def test_hosts_rotate_and_are_reminded_then_announced(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    hosts = [account("h1").pk, account("h2").pk]
    make_column(ny_group, host_ids=hosts, remind_minutes=30)
    engine, memory = engine_for(community)
    for day in (7, 8, 9):
        post = ColumnPost.objects.get(status=Status.PENDING)
        clock.set(post.slot_at - timedelta(minutes=30))
        run(engine)
        clock.set(post.slot_at)
        run(engine)
        assert post.slot_at.astimezone(NY).day == day
    texts = sends(memory, "")
    reminders = [t for t in texts if not t.startswith("【晨报】")]
    posts = sends(memory)
    assert [("成员h1" in t, "成员h2" in t) for t in reminders] == [(1, 0), (0, 1), (1, 0)]
    assert [("成员h1" in t, "成员h2" in t) for t in posts] == [(1, 0), (0, 1), (1, 0)]
    hosted = ColumnPost.objects.filter(status=Status.POSTED).order_by("slot_at")
    assert [p.host.external_id if p.host else "" for p in hosted] == ["h1", "h2", "h1"]


def test_summary_names_speakers_counts_replies_and_tops(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    column = make_column(ny_group, remind_minutes=0, window_hours=2)
    engine, memory = engine_for(community)
    post = ColumnPost.objects.get(status=Status.PENDING)
    clock.set(post.slot_at)
    run(engine)
    at = post.slot_at
    text = sends(memory)[0]
    ingest(
        [
            said("p", "bot", at + timedelta(seconds=2), text),
            said("a", "u1", at + timedelta(minutes=5), "好问题，我先说", reply_to="p"),
            said("b", "u2", at + timedelta(minutes=6), "同意楼上", reply_to="a"),
            said("c", "u3", at + timedelta(minutes=7), "补充一点", reply_to="a"),
            said("d", "u2", at + timedelta(minutes=8), "回复帖子", reply_to="p"),
            said("e", "bot", at + timedelta(minutes=9), "机器人的话"),
            said("f", "u1", at + timedelta(hours=3), "窗口之外"),
        ],
        community,
    )
    clock.set(at + timedelta(hours=2))
    run(engine)
    summaries = sends(memory, "【晨报】小结")
    assert len(summaries) == 1
    summary = summaries[0]
    assert "成员u2、成员u1、成员u3" in summary  # most messages first
    assert "成员u1: 好问题，我先说 (2)" in summary
    post.refresh_from_db()
    assert post.summary["messages"] == 4 and post.summary["replies"] == 2
    assert post.message_id == "p" and "窗口之外" not in summary and "机器人" not in summary
    (turnout,) = engagement(column)
    assert (turnout.speakers, turnout.messages) == (3, 4)
    assert [t.speakers for t in engagement(column, hours=4)] == [3]
    assert engagement(column, hours=4)[0].messages == 5


def test_changing_the_schedule_replans_and_bad_input_names_the_field(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    column = make_column(ny_group)
    with pytest.raises(ColumnError, match="remind_minutes: expected 0"):
        update_column(column, {"remind_minutes": -5})
    with pytest.raises(ColumnError) as bad:
        update_column(column, {"schedule": "every wednesday"})
    assert bad.value.field == "schedule" and "five-field" in bad.value.message
    with pytest.raises(ColumnError) as host:
        update_column(column, {"host_ids": [999999]})
    assert host.value.field == "host_ids"
    update_column(column, {"schedule": "0 19 * * 3"})
    pending = ColumnPost.objects.get(status=Status.PENDING)
    assert local(pending.slot_at) == "03-11 19:00"
    assert ColumnPost.objects.filter(status=Status.CANCELLED).count() == 1
    update_column(column, {"enabled": False})
    assert not ColumnPost.objects.filter(status=Status.PENDING).exists()
    engine, memory = engine_for(community)
    clock.set(pending.slot_at)
    run(engine)
    assert sends(memory) == []


def test_two_schedulers_racing_post_a_slot_once(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database; SQLite serialises them")
    make_column(ny_group, remind_minutes=0)
    post = ColumnPost.objects.get(status=Status.PENDING)
    job = Job.objects.get(kind="column_post")
    for _copy in range(3):  # duplicate jobs too, so both schedulers have one to claim
        Job.objects.create(kind="column_post", due_at=job.due_at, payload=job.payload)
    clock.set(post.slot_at)
    start = threading.Barrier(2)
    memories = {}

    def scheduler(name: str) -> None:
        engine, memories[name] = engine_for(community)
        start.wait()
        try:
            run(engine, name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(sends(m)) for m in memories.values()) == 1
    post.refresh_from_db()
    assert post.status == Status.POSTED
    assert Job.objects.filter(kind="column_post", state="done").count() == 4


def test_a_warning_for_a_far_slot_waits_until_a_day_before(
    clock: Clock, ny_group: Group, community: Community
) -> None:
    make_column(ny_group, texts=0, schedule="0 19 * * 3", remind_minutes=0)  # Wed 03-11 19:00
    engine, memory = engine_for(community)
    clock.set(datetime(2026, 3, 10, 22, 59, tzinfo=UTC))  # Tue 18:59 EDT
    run(engine)
    assert notices(memory) == []
    clock.tick(minutes=1)
    run(engine)
    assert len(notices(memory)) == 1 and "03-11 19:00" in notices(memory)[0]
