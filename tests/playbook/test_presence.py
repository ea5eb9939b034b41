"""Presence for the silent: the suggested invitations (pure) and the job that posts one."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone, translation

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Group
from shequn.events import Send
from shequn.playbook.actions import enqueue
from shequn.playbook.models import Job
from shequn.playbook.presence import NextColumn, SilentMember, first_offer, suggest
from shequn.playbook.presence_jobs import KIND
from shequn.playbook.scheduler import run_due
from tests.playbook.test_columns_kit import engine_for
from tests.store.factories import message

ZHANG = SilentMember(
    person_id=1, name="张三", offers="跨境物流，报关", industry="物流", intro="做物流"
)


def test_offers_come_first() -> None:
    [s] = suggest([ZHANG])
    assert s.basis == "offers"
    assert s.text.startswith("@张三 ")
    assert "「跨境物流」" in s.text and "报关" not in s.text
    assert s.column_hint == ""


def test_industry_then_intro_then_welcome() -> None:
    industry = SilentMember(person_id=2, name="李四", industry="金融", intro="我是李四")
    intro = SilentMember(person_id=3, name="王五", intro="喜欢 跑步\n和读书")
    nothing = SilentMember(person_id=4, name="赵六")
    got = suggest([industry, intro, nothing])
    assert [s.basis for s in got] == ["industry", "intro", "welcome"]
    assert "「金融」" in got[0].text
    assert "「喜欢 跑步 和读书」" in got[1].text
    assert got[2].text.startswith("@赵六 ")
    assert [s.person_id for s in got] == [2, 3, 4]


def test_long_offer_is_cut_and_blank_parts_skipped() -> None:
    assert first_offer(" ，\n" + "长" * 50).endswith("…")
    assert len(first_offer("长" * 50)) == 30
    assert first_offer(" ， ") == ""


def test_column_hint_and_determinism() -> None:
    column = NextColumn(name="晨报", local_time="2026-03-07 09:00")
    first = suggest([ZHANG], column)
    assert first == suggest([ZHANG], column)
    assert "【晨报】" in first[0].column_hint and "@张三" in first[0].column_hint
    assert "2026-03-07 09:00" in first[0].column_hint


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_job_posts_through_the_engine_and_is_audited() -> None:
    community = get_or_create_community("社群")
    ingest([message(1, who="u1")], community)
    group = Group.objects.get(external_id="g1")
    engine, memory = engine_for(community)
    text = "@张三 你在拥有资源里写了「跨境物流」"
    enqueue(KIND, timezone.now(), {"text": text, "person": 7}, group=group)
    assert async_to_sync(run_due)("w1", lambda c: engine, limit=5) == 1
    assert [a.text for a in memory.performed if isinstance(a, Send)] == [text]
    assert Job.objects.get().state == Job.State.DONE
    entry = AuditLog.objects.get(rule="presence")
    assert entry.outcome == AuditLog.Outcome.PERFORMED and entry.group == group
    assert "#7" in entry.reason


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_job_without_text_fails_for_good() -> None:
    community = get_or_create_community("社群")
    ingest([message(1, who="u1")], community)
    group = Group.objects.get(external_id="g1")
    engine, memory = engine_for(community)
    enqueue(KIND, timezone.now(), {"text": ""}, group=group)
    async_to_sync(run_due)("w1", lambda c: engine, limit=5)
    assert memory.performed == []
    assert Job.objects.get().state == Job.State.FAILED


def test_chinese_first() -> None:
    with translation.override("zh-hans"):
        [s] = suggest([ZHANG])
    assert s.text == "@张三 你在拥有资源里写了「跨境物流」，最近这方面有什么新变化吗？"
