"""Question routing through the real engine: a question nobody answers reaches someone who can."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shequn.community.actions import set_member_role
from shequn.community.models import Account, AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.demo import resources
from shequn.demo.generator import build
from shequn.demo.load import COMMUNITY, load_demo
from shequn.demo.world import PLATFORM
from shequn.events import Actor, Mention, MessagePosted, Notify, Reply, Schedule
from shequn.playbook.engine import Engine
from shequn.playbook.matching_actions import set_opt_out
from shequn.playbook.matching_models import OpenQuestion, RoutingSuggestion
from shequn.playbook.matching_outcomes import priors
from shequn.playbook.matching_profiles import forget
from shequn.playbook.models import Job
from shequn.playbook.routing import Matching, MatchingConfig
from tests.playbook.conftest import MakeEngine
from tests.playbook.test_matching_kit import QUESTION, person, populate, run, run_jobs, said
from tests.playbook.test_matching_kit import settings as on

# load_profiles reads the store through its own connection: rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]
RULES = (Matching,)


@pytest.fixture(autouse=True)
def fresh_profiles() -> Iterator[None]:
    forget()
    yield
    forget()


def test_an_unanswered_question_reaches_the_operators_with_who_can_answer(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"), said(11, "u3", "今天天气不错"))
    assert [type(a) for a in memory.performed] == []  # the Schedule is done in the store
    assert Job.objects.filter(kind="question_route").count() == 1
    assert run_jobs(engine) == 1
    [notice] = memory.performed
    assert isinstance(notice, Notify)
    assert "小王" in notice.text and "清关" in notice.text and "王磊" in notice.text
    question = OpenQuestion.objects.get()
    assert question.answered_at is None and question.routed_at is not None
    best = question.suggestions.order_by("-score").first()
    assert best is not None and best.person_id == person(community, "u2").pk
    assert best.via == "notice" and best.outcome == "pending"
    assert AuditLog.objects.filter(action="question.suggest", outcome="performed").exists()


def test_the_suggested_member_answers_and_the_ranking_learns_it(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(mention=True, mentions=1), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"))
    run_jobs(engine)
    [reply] = memory.performed
    assert isinstance(reply, Reply) and reply.message_id == "m10"
    assert reply.text.startswith("@王磊 ")
    run(engine, said(60, "u2", "报关单要补原产地证明", "王磊", reply_to="m10"))
    assert run_jobs(engine) == 1  # the outcome check (its time is long past)
    suggestion = RoutingSuggestion.objects.get()
    assert (suggestion.outcome, suggestion.via) == ("answered", "mention")
    question = OpenQuestion.objects.get()
    assert question.answered_by is not None and question.answered_by.external_id == "u2"
    assert priors(community.pk)[person(community, "u2").pk] > 1.0


def test_a_question_someone_answered_in_time_is_only_remembered(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(), rules=RULES)
    populate(engine, community)
    run(
        engine,
        said(10, "u1", QUESTION, "小王"),
        said(12, "u4", "@小王 找个报关行问问", "赵敏", mentions=(Mention(id="u1"),)),
    )
    run_jobs(engine)
    assert memory.performed == []
    question = OpenQuestion.objects.get()
    assert question.answered_by is not None and question.answered_by.external_id == "u4"
    assert question.routed_at is None and not RoutingSuggestion.objects.exists()


def test_statements_replies_bots_and_exempt_roles_are_not_routed(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(on(exempt_roles=["owner"]), rules=RULES)
    populate(engine, community)
    owner = Account.objects.get(external_id="u4")
    set_member_role(Group.objects.get(external_id="g1"), owner, "owner", by="test")
    run(
        engine,
        said(10, "u1", "今天的分享很精彩", "小王"),
        said(11, "u1", "请问这个怎么报名？", "小王", reply_to="m10"),
        said(12, "u4", "请问大家周末有空吗？", "赵敏"),
    )
    assert not Job.objects.filter(kind="question_route").exists()


def test_members_who_opted_out_are_never_suggested(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(), rules=RULES)
    populate(engine, community)
    set_opt_out(person(community, "u2"), True, user=None, by="test")
    run(engine, said(10, "u1", QUESTION, "小王"))
    run_jobs(engine)
    suggested = set(RoutingSuggestion.objects.values_list("person_id", flat=True))
    assert person(community, "u2").pk not in suggested
    assert "王磊" not in memory.performed[0].text  # type: ignore[attr-defined]


def test_dry_run_schedules_nothing_and_a_dry_run_job_only_audits(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(dry_run=True), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"))
    assert not Job.objects.filter(kind="question_route").exists()
    row = AuditLog.objects.get(action=Schedule.__name__)
    assert row.outcome == "dry_run" and row.rule == "matching"
    group = Group.objects.get(external_id="g1")
    group.settings = on()  # switched on for real: the next question is scheduled …
    group.save()
    run(engine, said(20, "u1", "有没有人做过海外仓？", "小王"))
    group.settings = on(dry_run=True)  # … and dry-run again before its look
    group.save()
    run_jobs(engine)
    assert memory.performed == []
    notice = AuditLog.objects.get(action="Notify")
    assert notice.outcome == "dry_run"
    assert all(s.dry_run for s in RoutingSuggestion.objects.all())


def test_a_platform_that_cannot_reply_tells_the_operators_instead(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(
        on(mention=True), rules=RULES, capabilities={"Notify", "Send", "Warn"}
    )
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"))
    run_jobs(engine)
    [notice] = memory.performed
    assert isinstance(notice, Notify) and "@王磊" in notice.text
    assert AuditLog.objects.filter(action="Reply", outcome="failed").exists()


def test_config_refuses_a_template_with_unknown_fields() -> None:
    with pytest.raises(ValueError, match="mentions"):
        MatchingConfig.model_validate({"mention_text": "{who} 来答"})
    with pytest.raises(ValueError, match="HH:MM"):
        MatchingConfig.model_validate({"digest_at": "25:00"})


def test_on_the_demo_the_notice_names_the_member_who_can_answer(community: Community) -> None:
    """A 清关 question in the demo's social group names a member whose profile shows 清关."""
    load_demo()
    demo = Community.objects.get(name=COMMUNITY)
    social = Group.objects.get(community=demo, external_id="demo-social@chatroom")
    social.settings = {**(social.settings or {}), **on()}
    social.save()
    people = build().people
    asker = people[resources.NEEDY].key
    last = social.messages.order_by("-at").values_list("at", flat=True).first()
    assert last is not None
    memory = MemoryConnector(platform=PLATFORM)
    engine = Engine(demo, [memory], rules=RULES)
    question = MessagePosted(
        platform=PLATFORM, group=social.external_id, event_id="demo-q1", at=last,
        actor=Actor(id=asker), text="请问清关一般要多久？有人熟悉吗",
    )  # fmt: skip
    run(engine, question)
    run_jobs(engine)
    [notice] = memory.performed
    assert isinstance(notice, Notify)
    best = RoutingSuggestion.objects.order_by("-score").first()
    assert best is not None and not best.person.accounts.filter(external_id=asker).exists()
    # A member who can answer: the reason cites what they offer, are tagged with or answered.
    assert "清关" in best.reason and best.person.display_name in notice.text
    assert f"{best.person.display_name}：{best.reason}" in notice.text


