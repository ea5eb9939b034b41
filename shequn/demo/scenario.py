"""The demo community 星河创业者社群 and the known fate of each of its groups.

History runs from 2026-07-01 to 2026-11-19 (Asia/Shanghai), all on WeChat.
Later analytics are tested against these fates, so they are part of the contract:

1. 星河·创业者交流群 (``social``, ~42 members): healthy. Soul figure 林晓 (the
   owner, ``wxid_demo0000``) posts and answers every day; talk is spread over
   many members; questions are answered within minutes; every newcomer posts
   the intro template (自我介绍/需要资源/拥有资源) and a veteran welcomes them;
   many ties outside the group (two meetups → met_offline, friends,
   collaborations). Tiers: 2 big, 8 mid, the rest ordinary.
2. 星河粉丝福利群 (``fan``, grows from 120 to ~450): grew too big. Six members
   write about 70% of all messages; most members never speak; newcomers arrive
   by QR code and link and nobody answers them; 8 advertisers join by the QR
   code of one member, the advertiser-inviter (``founders[AD_INVITER]``, fission
   quality's worst inviter), and post links (5 are removed by the owner); 5
   red-packet bursts, each followed by two near-silent days.
3. 周末徒步约伴群 (``social``, 35 members): started strong and died. Created
   2026-08-01, very lively in its first ten days, fading to nothing; the last
   message is about four weeks after creation. Advice: dissolve and rebuild.
4. AI写作训练营·第3期 (``student``, 60 members): a course group from 07-10 for
   eight weeks. Teacher 周老师 posts each lesson; a monitor (班长); students
   check in daily with 打卡/签到, many of them with long streaks, fewer as the
   course goes on; little chat between students.
5. 星河私董会 (``paid``, 28 members): created 2026-09-01 and fed from the free
   groups: every member is also in group 1 or 2 and was invited by the owner.
   Fewer, longer, higher-value posts.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from shequn.demo import corpus, resources
from shequn.demo.sim import GroupSim, Line
from shequn.demo.world import (
    END,
    START,
    GroupPlan,
    Persona,
    days,
    make_personas,
    spread,
    weights,
)
from shequn.events import JoinHow, LeaveHow, MessageKind


def text(template: tuple[str, ...]) -> Line:
    """A line-maker that fills one of ``template``'s lines for the speaker."""

    def line(rng: random.Random, who: Persona) -> tuple[str, MessageKind]:
        chosen = rng.choice(template)
        kind = MessageKind.IMAGE if chosen == "[图片]" else MessageKind.TEXT
        if chosen == "[表情]":
            kind = MessageKind.STICKER
        return corpus.fill(chosen, rng, name=who.name), kind

    return line


def intro(p: Persona) -> str:
    return corpus.INTRO.format(
        name=p.name, city=p.city, industry=p.industry, need=p.need, offer=p.offer
    )


def social_group(rng: random.Random, people: list[Persona]) -> GroupSim:
    owner, founders, later = people[0], people[1:30], people[30:42]
    plan = GroupPlan(
        key="demo-social@chatroom",
        name="星河·创业者交流群",
        kind="social",
        positioning="早期创业者互助：资源对接、经验分享、线下交流",
        value_statement="每周一次主题分享与线下活动；付费私董会与合作项目转化",
        created=START,
        owner=owner,
        founders=founders,
    )
    plan.talkers = weights(rng, people[:42], heavy=1, share=0.15)
    sim = GroupSim(plan, rng)
    sim.create(START)
    arrivals = list(zip(spread(rng, later, START + timedelta(days=14), END), later, strict=True))
    for day in days(START, END):
        for when, p in arrivals:
            if when == day:
                sim.join(day, 10 * 3600, p, JoinHow.INVITE, rng.choice(founders[:10]))
                sim.welcome(day, 10 * 3600, p, intro(p), answer=True)
        sim.talk(day, rng.randrange(18, 36), text(corpus.CHAT))
        for _ in range(rng.randrange(1, 3)):
            ask_and_answer(sim, day, rng)
        sim.say(day, 8 * 3600, owner, corpus.fill("早安！今日话题：{skill}，欢迎大家聊聊经验", rng))
    resources.known_matches(sim, people)
    return sim


def ask_and_answer(sim: GroupSim, day: date, rng: random.Random) -> None:
    sec = rng.randrange(9 * 3600, 22 * 3600)
    asker = sim.speaker()
    q = sim.say(day, sec, asker, corpus.fill(rng.choice(corpus.QUESTIONS), rng))
    helper = sim.speaker()
    if helper.key == asker.key:
        return
    a = sim.say(
        day,
        sec + rng.randrange(60, 900),
        helper,
        corpus.fill(rng.choice(corpus.ANSWERS), rng),
        reply_to=q,
        mention=asker,
    )
    sim.say(
        day,
        sec + rng.randrange(960, 1800),
        asker,
        rng.choice(corpus.THANKS),
        reply_to=a,
        mention=helper,
    )


