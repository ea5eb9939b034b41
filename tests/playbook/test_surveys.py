"""Follow-up surveys (回访): answer parsing, answers into the archive, summaries, newcomers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from shequn.community.models import Account, AuditLog, Community, Group, PersonRecord
from shequn.connectors.memory import ALL_ACTIONS, MemoryConnector
from shequn.events import Action, Actor, MessagePosted, Notify, Reply, Send, Warn
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job, Survey, SurveyResponse
from shequn.playbook.surveys import (
    NEWCOMER_QUESTIONS,
    SurveyAnswers,
    SurveyError,
    parse_answer,
    parse_questions,
    summary,
)
from shequn.playbook.surveys_actions import accounts_of, create_survey, plan_send, questions_of
from shequn.playbook.surveys_jobs import newcomers, send, start_newcomers
from shequn.playbook.surveys_view import Question
from tests.playbook.conftest import PLATFORM, T0, joined
from tests.playbook.test_columns_kit import run

CHOICE = Question("choice", "活动怎么样？", ("很好", "一般", "Bad"))
SCALE = Question("scale", "打几分？")
TEXT = Question("text", "还有什么建议？")


# --- parsing (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "said", "value"),
    [
        (CHOICE, "2", "一般"),
        (CHOICE, "２", "一般"),  # full-width digit
        (CHOICE, " 很好 ", "很好"),
        (CHOICE, "bad", "Bad"),  # English, any case
        (CHOICE, "选 1", "很好"),
        (SCALE, "4", 4),
        (SCALE, "５", 5),
        (SCALE, "４分", 4),
        (SCALE, "I'd say 3", 3),
        (SCALE, "五", 5),
        (TEXT, "  多办线下活动 <b>!</b> ", "多办线下活动 <b>!</b>"),
    ],
)
def test_answers_parse(question: Question, said: str, value: Any) -> None:
    parsed = parse_answer(question, said)
    assert parsed.value == value and parsed.reask == ""


@pytest.mark.parametrize(
    ("question", "said", "hint"),
    [
        (SCALE, "7", "7 不在 1 到 5 之间"),
        (SCALE, "０", "0 不在 1 到 5 之间"),
        (SCALE, "还行吧", "1 到 5"),
        (SCALE, "3 or 4", "1 到 5"),
        (CHOICE, "4", "1 到 3 的序号"),
        (CHOICE, "maybe", "1 到 3 的序号"),
        (TEXT, "   ", "请回复内容"),
    ],
)
def test_answers_that_do_not_fit_are_asked_again(question: Question, said: str, hint: str) -> None:
    parsed = parse_answer(question, said)
    assert parsed.value is None and hint in parsed.reask


def test_questions_parse_from_console_lines() -> None:
    parsed = parse_questions("选择：活动怎么样？ | 很好 | 一般\n\nscale: 打几分\n文字: 建议")
    assert [q.kind for q in parsed] == ["choice", "scale", "text"]
    assert parsed[0].choices == ("很好", "一般")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one question"),
        ("scale: ok\nwhat: 问题", "line 2: expected 'choice: …'"),
        ("choice: 只有一个 | a", "line 1: a choice question needs at least two"),
        ("text: 问 | a | b", "line 1: only choice questions"),
        ("scale:   ", "line 1: the question text is empty"),
    ],
)
def test_bad_questions_name_the_line(text: str, message: str) -> None:
    with pytest.raises(SurveyError, match=message):
        parse_questions(text)


def test_summary_counts_choices_means_scales_and_lists_texts() -> None:
    answers: list[list[Any]] = [["很好", 5, "多办"], ["一般", 4], ["很好", 2, "好"], []]
    rows = summary((CHOICE, SCALE, TEXT), answers)
    assert rows[0]["counts"] == [("很好", 2), ("一般", 1), ("Bad", 0)]
    assert rows[0]["answered"] == 3
    assert rows[1]["mean"] == pytest.approx(3.67)
    assert dict(rows[1]["counts"])["4"] == 1
    assert rows[2]["texts"] == ["多办", "好"]
    assert summary((SCALE,), [[]])[0]["mean"] is None


# --- through the engine and the store ---------------------------------------------------

SETTINGS = {"surveys": {"enabled": True}}


def said(n: int, who: str, text: str) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", group_name="测试群", event_id=f"m{n}",
        at=T0 + timedelta(hours=1, minutes=n), actor=Actor(id=who, name=f"成员{who}"), text=text,
    )  # fmt: skip


def setup(
    community: Community, settings: dict[str, Any] = SETTINGS, **connector: Any
) -> tuple[Engine, MemoryConnector, Group]:
    Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群", settings=settings
    )
    memory = MemoryConnector(platform=PLATFORM, **connector)
    engine = Engine(community, [memory], rules=[SurveyAnswers])
    async_to_sync(engine.handle)(joined(1, "u1"))
    async_to_sync(engine.handle)(joined(2, "u2"))
    return engine, memory, Group.objects.get(external_id="g1")


def handle(engine: Engine, *events: MessagePosted) -> list[Action]:
    done: list[Action] = []
    for event in events:
        done += async_to_sync(engine.handle)(event)
    return done


def send_to(engine: Engine, survey: Survey, *who: str) -> int:
    ids = [Account.objects.get(external_id=w).pk for w in who]
    return async_to_sync(send)(engine, survey.pk, ids, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_newcomer_answers_land_in_the_archive(community: Community) -> None:
    engine, memory, group = setup(community)
    survey = create_survey(
        group, "新人回访", NEWCOMER_QUESTIONS, kind=Survey.Kind.NEWCOMER, user=None, by="test"
    )
    assert send_to(engine, survey, "u1") == 1
    asked = [a for a in memory.performed if isinstance(a, Warn)]
    assert asked[0].member.id == "u1" and "(1/3)" in asked[0].text
    person = Account.objects.get(external_id="u1").person
    person.offers = "已有的资源"  # an operator wrote it: never overwritten
    person.save()
    assert handle(engine, said(0, "u1", "大家好，我是新来的")) == []  # chat, not an answer
    done = handle(
        engine,
        said(1, "u1", "回访 找投资人"),
        said(2, "u1", "回访：产品设计"),
        said(3, "u1", "回访 9"),
    )
    assert isinstance(done[1], Warn) and "(2/3)" in done[1].text
    reask = [a for a in done if isinstance(a, Warn) and "9 不在 1 到 5 之间" in a.text]
    assert len(reask) == 1
    handle(engine, said(4, "u1", "回访 ４"), said(5, "u1", "回访 多余的一句"))
    response = SurveyResponse.objects.get(survey=survey)
    assert response.answers == ["找投资人", "产品设计", 4]
    assert response.state == SurveyResponse.State.DONE and response.completed_at
    person.refresh_from_db()
    assert person.needs == "找投资人" and person.offers == "已有的资源"
    records = list(PersonRecord.objects.filter(person=person).order_by("pk"))
    assert len(records) == 3 and "答：找投资人" in records[0].text and "新人回访" in records[0].text
    rows = AuditLog.objects.filter(community=community, action="SurveyAnswer")
    assert rows.filter(outcome=AuditLog.Outcome.PERFORMED).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_other_members_and_a_second_send_are_left_alone(community: Community) -> None:
    engine, _memory, group = setup(community)
    survey = create_survey(group, "活动回访", (CHOICE, SCALE), user=None, by="test")
    u1 = Account.objects.get(external_id="u1")
    assert accounts_of(survey, [u1.person]) == [u1.pk]  # e.g. a meetup's attendees
    plan_send(survey, [u1.pk], T0, user=None, by="test")  # as the console does
    assert run(engine) == 1
    assert SurveyResponse.objects.get(survey=survey).via == "direct"
    assert send_to(engine, survey, "u1") == 0  # asked once, whatever the retries
    assert handle(engine, said(1, "u2", "回访 2")) == []  # u2 was never asked
    handle(engine, said(2, "u1", "回访 bad"), said(3, "u1", "回访 3"))
    assert SurveyResponse.objects.get(survey=survey).answers == ["Bad", 3]


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_no_direct_messages_falls_back_to_the_group_when_allowed(community: Community) -> None:
    engine, memory, group = setup(community, capabilities=ALL_ACTIONS - {"Warn"})
    survey = create_survey(group, "活动回访", (SCALE,), group_fallback=True, user=None, by="t")
    assert send_to(engine, survey, "u1") == 1
    posted = [a for a in memory.performed if isinstance(a, Send)]
    assert posted[0].text.startswith("@成员u1 【活动回访】") and "「回访」" in posted[0].text
    assert handle(engine, said(1, "u1", "今天天气 5 分")) == []  # ordinary chat
    done = handle(engine, said(2, "u1", "回访：５"))
    assert any(isinstance(a, Reply) and a.message_id == "m2" for a in done)
    assert SurveyResponse.objects.get(survey=survey).answers == [5]


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_no_direct_messages_and_no_fallback_tells_the_operator(community: Community) -> None:
    engine, memory, group = setup(community, capabilities=ALL_ACTIONS - {"Warn"})
    survey = create_survey(group, "活动回访", (SCALE,), user=None, by="t")
    assert send_to(engine, survey, "u1") == 0
    told = [a for a in memory.performed if isinstance(a, Notify)]
    assert len(told) == 1 and "Warn" in told[0].text and "成员u1" in told[0].text
    response = SurveyResponse.objects.get(survey=survey)
    assert response.via == ""
    assert handle(engine, said(1, "u1", "回访 5")) == []  # not delivered: nothing to answer
    sent = AuditLog.objects.get(community=community, action="survey.send")
    assert "not delivered" in sent.reason


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_bare_direct_answers_where_the_connector_keeps_them_apart(community: Community) -> None:
    settings = {"surveys": {"enabled": True, "bare_direct": True, "prefix": "答"}}
    engine, memory, group = setup(community, settings)
    survey = create_survey(group, "活动回访", (CHOICE,), user=None, by="test")
    send_to(engine, survey, "u1")
    opening = next(a for a in memory.performed if isinstance(a, Warn))
    assert "请直接回复" in opening.text and "1. 很好" in opening.text
    done = handle(engine, said(1, "u1", "1"))
    assert isinstance(done[-1], Warn) and "谢谢" in done[-1].text
    assert SurveyResponse.objects.get(survey=survey).answers == ["很好"]


# --- newcomers, 7 days after joining, in the community's zone ---------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_newcomers_of_seven_local_days_get_the_survey(
    community: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    community.time_zone = "Asia/Shanghai"
    community.save()
    Group.objects.create(
        community=community, platform=PLATFORM, external_id="g1", name="测试群", settings=SETTINGS
    )
    memory = MemoryConnector(platform=PLATFORM)
    engine = Engine(community, [memory], rules=[SurveyAnswers])
    # 03-01 23:30 in Shanghai (15:30 UTC): 7 local days by 03-08; 00:30 on 03-02 is only 6,
    # though both are 03-01 in UTC.
    base = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    for n, who, at in [(1, "early", base), (2, "late", base + timedelta(hours=1))]:
        async_to_sync(engine.handle)(dataclasses.replace(joined(n, who), at=at))
    group = Group.objects.get(external_id="g1")
    now = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    names = set(newcomers(group, now).values_list("account__external_id", flat=True))
    assert names == {"early"}
    job = start_newcomers(group, now - timedelta(hours=1))
    assert job.due_at == now
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    assert run(engine) == 1
    asked = [a.member.id for a in memory.performed if isinstance(a, Warn)]
    assert asked == ["early"]
    following = Job.objects.get(kind="survey_newcomers", state=Job.State.PENDING)
    assert following.due_at == now + timedelta(days=1)
    survey = Survey.objects.get(group=group, kind=Survey.Kind.NEWCOMER)
    assert [q.field for q in questions_of(survey)] == ["needs", "offers", ""]