def test_with_notices_off_the_suggestions_are_for_the_console_only(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(on(notify=False), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"))
    run_jobs(engine)
    assert memory.performed == [] and not AuditLog.objects.filter(action="Notify").exists()
    best = RoutingSuggestion.objects.order_by("-score").first()
    assert best is not None and best.via == "console"
    assert best.person_id == person(community, "u2").pk


def test_outcomes_tell_someone_else_from_nobody_and_priors_drop(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(on(mentions=2), rules=RULES)
    populate(engine, community)
    run(engine, said(10, "u1", QUESTION, "小王"), said(20, "u1", "有没有人做过海外仓？", "小王"))
    run_jobs(engine)
    run(engine, said(70, "u4", "可以找货代问问", "赵敏", reply_to="m10"))
    run_jobs(engine)
    outcomes = {
        (s.question.message_external_id, s.outcome) for s in RoutingSuggestion.objects.all()
    }
    assert ("m10", "other") in outcomes and ("m20", "none") in outcomes
    assert ("m10", "answered") not in outcomes
    u2 = person(community, "u2").pk
    assert priors(community.pk)[u2] < 1.0  # suggested twice, answered neither
    question = OpenQuestion.objects.get(message_external_id="m10")
    assert question.answered_by is not None and question.answered_by.external_id == "u4"