def fan_group(rng: random.Random, people: list[Persona], owner: Persona) -> GroupSim:
    founders, later = people[:119], people[119:450]
    plan = GroupPlan(
        key="demo-fans@chatroom",
        name="星河粉丝福利群",
        kind="fan",
        positioning="公众号读者福利群：新品试用、直播通知、优惠券",
        value_statement="直播带货与课程转化",
        created=START,
        owner=owner,
        founders=founders,
    )
    plan.talkers = weights(rng, [owner, *people[:450]], heavy=6, share=0.6, silent=0.7)
    sim = GroupSim(plan, rng)
    sim.create(START)
    arrivals = spread(rng, later, START + timedelta(days=3), END)
    advertisers = make_ads(rng, len(people))
    bursts = {START + timedelta(days=d) for d in (20, 45, 70, 95, 120)}
    quiet = 0
    for day in days(START, END):
        for p in [p for when, p in zip(arrivals, later, strict=True) if when == day]:
            how = JoinHow.QR if rng.random() < 0.6 else JoinHow.LINK
            sim.join(day, rng.randrange(8 * 3600, 23 * 3600), p, how, rng.choice(founders))
        fan_ads(sim, day, rng, advertisers, owner, founders)
        if day in bursts:
            red_packets(sim, day, rng, owner)
            quiet = 2
            continue
        count = rng.randrange(2, 6) if quiet else rng.randrange(30, 90)
        quiet = max(0, quiet - 1)
        sim.talk(day, count, text(corpus.FAN_CHAT), reply_share=0.05)
    return sim


def make_ads(rng: random.Random, offset: int) -> list[tuple[date, Persona]]:
    ads = make_personas(random.Random(rng.random()), 8)
    for i, p in enumerate(ads):
        p.key = f"wxid_ad{offset + i:04d}"
    return [(START + timedelta(days=10 + 15 * i), p) for i, p in enumerate(ads)]


#: The fan-group founder whose QR code every advertiser joins by (the advertiser-inviter).
AD_INVITER = 7


def fan_ads(
    sim: GroupSim,
    day: date,
    rng: random.Random,
    ads: list[tuple[date, Persona]],
    owner: Persona,
    founders: list[Persona],
) -> None:
    for i, (when, p) in enumerate(ads):
        if when != day:
            continue
        sec = rng.randrange(9 * 3600, 20 * 3600)
        rng.choice(founders)  # still drawn, so that every later draw stays as it was
        sim.join(day, sec, p, JoinHow.QR, founders[AD_INVITER])
        sim.say(day, sec + 600, p, corpus.fill(rng.choice(corpus.ADS), rng), MessageKind.LINK)
        if i < 5:
            sim.leave(day, sec + 1500, p, LeaveHow.REMOVED, owner)


def red_packets(sim: GroupSim, day: date, rng: random.Random, owner: Persona) -> None:
    sec = 20 * 3600
    sim.say(day, sec, owner, corpus.RED_PACKET, MessageKind.RED_PACKET)
    for i in range(rng.randrange(15, 30)):
        sim.say(
            day,
            sec + 5 + i * rng.randrange(2, 8),
            sim.speaker(),
            rng.choice(corpus.RED_PACKET_THANKS),
        )


def dead_group(rng: random.Random, people: list[Persona]) -> GroupSim:
    created = date(2026, 8, 1)
    plan = GroupPlan(
        key="demo-hike@chatroom",
        name="周末徒步约伴群",
        kind="social",
        positioning="北京周边周末徒步约伴",
        value_statement="户外装备团购",
        created=created,
        owner=people[0],
        founders=people[1:35],
    )
    plan.talkers = weights(rng, people[:35], heavy=3, share=0.3)
    sim = GroupSim(plan, rng)
    sim.create(created)
    for offset, day in enumerate(days(created, created + timedelta(days=28))):
        count = int(80 * (0.78**offset)) if offset < 10 else int(12 * (0.85 ** (offset - 10)))
        sim.talk(day, count, text(corpus.HIKE), reply_share=0.3)
    return sim


def student_group(rng: random.Random, people: list[Persona], teacher: Persona) -> GroupSim:
    created = date(2026, 7, 10)
    plan = GroupPlan(
        key="demo-class@chatroom",
        name="AI写作训练营·第3期",
        kind="student",
        positioning="八周AI写作实战课，每日打卡",
        value_statement="课程收费；优秀学员进入付费社群",
        created=created,
        owner=teacher,
        founders=people[:60],
    )
    plan.talkers = weights(rng, people[:60], heavy=1, share=0.1)
    sim = GroupSim(plan, rng)
    sim.create(created)
    diligence = {p.key: rng.uniform(0.3, 0.98) for p in people[:60]}
    for offset, day in enumerate(days(created, created + timedelta(days=63))):
        lesson = offset + 1
        if offset < 56:
            sim.say(day, 19 * 3600, teacher, f"第{lesson}课：今晚8点直播，作业今晚12点前提交打卡")
        fade = max(0.2, 1 - offset / 80)
        for p in people[:60]:
            if offset < 56 and rng.random() < diligence[p.key] * fade:
                line = corpus.fill(rng.choice(corpus.CHECKIN), rng, day=lesson)
                sim.say(day, rng.randrange(20 * 3600, 23 * 3600 + 3000), p, line)
        sim.talk(day, rng.randrange(2, 8), text(corpus.COURSE), reply_share=0.1)
    return sim


def paid_group(rng: random.Random, members: list[Persona], owner: Persona) -> GroupSim:
    created = date(2026, 9, 1)
    plan = GroupPlan(
        key="demo-paid@chatroom",
        name="星河私董会",
        kind="paid",
        positioning="付费私董会：月度案例拆解与闭门会",
        value_statement="年费会员 3,980 元",
        created=created,
        owner=owner,
        founders=members[:12],
    )
    plan.talkers = weights(rng, [owner, *members], heavy=2, share=0.3)
    sim = GroupSim(plan, rng)
    sim.create(created)
    arrivals = list(
        zip(spread(rng, members[12:], created + timedelta(days=3), END), members[12:], strict=True)
    )
    for day in days(created, END):
        for when, p in arrivals:
            if when == day:
                sim.join(day, 11 * 3600, p, JoinHow.INVITE, owner)
                sim.welcome(day, 11 * 3600, p, intro(p), answer=True)
        sim.talk(day, rng.randrange(4, 14), text(corpus.PAID_TALK), reply_share=0.35)
    return sim
