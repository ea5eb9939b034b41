"""Profiles, needs ↔ offers matching and question routing on small hand-built frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from shequn.analytics.matching import Profiles, build_profiles
from shequn.analytics.matching.answers import answers, threads
from shequn.analytics.matching.index import TermIndex
from shequn.analytics.matching.types import Evidence

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
WANG, LI, ZHANG, ZHAO, CHEN, ASK1, ASK2, ASK3 = range(1, 9)
A, B = 10, 20


def person(pid: int, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": pid,
        "name": name,
        "intro": "",
        "needs": "",
        "offers": "",
        "city": "",
        "industry": "",
        "tags": [],
    }
    row.update(fields)
    return row


PERSONS = pl.DataFrame(
    [
        person(WANG, "王磊", offers="跨境电商物流", city="深圳"),
        person(LI, "李娜", needs="跨境物流", city="北京"),
        person(ZHANG, "张伟", offers="物流", city="北京"),
        person(ZHAO, "赵敏", offers="跨境物流、清关", tags=["清关"]),
        person(CHEN, "陈晨", offers="跨境物流"),
        person(ASK1, "问一", needs="北京 清关"),
        person(ASK2, "问二", city="北京"),
        person(ASK3, "问三", city="北京", intro="我在北京做餐饮"),
    ],
    schema_overrides={"tags": pl.List(pl.String)},
)


def stays(*pairs: tuple[int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"group_id": g, "person_id": p, "left_at": None, "is_bot": False} for g, p in pairs],
        schema_overrides={"left_at": pl.Datetime("us", "UTC")},
    )


MEMBERS = stays(*[(A, p) for p in (WANG, LI, ZHANG, ASK1, ASK2, ASK3, ZHAO)], (B, CHEN), (B, ZHANG))
GROUPS = pl.DataFrame({"group_id": [A, B], "name": ["群A", "群B"]})
LINKS = pl.DataFrame({"person_a": [LI], "person_b": [CHEN], "dimension": ["collaborated"]})


def chat() -> pl.DataFrame:
    """Three 清关 questions in 群A that 王磊 answered; two thanked, one got a reaction."""
    rows: list[dict[str, object]] = []
    n = 0

    def say(who: int, text: str, reply: int | None = None, reactions: int = 0, **kw: object) -> int:
        nonlocal n
        n += 1
        rows.append(
            {
                "id": n,
                "group_id": A,
                "person_id": who,
                "at": T0 + timedelta(minutes=n),
                "text": text,
                "reply_to_id": reply,
                "mentioned": kw.get("mentioned", []),
                "reactions": reactions,
            }
        )
        return n

    q = say(ASK1, "请问清关要准备什么材料？")
    a = say(WANG, "清关要发票和装箱单", q)
    say(ASK1, "太感谢了！", a)
    q = say(ASK2, "海外仓清关怎么算关税？")
    a = say(WANG, "按申报价值算，清关行会帮你", q)
    say(ASK2, "明白了，谢谢", mentioned=[WANG])
    q = say(ASK3, "谁知道清关被扣了怎么办？")
    say(WANG, "找报关行补资料，清关三五天", q, reactions=2)
    q = say(ASK3, "清关是不是很贵？")
    say(ZHANG, "不清楚", q)  # an answer nobody thanked: no profile evidence
    start = say(ASK2, "周末一起去看看新能源展")
    say(ASK1, "好啊", start)
    say(ASK3, "算我一个", start)
    return pl.DataFrame(rows, schema_overrides={"mentioned": pl.List(pl.Int64)})


def profiles(opted_out: set[int] | None = None) -> Profiles:
    return build_profiles(PERSONS, MEMBERS, chat(), LINKS, GROUPS, opted_out or set())


def test_good_answers_are_thanked_or_reacted_to() -> None:
    found = answers(chat())
    good = dict(zip(found["answer_id"], found["good"], strict=True))
    assert good == {2: True, 5: True, 8: True, 10: False}
    assert set(found["asker_id"]) == {ASK1, ASK2, ASK3}
    started = threads(chat())
    assert started["person_id"].to_list() == [ASK2] and started["joiners"].to_list() == [2]


def test_need_meets_the_offer_with_its_reason() -> None:
    found = profiles().match_needs(LI, limit=3)
    people = [m.offer.person_id for m in found]
    assert set(people[:2]) == {WANG, ZHAO}  # 跨境 and 物流 both; 张伟 only 物流
    assert CHEN not in people  # 陈晨 and 李娜 already collaborated
    wang = next(m for m in found if m.offer.person_id == WANG)
    assert wang.need == "跨境物流"
    assert wang.offer.reason_en.startswith("王磊 offers 跨境电商物流")
    assert wang.offer.reason_zh.startswith("王磊 拥有资源：跨境电商物流")
    assert Evidence("offers", "offers", None, "跨境电商物流") in wang.offer.evidence


def test_rare_terms_weigh_more_than_common_ones() -> None:
    # 问一 needs "北京 清关": 赵敏 holds the rare 清关, four others the common 北京.
    found = profiles().match_needs(ASK1, limit=2)
    assert found[0].offer.person_id in {ZHAO, WANG}
    assert all(m.offer.person_id not in {ZHANG, ASK2, ASK3} for m in found)


def test_opted_out_members_are_never_suggested() -> None:
    quiet = profiles(opted_out={ZHAO, WANG})
    assert all(m.offer.person_id not in {ZHAO, WANG} for m in quiet.match_needs())
    routed = quiet.route("请问清关怎么办", group_id=A, limit=5)
    assert all(c.person_id not in {ZHAO, WANG} for c in routed)
    assert quiet.match_needs(LI)  # their own needs would still be matched


def test_matches_across_groups_are_preferred() -> None:
    idx = TermIndex()
    built = Profiles(index=idx, names={1: "甲", 2: "乙", 3: "丙"}, needs={1: "短视频剪辑"})
    for pid in (2, 3):
        idx.add(pid, Evidence("offers", "offers", None, "短视频剪辑"))
    built.groups_of = {1: {A}, 2: {A}, 3: {B}}
    assert [m.offer.person_id for m in built.match_needs(1)] == [3, 2]


def test_route_goes_to_the_proven_answerer() -> None:
    routed = profiles().route("有没有人懂清关？", group_id=A, asker=ASK2, limit=2)
    assert routed[0].person_id == WANG
    assert "3 answers on 清关 in 群A" in routed[0].reason_en
    assert "在群A回答过 3 次 清关 相关问题" in routed[0].reason_zh
    sources = {e.source for e in routed[0].evidence}
    assert sources == {"answer"}
    assert {e.group_id for e in routed[0].evidence} == {A}


def test_route_respects_group_exclusions_and_priors() -> None:
    built = profiles()
    in_a = built.route("清关", group_id=A, limit=5)
    assert CHEN not in {c.person_id for c in in_a}  # 陈晨 is not in 群A
    assert WANG not in {c.person_id for c in built.route("清关", group_id=A, exclude={WANG})}
    assert ASK1 not in {c.person_id for c in built.route("清关", group_id=A, asker=ASK1, limit=9)}
    lifted = built.route("清关", group_id=A, limit=1, priors={ZHAO: 10.0})
    assert lifted[0].person_id == ZHAO
    assert built.route("量子计算", group_id=None) == []
    assert built.match_needs(WANG) == []  # no stated need


def test_recent_partners_and_mentions_count_when_asked() -> None:
    built = profiles()
    at = T0 + timedelta(minutes=14)
    routed = built.route("那个呢？", group_id=A, asker=ASK2, at=at, mentioned=[ZHANG])
    assert routed[0].person_id == ZHANG  # addressed by name
    routed = built.route("还有一个问题?", group_id=A, asker=ASK1, at=at, limit=1)
    assert routed[0].person_id == WANG  # answered 问一 before
