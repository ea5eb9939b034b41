"""The elimination sweep end to end on the store, with a controllable clock.

Notice by direct message (Warn) → grace period → removal (``how=eliminated``);
spared when the member checks in; an appeal when they say something; dry run;
readmission through moderation's undo; the job that schedules itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequn.community.models import AuditLog, Community, Group, Membership
from shequn.connectors.memory import MemoryConnector
from shequn.events import LeaveHow, Notify, Remove, Warn
from shequn.playbook.actions import claim_due
from shequn.playbook.elimination_actions import readmit
from shequn.playbook.elimination_store import current_members, load_policy
from shequn.playbook.engine import Engine
from shequn.playbook.models import EliminationNotice, Job
from shequn.playbook.moderation.undo import UNDOES
from shequn.playbook.scheduler import run_job
from tests.playbook.conftest import audit_rows
from tests.playbook.elimination_kit import NOW, build, days, join, policy, run, say, set_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]
State = EliminationNotice.State


def make(
    community: Community, settings: dict[str, Any] | None = None, **connector: Any
) -> tuple[Group, Engine, MemoryConnector]:
    """u1 silent for 45 days, u2 spoke yesterday, o1 the owner (silent), b1 a bot (silent)."""
    events = [join("u1"), join("u2"), join("o1"), join("b1", bot=True)]
    events += [say("u2", NOW - days(1)), say("u1", NOW - days(45))]
    group, engine, memory = build(community, settings or policy(), events, **connector)
    set_role(group, "o1", "owner")
    return group, engine, memory


def test_a_silent_member_gets_a_notice_then_is_removed_after_the_grace_period(
    community: Community,
) -> None:
    group, engine, memory = make(community, policy())

    report = run(group, engine, NOW)
    assert report.noticed == ["u1"]
    (warn,) = memory.performed
    assert isinstance(warn, Warn) and warn.member.id == "u1" and "45 天未发言" in warn.text
    notice = EliminationNotice.objects.get()
    assert (notice.state, notice.delivered, notice.deadline) == (State.OPEN, True, NOW + days(3))
    assert notice.facts["days_silent"] == 45

    assert run(group, engine, NOW + days(1)).noticed == []  # in grace: nothing new
    assert len(memory.performed) == 1

    report = run(group, engine, NOW + days(3))
    assert report.removed == ["u1"]
    remove = memory.performed[-1]
    assert isinstance(remove, Remove) and remove.how == LeaveHow.ELIMINATED
    notice.refresh_from_db()
    assert notice.state == State.REMOVED and notice.removal is not None
    assert notice.removal.action == "Remove" and notice.removal.outcome == "performed"
    stay = Membership.objects.get(group=group, account__external_id="u1")
    assert stay.left_how == "eliminated" and stay.left_at == NOW + days(3)
    assert [(r.action, r.target) for r in audit_rows(community)] == [
        ("Warn", "u1"),
        ("Remove", "u1"),
    ]
    assert run(group, engine, NOW + days(4)).noticed == []  # gone, the owner and bot never


def test_a_member_who_checks_in_during_grace_is_spared(community: Community) -> None:
    group, engine, memory = make(community, policy())
    run(group, engine, NOW)
    from shequn.chat.ingest import ingest

    ingest([say("u1", NOW + days(1), "今日打卡✅")], community)
    report = run(group, engine, NOW + days(3))
    assert report.resolved == {"u1": "spared"} and report.removed == []
    assert EliminationNotice.objects.get().state == State.SPARED
    assert [type(a) for a in memory.performed] == [Warn]
    assert audit_rows(community)[-1].action == "EliminationSpared"


def test_a_reply_in_the_group_is_an_appeal_and_the_operators_are_told(
    community: Community,
) -> None:
    group, engine, memory = make(community, policy())
    run(group, engine, NOW)
    from shequn.chat.ingest import ingest

    ingest([say("u1", NOW + days(2), "我最近出差，请别踢我<b>")], community)
    report = run(group, engine, NOW + days(2.5))
    assert report.resolved == {"u1": "appealed"}
    notice = EliminationNotice.objects.get()
    assert notice.state == State.APPEALED and notice.appeal_text == "我最近出差，请别踢我<b>"
    notify = memory.performed[-1]
    assert isinstance(notify, Notify) and "我最近出差" in notify.text
    actions = [r.action for r in audit_rows(community)]
    assert actions == ["Warn", "EliminationAppeal", "Notify"]
    assert run(group, engine, NOW + days(5)).removed == []


def test_a_member_who_left_during_grace_is_not_removed(community: Community) -> None:
    from shequn.chat.ingest import ingest
    from shequn.events import Actor, MemberLeft

    group, engine, memory = make(community, policy())
    run(group, engine, NOW)
    who = Actor(id="u1", name="成员u1")
    ingest([MemberLeft(platform="test", group="g1", event_id="l1", at=NOW + days(1), actor=who,
                       member=who)], community)  # fmt: skip
    assert run(group, engine, NOW + days(4)).resolved == {"u1": "left"}
    assert [type(a) for a in memory.performed] == [Warn]


def test_dry_run_decides_and_logs_but_does_nothing(community: Community) -> None:
    group, engine, memory = make(community, policy(dry_run=True))
    run(group, engine, NOW)
    run(group, engine, NOW + days(3))
    assert memory.performed == []
    rows = [(r.action, r.outcome) for r in audit_rows(community)]
    assert rows == [("Warn", "dry_run"), ("Remove", "dry_run")]
    notice = EliminationNotice.objects.get()
    assert notice.dry_run and notice.state == State.REMOVED
    assert Membership.objects.get(group=group, account__external_id="u1").left_how == ""


def test_switching_dry_run_off_cancels_rehearsed_notices(community: Community) -> None:
    group, engine, memory = make(community, policy(dry_run=True))
    run(group, engine, NOW)
    Group.objects.filter(pk=group.pk).update(settings=policy())
    report = run(group, engine, NOW + days(1))
    assert report.resolved == {"u1": "cancelled"} and report.noticed == ["u1"]
    assert [type(a) for a in memory.performed] == [Warn]  # the real notice, now
    assert EliminationNotice.objects.filter(state=State.OPEN, dry_run=False).count() == 1


def test_an_operator_readmits_through_the_moderation_undo(community: Community) -> None:
    group, engine, _memory = make(community, policy())
    run(group, engine, NOW)
    run(group, engine, NOW + days(3))
    notice = EliminationNotice.objects.get()
    alice = User.objects.create_user("alice")
    readmit(notice, alice)
    assert notice.state == State.READMITTED
    entry = AuditLog.objects.get(action="Readmit")
    assert entry.details[UNDOES] == notice.removal_id and entry.user == alice
    job = Job.objects.get(kind="notify")
    assert "成员u1" in job.payload["text"] and job.group_id == group.pk


def test_without_direct_messages_the_operators_are_told_and_the_grace_still_runs(
    community: Community,
) -> None:
    caps = {"Send", "Remove", "Notify"}
    group, engine, memory = make(community, policy(), capabilities=caps)
    run(group, engine, NOW)
    notice = EliminationNotice.objects.get()
    assert not notice.delivered
    (told,) = memory.performed
    assert isinstance(told, Notify) and "Warn" in told.text
    assert [(r.action, r.outcome) for r in audit_rows(community)][:1] == [("Warn", "failed")]
    assert run(group, engine, NOW + days(3)).removed == ["u1"]


def test_a_failed_removal_is_tried_again_then_given_up(community: Community) -> None:
    from shequn.connectors.base import ConnectorError

    fail = {"Remove": ConnectorError("timeout")}
    group, engine, _memory = make(community, policy(), fail=fail)
    run(group, engine, NOW)
    for n in range(3):
        report = run(group, engine, NOW + days(3 + n))
        assert report.failed == ["u1"]
    assert EliminationNotice.objects.get().state == State.FAILED
    assert run(group, engine, NOW + days(7)).failed == []


def test_too_few_checkins_last_month_in_shanghai(community: Community) -> None:
    # Three check-ins in February (Shanghai); the one at 23:30 on Jan 31 is January's.
    from datetime import UTC, datetime

    feb = [datetime(2026, 2, d, 1, 0, tzinfo=UTC) for d in (3, 4)]
    feb.append(datetime(2026, 2, 28, 15, 59, tzinfo=UTC))  # 23:59 on Feb 28 in Shanghai
    january = datetime(2026, 1, 31, 15, 30, tzinfo=UTC)
    events = [join("u1"), join("u2"), say("u2", january, "打卡"), say("u1", january, "打卡")]
    events += [say("u1", at, "打卡") for at in feb]
    events += [say("u2", at, "打卡") for at in feb[:2]] + [say("u2", NOW, "今天聊点啥")]
    events += [say("u2", datetime(2026, 2, 10, 1, tzinfo=UTC), "怎么打卡？")]  # a question
    settings = policy(silent_days={}, min_checkins={"ordinary": 3})
    group, engine, memory = build(community, settings, events)
    config, zone = load_policy(group)
    facts = {f.member_id: f.checkins for f in current_members(group, config, NOW, zone).values()}
    assert facts == {"u1": 3, "u2": 2}
    assert run(group, engine, NOW).noticed == ["u2"]
    assert "上个月打卡 2 次" in memory.performed[0].text  # type: ignore[attr-defined]


def test_the_facts_take_the_same_queries_for_5_or_50_members(community: Community) -> None:
    events = [join(f"u{n}") for n in range(50)] + [say(f"u{n}", NOW - days(n)) for n in range(50)]
    settings = policy(min_checkins={"ordinary": 1})
    group, _engine, _memory = build(community, settings, events)
    config, zone = load_policy(group)
    with CaptureQueriesContext(connection) as many:
        assert len(current_members(group, config, NOW, zone)) == 50
    Membership.objects.filter(group=group).exclude(
        account__external_id__in=[f"u{n}" for n in range(5)]
    ).update(left_how="left")
    with CaptureQueriesContext(connection) as few:
        assert len(current_members(group, config, NOW, zone)) == 5
    assert len(many.captured_queries) == len(few.captured_queries) <= 4


def test_the_job_sweeps_and_schedules_the_next_day_and_the_deadline(
    community: Community,
) -> None:
    from shequn.playbook.elimination_actions import schedule_sweep

    group, engine, memory = make(community, policy(sweep_hour=9))
    schedule_sweep(group, NOW - days(1))
    (job,) = claim_due("w", NOW)
    assert asyncio.run(run_job(job, lambda _c: engine))
    # The job runs on the real clock: by then u2's last message is months old too.
    assert {a.member.id for a in memory.performed if isinstance(a, Warn)} == {"u1", "u2"}
    pending = Job.objects.filter(kind="eliminate", state="pending").order_by("due_at")
    kinds = [(j.payload["daily"], j.due_at.hour) for j in pending]
    assert (True, 1) in kinds  # 09:00 Shanghai is 01:00 UTC
    assert any(not daily for daily, _ in kinds)  # the deadline sweep
    # One daily sweep pending at a time: asking for a later one adds nothing.
    assert schedule_sweep(group, timezone.now() + days(2)) is None


def test_a_stay_without_a_known_join_is_dated_from_the_start_of_history(
    community: Community,
) -> None:
    events = [join("u9"), join("u2"), say("u2", NOW - days(40)), say("u2", NOW)]
    group, engine, _memory = build(community, policy(), events)
    Membership.objects.filter(account__external_id="u9").update(joined_at=None)
    config, zone = load_policy(group)
    (u9,) = [f for f in current_members(group, config, NOW, zone).values() if f.member_id == "u9"]
    assert u9.joined_at == NOW - days(40) and u9.last_message_at is None
    assert run(group, engine, NOW).noticed == ["u9"]
    notice = EliminationNotice.objects.get()
    assert notice.facts["days_silent"] == 40


def test_a_job_for_a_group_with_bad_settings_fails_for_good(community: Community) -> None:
    from shequn.playbook.elimination_actions import schedule_sweep

    group, engine, _memory = make(community, {"elimination": {"grace_days": "soon"}})
    schedule_sweep(group, NOW)
    (job,) = claim_due("w", NOW)
    assert not asyncio.run(run_job(job, lambda _c: engine))
    job.refresh_from_db()
    assert job.state == "failed" and "elimination.grace_days" in job.last_error
