"""Introductions, the weekly matching digest and the report section, through the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequn.analytics.frames import Window
from shequn.analytics.report.build import report_for_group
from shequn.community.actions import update_person
from shequn.community.models import AuditLog, Community, Group, Link
from shequn.events import Mention, Notify, Send, Warn
from shequn.playbook import matching_actions as act
from shequn.playbook.actions import set_rule_settings
from shequn.playbook.matching_digest import digest, digest_text, next_post, schedule_digest
from shequn.playbook.matching_intro import DEFAULT_TEMPLATE, TALK_JOB, talk_check
from shequn.playbook.matching_models import Introduction
from shequn.playbook.matching_profiles import forget
from shequn.playbook.matching_report import build
from shequn.playbook.models import Job
from shequn.playbook.routing import Matching, MatchingConfig
from tests.playbook.conftest import MakeEngine
from tests.playbook.test_matching_kit import QUESTION, person, populate, run, run_jobs, said
from tests.playbook.test_matching_kit import settings as on

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]
RULES = (Matching,)


@pytest.fixture(autouse=True)
def fresh_profiles() -> Iterator[None]:
    forget()
    yield
    forget()


def _introduce(community: Community) -> Introduction:
    group = Group.objects.get(external_id="g1")
    a, b = person(community, "u1"), person(community, "u2")
    return act.introduce(
        group, a, b, need="清关", reason="王磊 offers 清关报关", text=DEFAULT_TEMPLATE,
        dimension="collaborated", user=None, by="test",
    )  # fmt: skip


def test_an_introduction_reaches_both_and_talking_afterwards_makes_the_tie(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(), rules=RULES)
    populate(engine, community)
    intro = _introduce(community)
    assert run_jobs(engine) == 1
    warns = [a for a in memory.performed if isinstance(a, Warn)]
    assert [w.member.id for w in warns] == ["u1", "u2"]
    assert "王磊" in warns[0].text and "小王" in warns[1].text and "测试群" in warns[0].text
    intro.refresh_from_db()
    assert intro.status == "sent" and intro.sent_at is not None
    now = intro.sent_at  # what they say next comes just after
    run(
        engine,
        said(100, "u1", "王老师好，我是小王", "小王", at=now + timedelta(milliseconds=1)),
        said(101, "u2", "你好", "王磊", at=now + timedelta(milliseconds=2), reply_to="m100"),
    )
    job = Job.objects.get(kind=TALK_JOB)
    talk_check(job)  # one side talked only: no tie, looks again tomorrow
    intro.refresh_from_db()
    assert intro.tie is None and Job.objects.filter(kind=TALK_JOB).count() == 2
    mention = (Mention(id="u2"),)
    run(engine, said(102, "u1", "@王磊 谢谢！", "小王", at=now + timedelta(milliseconds=3),
                     mentions=mention))  # fmt: skip
    talk_check(job)
    intro.refresh_from_db()
    assert intro.status == "talked" and intro.tie is not None
    link = Link.objects.get()
    assert (link.dimension, link.source) == ("collaborated", "matching")
    assert AuditLog.objects.filter(action="tie.add", rule="matching").count() == 1


def test_where_members_cannot_be_messaged_the_operators_get_the_words_and_accept_by_hand(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(), rules=RULES, capabilities={"Notify", "Send"})
    populate(engine, community)
    intro = _introduce(community)
    run_jobs(engine)
    notices = [a for a in memory.performed if isinstance(a, Notify)]
    assert len(notices) == 2 and "王磊" in notices[0].text
    intro.refresh_from_db()
    assert intro.status == "failed"
    act.accept(intro, person(community, "u1"), user=None, by="test")
    assert intro.tie is None
    act.accept(intro, person(community, "u2"), user=None, by="test")
    intro.refresh_from_db()
    assert intro.status == "accepted" and intro.tie is not None
    with pytest.raises(act.MatchingError, match="status"):
        act.accept(intro, person(community, "u2"), user=None, by="test")


def test_introductions_refuse_what_cannot_be(make_engine: MakeEngine, community: Community) -> None:
    engine, _ = make_engine(on(), rules=RULES)
    populate(engine, community)
    group = Group.objects.get(external_id="g1")
    a, b = person(community, "u1"), person(community, "u2")
    kwargs = {"need": "", "reason": "", "text": DEFAULT_TEMPLATE, "user": None, "by": "test"}
    with pytest.raises(act.MatchingError, match="person_b"):
        act.introduce(group, a, a, dimension="friend", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(act.MatchingError, match="dimension"):
        act.introduce(group, a, b, dimension="phone", **kwargs)  # type: ignore[arg-type]
    act.set_opt_out(b, True, user=None, by="test")
    with pytest.raises(act.MatchingError, match="opted out"):
        act.introduce(group, a, b, dimension="friend", **kwargs)  # type: ignore[arg-type]
    assert not Introduction.objects.exists() and not Job.objects.exists()


def test_the_weekly_digest_lists_needs_matches_and_new_ties(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(digest=True), rules=RULES)
    populate(engine, community)
    update_person(person(community, "u1"), by="test", needs="找靠谱的清关报关渠道")
    forget()
    group = Group.objects.get(external_id="g1")
    found = digest(group, timezone.now())
    assert [(n.person_id, n.needs) for n in found.needs] == [
        (person(community, "u1").pk, "找靠谱的清关报关渠道")
    ]
    assert found.matches and found.matches[0].offer_person_id == person(community, "u2").pk
    text = digest_text(found)
    assert text.startswith("【本周资源对接】") and "清关" in text
    job = schedule_digest(group, timezone.now())
    assert job is not None and job.due_at.astimezone(UTC) > timezone.now()
    Job.objects.filter(pk=job.pk).update(due_at=timezone.now())
    run_jobs(engine)
    [post] = [a for a in memory.performed if isinstance(a, Send)]
    assert post.text == text
    assert Job.objects.filter(kind="matching_digest", state="pending").count() == 1


def test_the_digest_comes_on_the_chosen_weekday_in_the_community_zone(
    make_engine: MakeEngine, community: Community
) -> None:
    make_engine(on(digest=True, digest_weekday=1, digest_at="09:30"))
    group = Group.objects.select_related("community").get(external_id="g1")
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    due, day = next_post(group, friday) or (None, None)
    assert due is not None and due.isoweekday() == 1 and (due.hour, due.minute) == (9, 30)
    assert str(due.tzinfo) == group.community.time_zone and day == due.date()


def test_the_report_section_counts_questions_answers_and_ties(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(on(), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"), said(20, "u3", "有没有人会做小程序？", "李娜"))
    run(engine, said(25, "u2", "我帮你问问", "王磊", reply_to="m20"))
    run_jobs(engine)
    group = Group.objects.get(external_id="g1")
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    section = build(group.pk, window)
    assert section is not None
    assert section.data["questions"] == 2 and section.data["answered"] == 1
    assert section.data["answer_rate"] == 0.5 and section.data["median_minutes"] == 5.0
    assert section.data["routed"] == 1
    empty = Window(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
    assert build(group.pk, empty) is None
    report = report_for_group(group.pk, window.since, window.until).as_dict()
    assert report["sections"]["matching"] == section.data  # registered: ``shequn report`` has it


def test_switching_the_digest_on_in_the_console_plans_the_first_post(
    make_engine: MakeEngine, community: Community
) -> None:
    make_engine({})
    group = Group.objects.select_related("community").get(external_id="g1")
    config = MatchingConfig.model_validate({"enabled": True, "digest": True})
    set_rule_settings(group, Matching, config, user=None, by="test")
    [job] = Job.objects.filter(kind="matching_digest", state="pending")
    local = job.due_at.astimezone(ZoneInfo(group.community.time_zone))
    assert job.due_at > timezone.now() and (local.isoweekday(), local.hour) == (7, 20)  # defaults
    set_rule_settings(group, Matching, config.model_copy(update={"mention": True}), user=None,
                      by="test")  # fmt: skip
    assert Job.objects.filter(kind="matching_digest").count() == 1  # never planned twice
