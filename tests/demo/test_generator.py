"""The demo generator is deterministic and its groups have the fates its docstring promises."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from shequn.demo.generator import build
from shequn.events import MemberJoined, MemberLeft, MessageKind, MessagePosted


def messages(group: str) -> list[MessagePosted]:
    return [e for e in DEMO.events if isinstance(e, MessagePosted) and e.group == group]


DEMO = build()


def test_same_seed_same_events() -> None:
    assert build().events == DEMO.events


def test_events_are_aware_ordered_and_uniquely_identified() -> None:
    assert all(e.at.tzinfo is not None for e in DEMO.events)
    assert [e.at for e in DEMO.events] == sorted(e.at for e in DEMO.events)
    keys = [(e.group, e.event_id) for e in DEMO.events]
    assert len(keys) == len(set(keys))


def test_fan_group_is_big_and_a_few_do_the_talking() -> None:
    said = Counter(m.actor.id for m in messages("demo-fans@chatroom") if m.actor)
    joined = {
        e.member.id
        for e in DEMO.events
        if isinstance(e, MemberJoined) and e.group == "demo-fans@chatroom"
    }
    assert len(joined) >= 450
    top6 = sum(n for _, n in said.most_common(6))
    assert top6 / sum(said.values()) > 0.5
    assert len(said) / len(joined) < 0.5  # most members never speak


def test_fan_group_has_advertisers_removed_and_red_packet_bursts() -> None:
    removed = [
        e for e in DEMO.events if isinstance(e, MemberLeft) and e.group == "demo-fans@chatroom"
    ]
    assert len(removed) == 5 and all(e.member.id.startswith("wxid_ad") for e in removed)
    links = [m for m in messages("demo-fans@chatroom") if m.kind == MessageKind.LINK]
    assert len(links) == 8 and all("http" in m.text for m in links)
    packets = [m for m in messages("demo-fans@chatroom") if m.kind == MessageKind.RED_PACKET]
    assert len(packets) == 5


def test_hike_group_dies_within_four_weeks() -> None:
    hike = messages("demo-hike@chatroom")
    first, last = hike[0].at, hike[-1].at
    assert last - first < timedelta(days=29)
    early = sum(1 for m in hike if m.at - first < timedelta(days=7))
    assert early > 0.7 * len(hike)


def test_social_newcomers_introduce_themselves_and_get_a_reply() -> None:
    social = messages("demo-social@chatroom")
    intros = [m for m in social if m.text.startswith("自我介绍")]
    assert len(intros) == 12
    replied = {m.reply_to for m in social if m.reply_to}
    assert all(m.event_id in replied for m in intros)


def test_student_group_checks_in_and_paid_group_comes_from_free_groups() -> None:
    checkins = [m for m in messages("demo-class@chatroom") if "打卡" in m.text or "签到" in m.text]
    assert len(checkins) > 1000
    free = {
        e.member.id
        for e in DEMO.events
        if isinstance(e, MemberJoined) and e.group in {"demo-social@chatroom", "demo-fans@chatroom"}
    }
    paid = {
        e.member.id
        for e in DEMO.events
        if isinstance(e, MemberJoined) and e.group == "demo-paid@chatroom"
    }
    assert len(paid) == 29 and paid <= free
