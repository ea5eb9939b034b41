"""The admission rule through the real engine and store: each way in, and each way out."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from pydantic import ValidationError

from shequn.community.actions import set_member_role
from shequn.community.admission_actions import create_invite_code, decide_admission
from shequn.community.models import (
    Account,
    AdmissionRequest,
    Community,
    Group,
    InviteCode,
    Membership,
    PersonRecord,
)
from shequn.events import Admit, Notify, QueueAdmission, RecordAnswer, Remove, Send, Warn
from shequn.playbook.admission import AdmissionConfig
from shequn.playbook.admission_jobs import decide
from tests.playbook.conftest import MakeEngine
from tests.playbook.test_admission_kit import (
    RULES,
    admission,
    audit_of,
    invited,
    joined,
    left,
    members_already_in,
    names,
    removed,
    request_of,
    run,
    said,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def path_of(who: str) -> str:
    stay = Membership.objects.filter(account__external_id=who).latest("pk")
    return stay.admission_path


def test_a_member_invited_by_a_member_is_admitted_by_referral(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(referral=True), rules=RULES)
    members_already_in(community, "u1")
    performed = run(engine, invited(1, "u2", by="u1"))
    assert names(performed) == ["Admit"]
    assert path_of("u2") == "referral"
    request = request_of("u2")
    assert (request.status, request.path) == ("admitted", "referral")
    assert audit_of(community) == [
        ("admission.admit", "u2", "performed"),
        ("Admit", "u2", "performed"),
    ]


def test_an_inviter_who_is_not_a_member_is_no_referral(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(referral=True), rules=RULES)
    members_already_in(community, "u1")
    run(engine, left(1, "u1"))
    performed = run(engine, invited(2, "u2", by="u1"))
    assert names(performed) == ["QueueAdmission", "Warn", "Notify"]
    assert request_of("u2").status == "pending"


def test_without_a_referral_the_join_waits_until_a_valid_code(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, memory = make_engine(admission(referral=True), rules=RULES)
    members_already_in(community, "u1")
    owner = Account.objects.get(external_id="u1").person
    code = create_invite_code(owner, campaign="春季", user=None, by="test")
    performed = run(engine, joined(1, "u2"))
    assert names(performed) == ["QueueAdmission", "Warn", "Notify"]
    ask = performed[1]
    assert isinstance(ask, Warn) and "邀请码" in ask.text and ask.member.id == "u2"
    notice = performed[2]
    assert isinstance(notice, Notify) and "u2" in notice.text
    assert request_of("u2").status == "pending"
    assert path_of("u2") == ""
    # A wrong code and small talk change nothing; the right one (any case) admits.
    assert run(engine, said(2, "u2", "我的邀请码是 ZZZZ9999")) == []
    performed = run(engine, said(3, "u2", f"邀请码：{code.code.lower()} 谢谢"))
    assert names(performed) == ["QueueAdmission", "Admit"]
    request = request_of("u2")
    assert (request.status, request.path, request.code) == ("admitted", "code", code.code)
    assert path_of("u2") == "code"
    assert InviteCode.objects.get(pk=code.pk).uses == 1
    assert [type(a).__name__ for a in memory.performed] == ["Warn", "Notify"]


def test_entry_questions_are_asked_and_the_answers_kept(
    community: Community, make_engine: MakeEngine
) -> None:
    questions = ["你在哪个城市？", "你做什么工作？"]
    engine, _ = make_engine(admission(questions=questions), rules=RULES)
    (queued, ask, _notice) = run(engine, joined(1, "u2"))
    assert isinstance(queued, QueueAdmission) and isinstance(ask, Warn)
    assert "1. 你在哪个城市？\n2. 你做什么工作？" in ask.text
    first = run(engine, said(2, "u2", "  深圳  "))
    assert names(first) == ["RecordAnswer"]
    assert isinstance(first[0], RecordAnswer) and first[0].answer == "深圳"
    second = run(engine, said(3, "u2", "产品经理 <b>PM</b>"))
    assert names(second) == ["RecordAnswer", "Admit"]
    request = request_of("u2")
    assert [a["answer"] for a in request.answers] == ["深圳", "产品经理 <b>PM</b>"]
    assert (request.status, path_of("u2")) == ("admitted", "questions")
    records = PersonRecord.objects.filter(person__accounts__external_id="u2").order_by("pk")
    assert [r.text.splitlines()[-1] for r in records] == ["深圳", "产品经理 <b>PM</b>"]
    # Once admitted, messages are no longer answers.
    assert run(engine, said(4, "u2", "大家好")) == []


def test_referral_questions_and_screening_wait_for_an_operator(
    community: Community, make_engine: MakeEngine
) -> None:
    config = admission(referral=True, questions=["Where are you from?"], screening=True)
    engine, _ = make_engine(config, rules=RULES)
    members_already_in(community, "u1")
    performed = run(engine, invited(1, "u2", by="u1"))
    assert names(performed) == ["QueueAdmission", "Warn", "Notify"]
    ask = performed[1]
    assert isinstance(ask, Warn) and "管理员审核" in ask.text and "邀请码" not in ask.text
    performed = run(engine, said(2, "u2", "Berlin"))
    assert names(performed) == ["RecordAnswer", "QueueAdmission", "Notify"]
    request = request_of("u2")
    assert (request.status, request.path) == ("pending", "referral+questions")
    assert request.inviter is not None and request.inviter.external_id == "u1"
    assert path_of("u2") == ""


def test_english_texts(community: Community, make_engine: MakeEngine) -> None:
    config = admission(language="en", referral=True, questions=["What do you offer?"])
    engine, _ = make_engine(config, rules=RULES)
    ask = run(engine, joined(1, "u2"))[1]
    assert isinstance(ask, Warn)
    assert ask.text.startswith("Welcome, 成员u2! Before you join 测试群, please:")
    assert "invite code" in ask.text and "1. What do you offer?" in ask.text


def test_over_the_cap_newcomers_are_waitlisted_and_the_first_told_when_a_seat_frees(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(capacity=2), rules=RULES)
    members_already_in(community, "u1", "u2")
    performed = run(engine, joined(1, "u3"))
    assert names(performed) == ["QueueAdmission", "Warn", "Remove"]
    assert isinstance(performed[1], Warn) and "候补名单第 1 位" in performed[1].text
    assert run(engine, removed(2, "u3")) == []  # its own removal frees no seat
    performed = run(engine, joined(3, "u4"), removed(4, "u4"))
    assert isinstance(performed[1], Warn) and "第 2 位" in performed[1].text
    assert [
        r.account.external_id for r in AdmissionRequest.objects.filter(status="waitlisted")
    ] == [
        "u3",
        "u4",
    ]
    performed = run(engine, left(5, "u1"))
    assert names(performed) == ["QueueAdmission", "Warn", "Notify"]
    seat = performed[1]
    assert isinstance(seat, Warn) and seat.member.id == "u3" and "有空位" in seat.text
    assert request_of("u3").status == "approved"
    # The seat is promised to u3: a stranger arriving first is waitlisted behind u4.
    stranger = run(engine, joined(6, "u5"))
    assert names(stranger) == ["QueueAdmission", "Warn", "Remove"]
    assert run(engine, removed(7, "u5")) == []
    performed = run(engine, joined(8, "u3"))
    assert names(performed) == ["Admit"]
    assert (request_of("u3").status, path_of("u3")) == ("admitted", "waitlist")


def test_no_threshold_on_admits_openly_and_bots_are_left_alone(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(), rules=RULES)
    performed = run(engine, joined(1, "u1"), joined(2, "bot", bot=True))
    assert names(performed) == ["Admit"]
    assert path_of("u1") == "open"


def test_dry_run_decides_and_logs_but_writes_and_sends_nothing(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, memory = make_engine(admission(dry_run=True, capacity=1), rules=RULES)
    members_already_in(community, "u1")
    assert run(engine, joined(1, "u2"), said(2, "u2", "hi")) == []
    assert memory.performed == []
    assert AdmissionRequest.objects.count() == 0
    assert audit_of(community) == [
        ("QueueAdmission", "u2", "dry_run"),
        ("Warn", "u2", "dry_run"),
        ("Remove", "u2", "dry_run"),
    ]


def test_exempt_roles_skip_every_threshold(community: Community, make_engine: MakeEngine) -> None:
    engine, _ = make_engine(admission(referral=True, exempt_roles=["admin"]), rules=RULES)
    members_already_in(community, "boss")
    set_member_role(Group.objects.get(), Account.objects.get(external_id="boss"), "admin", "t")
    # The admin's join arrives (again, as an import or a platform may repeat it): let through.
    assert run(engine, joined(2, "boss")) == []
    assert names(run(engine, joined(3, "u2"))) == ["QueueAdmission", "Warn", "Notify"]


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValidationError, match="capacity"):
        AdmissionConfig.model_validate({"capacity": -1})
    assert AdmissionConfig.model_validate({"questions": [" a ", "", "  "]}).questions == ["a"]
    fields = AdmissionConfig.model_fields
    assert all(fields[name].title for name in ("referral", "questions", "screening", "capacity"))


def test_remove_of_a_waitlisted_newcomer_is_optional(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(capacity=1, remove_waitlisted=False), rules=RULES)
    members_already_in(community, "u1")
    performed = run(engine, joined(1, "u2"))
    assert names(performed) == ["QueueAdmission", "Warn"]
    assert not any(isinstance(a, Remove | Admit) for a in performed)


def test_asked_in_the_group_where_the_bot_cannot_write_directly(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(ask_in="group", questions=["Why?"], capacity=1), rules=RULES)
    ask = run(engine, joined(1, "u1"))[1]
    assert isinstance(ask, Send) and ask.text.startswith("@成员u1 欢迎 成员u1")
    performed = run(engine, joined(2, "u2"))
    assert names(performed) == ["QueueAdmission", "Send", "Remove"]
    assert isinstance(performed[1], Send) and performed[1].text.startswith("@成员u2 成员u2，")


def test_an_operator_lets_a_waitlisted_member_in_and_their_next_join_admits(
    community: Community, make_engine: MakeEngine
) -> None:
    engine, _ = make_engine(admission(capacity=1), rules=RULES)
    members_already_in(community, "u1")
    run(engine, joined(1, "u2"), removed(2, "u2"))
    olga = User.objects.create_user("olga")
    assert decide(request_of("u2"), True, "老朋友", olga) == "approved"
    assert request_of("u2").path == "waitlist+operator"
    performed = run(engine, joined(3, "u2"))  # over the cap, but the seat was promised
    assert names(performed) == ["Admit"]
    assert path_of("u2") == "waitlist+operator"
    with pytest.raises(ValueError, match="already admitted"):
        decide_admission(request_of("u2"), False, "late", user=olga, by="t")
