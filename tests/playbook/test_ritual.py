"""The entry ritual through the live engine: reminders, deadlines, introductions in the archive."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from shequn.community.actions import set_member_role, update_person
from shequn.community.models import Account, AuditLog, Community, Group, Person
from shequn.connectors.memory import MemoryConnector
from shequn.events import (
    Action,
    Actor,
    Event,
    FillArchive,
    MemberRenamed,
    Mention,
    MessageKind,
    MessagePosted,
    Notify,
    Schedule,
    Send,
)
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job
from shequn.playbook.ritual import Ritual
from shequn.playbook.scheduler import run_due
from shequn.playbook.testing import feed
from shequn.playbook.welcome import Welcome
from tests.playbook.conftest import PLATFORM, T0, MakeEngine, joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

RULES = (Welcome, Ritual)
INTRO = "自我介绍：小王，深圳做跨境电商\n需要资源：物流渠道\n拥有资源：亚马逊运营经验"


def settings(**ritual: Any) -> dict[str, Any]:
    welcome = {"enabled": True, "template": "欢迎 {name}，你是 {number} 号群友！请按格式自我介绍"}
    return {"welcome": welcome, "ritual": {"enabled": True, **ritual}}


def said(n: int, who: str, text: str, name: str = "", **extra: Any) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{n}", at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=name or f"成员{who}"), text=text, **extra,
    )  # fmt: skip


def renamed(n: int, who: str, new: str) -> MemberRenamed:
    return MemberRenamed(
        platform=PLATFORM, group="g1", event_id=f"r{n}", at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=new), new_name=new,
    )  # fmt: skip


def person(community: Community, who: str) -> Person:
    return Account.objects.get(community=community, external_id=who).person


def run(engine: Engine, *events: Event) -> list[Action]:
    return asyncio.run(feed(engine, *events))


def run_jobs(engine: Engine) -> int:
    async def go() -> int:
        try:
            return await run_due("w1", lambda community: engine, limit=50)
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(go())


def test_a_newcomer_is_greeted_with_a_number_reminded_and_their_intro_archived(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(), rules=RULES)
    run(engine, joined(1, "u0", "北京-互联网-老李"))  # an earlier member: number 1
    performed = run(engine, joined(2, "u1", "小王"), said(3, "u1", INTRO, "小王"))
    number = person(community, "u1").number
    sends = [a.text for a in performed if isinstance(a, Send)]
    assert sends[0] == f"欢迎 小王，你是 {number} 号群友！请按格式自我介绍"
    assert sends[1].startswith(
        "@小王 请把群昵称改为「城市-行业-姓名」格式（例如：北京-互联网-张三）"
    )
    scheduled = [a for a in performed if isinstance(a, Schedule)]
    assert [(s.kind, s.due_at - joined(2, "u1").at) for s in scheduled] == [
        ("ritual_nickname", timedelta(hours=24)),
        ("ritual_unanswered", timedelta(minutes=30)),
    ]
    jobs = Job.objects.filter(kind__startswith="ritual_").order_by("pk")
    assert [(j.kind, j.payload["member"]) for j in jobs if j.payload["member"] == "u1"] == [
        ("ritual_nickname", "u1"),
        ("ritual_unanswered", "u1"),
    ]
    archived = person(community, "u1")
    assert (archived.intro, archived.needs, archived.offers) == (
        "小王，深圳做跨境电商", "物流渠道", "亚马逊运营经验",
    )  # fmt: skip
    veteran = person(community, "u0")  # a fitting nickname: city and industry, no reminder
    assert (veteran.city, veteran.industry) == ("北京", "互联网")
    assert not [a for a in memory.performed if isinstance(a, Send) and "老李 请把" in a.text]
    rows = AuditLog.objects.filter(community=community, rule="ritual", action="FillArchive")
    assert {r.outcome for r in rows} == {"performed"} and rows.count() == 2


def test_the_operator_s_words_are_kept_and_a_second_intro_only_fills_gaps(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(settings(unanswered_minutes=0), rules=RULES)
    run(engine, joined(1, "u1", "小王"))
    update_person(person(community, "u1"), by="operator:admin", needs="运营写的需求")
    run(engine, said(2, "u1", INTRO), said(3, "u1", "Needs: lawyers\nCity: Shenzhen"))
    archived = person(community, "u1")
    assert archived.needs == "运营写的需求"  # never overwritten
    assert (archived.intro, archived.offers, archived.city) == (
        "小王，深圳做跨境电商", "亚马逊运营经验", "Shenzhen",
    )  # fmt: skip


def test_long_first_messages_count_links_and_later_messages_do_not(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(settings(nickname_pattern="", unanswered_minutes=0), rules=RULES)
    english = "Hi everyone, I'm Tom, a backend developer in Berlin working on payments 👋"
    chinese = "大家好，我是阿强，在杭州做直播电商三年了，主要做服装类目，希望认识更多同行交流"
    ad = "大家好，我是小美，专业代理各类保健品，价格优惠，详情请看 shop.example.com 欢迎咨询"
    run(
        engine,
        joined(1, "u1", "Tom"), said(2, "u1", english, "Tom"),
        joined(3, "u2", "阿强"), said(4, "u2", chinese, "阿强"),
        joined(5, "u3", "小美"), said(6, "u3", ad, "小美"),
        joined(7, "u4", "老周"), said(8, "u4", "大家好"), said(9, "u4", chinese),
    )  # fmt: skip
    intros = {who: person(community, who).intro for who in ("u1", "u2", "u3", "u4")}
    assert intros == {"u1": english, "u2": chinese, "u3": "", "u4": ""}


def test_only_recent_joiners_and_text_messages_are_read(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(settings(intro_within_days=7), rules=RULES)
    late = said(60 * 24 * 8, "u1", INTRO)  # eight days after joining
    image = said(3, "u2", INTRO, kind=MessageKind.IMAGE)
    run(engine, joined(1, "u1", "小王"), joined(2, "u2", "小李"), late, image)
    assert person(community, "u1").intro == "" and person(community, "u2").intro == ""


def test_renaming_to_a_misfit_is_reminded_and_to_a_fit_fills_city_and_industry(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, _ = make_engine(settings(unanswered_minutes=0), rules=RULES)
    run(engine, joined(1, "u1", "小王"))
    performed = run(engine, renamed(2, "u1", "小王🐟"), renamed(3, "u1", "上海－金融－小王"))
    texts = [a.text for a in performed if isinstance(a, Send)]
    assert texts == ["@小王🐟 群昵称请按「城市-行业-姓名」格式哦（例如：北京-互联网-张三）～"]
    archived = person(community, "u1")
    assert (archived.city, archived.industry) == ("上海", "金融")


def test_dry_run_decides_and_logs_but_writes_and_schedules_nothing(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(dry_run=True), rules=(Ritual,))
    performed = run(engine, joined(1, "u1", "小王"), said(2, "u1", INTRO))
    assert performed == [] and memory.performed == []
    rows = AuditLog.objects.filter(community=community, rule="ritual").order_by("pk")
    assert [(r.action, r.outcome) for r in rows] == [
        ("Send", "dry_run"), ("Schedule", "dry_run"), ("Schedule", "dry_run"),
        ("FillArchive", "dry_run"),
    ]  # fmt: skip
    assert not Job.objects.exists()
    assert person(community, "u1").intro == ""


def test_exempt_roles_and_bots_are_left_alone(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(exempt_roles=["admin"]), rules=(Ritual,))
    run(engine, joined(1, "u1", "小王"))
    group = Group.objects.get(external_id="g1")
    set_member_role(group, Account.objects.get(external_id="u1"), "admin", by="test")
    memory.performed.clear()
    performed = run(engine, renamed(2, "u1", "小王2"), said(3, "u1", INTRO))
    assert performed == [] and person(community, "u1").intro == ""
    assert run(engine, joined(4, "bot", "机器人", bot=True)) == []


def test_the_nickname_deadline_reminds_and_tells_the_operators_if_still_misfit(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(unanswered_minutes=0), rules=RULES)
    run(engine, joined(1, "u1", "小王"), joined(2, "u2", "小李"))
    run(engine, renamed(3, "u2", "广州-教育-小李"))  # u2 complied in time
    memory.performed.clear()
    assert run_jobs(engine) == 2  # both deadlines are long past (T0 is in the past)
    assert [type(a) for a in memory.performed] == [Send, Notify]
    send, notify = memory.performed
    assert isinstance(send, Send) and send.text.startswith("@小王 入群已 24 小时")
    assert isinstance(notify, Notify) and "小王" in notify.text and "城市-行业-姓名" in notify.text
    assert set(Job.objects.values_list("state", flat=True)) == {"done"}
    rows = AuditLog.objects.filter(
        community=community, rule="ritual", details__event_id__startswith="job:"
    )
    assert sorted(r.action for r in rows) == ["Notify", "Send"]


def test_operators_hear_of_newcomers_nobody_answered(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(nickname_pattern=""), rules=(Ritual,))
    run(
        engine,
        joined(1, "u1", "小王"), said(2, "u1", INTRO, "小王"),
        joined(3, "u2", "小李"), said(4, "u2", "大家好", "小李"),
        said(5, "u9", "欢迎欢迎", reply_to="m4"),  # u2 got a reply
        joined(6, "u3", "Ann"), said(7, "u9", "welcome @Ann!"),  # u3 got a mention by name
        joined(8, "u4", "Bob"), said(9, "u9", "hi", mentions=(Mention(id="u4"),)),
        joined(10, "u5", "沉默"),  # never spoke, nobody spoke to them
    )  # fmt: skip
    memory.performed.clear()
    assert run_jobs(engine) == 5
    notices = [a.text for a in memory.performed if isinstance(a, Notify)]
    assert notices == [
        "新人 小王 发了言，但 30 分钟内没有人回复或 @ TA，去欢迎一下吧",
        "新人 沉默 入群后 30 分钟内没有人回复或 @ TA，去欢迎一下吧",
    ]


def test_a_job_of_a_rule_switched_off_meanwhile_does_nothing(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(), rules=(Ritual,))
    run(engine, joined(1, "u1", "小王"))
    Group.objects.filter(external_id="g1").update(settings={"ritual": {"enabled": False}})
    memory.performed.clear()
    assert run_jobs(engine) == 2
    assert memory.performed == []


def test_a_job_in_dry_run_is_audited_not_performed(
    make_engine: MakeEngine, community: Community
) -> None:
    engine, memory = make_engine(settings(nickname_pattern=""), rules=(Ritual,))
    run(engine, joined(1, "u1", "小王"))
    group = Group.objects.get(external_id="g1")
    group.settings = settings(nickname_pattern="", dry_run=True)
    group.save()
    memory.performed.clear()
    assert run_jobs(engine) == 1
    assert memory.performed == []
    row = AuditLog.objects.get(community=community, action="Notify")
    assert (row.outcome, row.target, row.rule) == ("dry_run", "u1", "ritual")


def test_a_fill_with_an_unknown_field_fails_alone(
    make_engine: MakeEngine, community: Community
) -> None:
    from shequn.playbook.archive_actions import ArchiveActionError, fill_archive

    make_engine({})
    run(Engine(community, [MemoryConnector(platform=PLATFORM)], rules=()), joined(1, "u1"))
    group = Group.objects.get(external_id="g1")
    bad = FillArchive(
        platform=PLATFORM, group="g1", member=Actor("u1"), fields=(("intro", "x"), ("tier", "big"))
    )
    with pytest.raises(ArchiveActionError, match="cannot fill tier"):
        fill_archive(group, bad)
    assert person(community, "u1").intro == ""  # nothing written half-way
