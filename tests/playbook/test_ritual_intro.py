"""Reading introductions and nicknames (pure), and the ritual's config validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shequn.playbook.ritual import RitualConfig
from shequn.playbook.ritual_intro import (
    NicknamePattern,
    PatternError,
    has_link,
    parse_intro,
    weight,
)

FULL = (("intro", "张三，深圳做跨境电商"), ("needs", "物流渠道"), ("offers", "亚马逊运营经验"))


@pytest.mark.parametrize(
    "text",
    [
        "自我介绍：张三，深圳做跨境电商\n需要资源：物流渠道\n拥有资源：亚马逊运营经验",
        "自我介绍:张三，深圳做跨境电商\n需要资源:物流渠道\n拥有资源:亚马逊运营经验",  # ASCII colons
        "自我介绍：张三，深圳做跨境电商 需要资源：物流渠道 拥有资源：亚马逊运营经验",  # one line
        "1. 自我介绍：张三，深圳做跨境电商 2. 需要资源：物流渠道 3. 拥有资源：亚马逊运营经验",
        "【自我介绍】张三，深圳做跨境电商【需要资源】物流渠道【拥有资源】亚马逊运营经验",
        "👉自我介绍：张三，深圳做跨境电商🎉\n👉需要资源：物流渠道\n👉拥有资源：亚马逊运营经验✨",
        "个人介绍：张三，深圳做跨境电商\n我需要：物流渠道\n可提供：亚马逊运营经验",  # variants
        "自我介绍 ： 张三，深圳做跨境电商；需要资源 ：物流渠道；拥有资源：亚马逊运营经验。",
        "自我介绍：　张三，深圳做跨境电商　\n需要资源：物流渠道\n\n拥有资源：亚马逊运营经验",
    ],
)
def test_chinese_introductions_in_many_shapes(text: str) -> None:
    intro = parse_intro(text)
    assert intro.answers
    assert intro.fields == FULL


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (
            "Intro: Tom, backend dev in Berlin\nNeeds: a designer\nOffers: code reviews",
            (("intro", "Tom, backend dev in Berlin"), ("needs", "a designer"),
             ("offers", "code reviews")),
        ),
        (
            "intro: Tom. Looking for: funding. I can offer: mentoring 🚀",
            (("intro", "Tom"), ("needs", "funding"), ("offers", "mentoring")),
        ),
        ("ＩＮＴＲＯ：Ａｎｎ，设计师", (("intro", "Ａｎｎ，设计师"),)),  # full-width letters
        (
            "About me: Li, Shanghai\nCity: Shanghai\nIndustry: fintech",
            (("intro", "Li, Shanghai"), ("city", "Shanghai"), ("industry", "fintech")),
        ),
    ],
)  # fmt: skip
def test_english_and_mixed_introductions(text: str, fields: tuple[tuple[str, str], ...]) -> None:
    intro = parse_intro(text)
    assert intro.answers
    assert intro.fields == fields


@pytest.mark.parametrize(
    "text",
    [
        "请问这个需要多少钱？",  # 需要 without a colon is no label
        "大家好，简单介绍一下我自己",
        "I offered: nothing",  # "offered" is not the label "offer"
        "自我介绍：\n需要资源：\n拥有资源：",  # the template pasted back, empty
        "明天需求评审：下午三点",  # one label, not at the start, not an intro label
    ],
)
def test_what_is_not_an_answer(text: str) -> None:
    assert not parse_intro(text).answers


def test_a_leading_needs_line_alone_answers_and_repeats_join() -> None:
    assert parse_intro("需要资源：一位律师").fields == (("needs", "一位律师"),)
    twice = parse_intro("需要：律师\n需要：会计")
    assert twice.answers and twice.get("needs") == "律师\n会计"


def test_weight_and_links() -> None:
    assert weight("大家好") == 6 and weight("hi all") == 5
    assert has_link("加我 abc.com 领福利") and has_link("see https://x.org")
    assert has_link("ｗｗｗ.example.cn")  # full-width, read through NFKC
    assert not has_link("我在深圳做外贸，主营家居用品")


@pytest.mark.parametrize(
    ("nickname", "parts"),
    [
        ("北京-互联网-张三", ("北京", "互联网", "张三")),
        ("北京－互联网－张三", ("北京", "互联网", "张三")),  # full-width dashes
        ("北京 - 互联网 - 张三", ("北京", "互联网", "张三")),
        ("北京—互联网—张三", ("北京", "互联网", "张三")),
        ("北京|互联网|张三", ("北京", "互联网", "张三")),
        ("🌟北京-互联网-张三😀", ("北京", "互联网", "张三")),  # emoji around
        ("北京-互联网-张三-Tom", ("北京", "互联网", "张三-Tom")),  # the last part takes the rest
        ("Berlin-Fintech-John Smith", ("Berlin", "Fintech", "John Smith")),
    ],
)
def test_nicknames_that_fit(nickname: str, parts: tuple[str, str, str]) -> None:
    pattern = NicknamePattern.parse("城市-行业-姓名")
    assert pattern.match(nickname) == dict(zip(("城市", "行业", "姓名"), parts, strict=True))
    assert pattern.archive_fields(nickname) == (("city", parts[0]), ("industry", parts[1]))


@pytest.mark.parametrize(
    "nickname", ["张三", "北京-张三", "北京--张三", "-互联网-张三", "🌟-🌟-🌟", ""]
)
def test_nicknames_that_do_not_fit(nickname: str) -> None:
    assert NicknamePattern.parse("城市-行业-姓名").match(nickname) is None


def test_english_and_two_part_patterns() -> None:
    pattern = NicknamePattern.parse("City/Name")
    assert pattern.match("Paris/Ann") == {"City": "Paris", "Name": "Ann"}
    assert pattern.archive_fields("Paris/Ann") == (("city", "Paris"),)
    for bad in ("姓名", "城市--姓名", "城市-城市"):
        with pytest.raises(PatternError):
            NicknamePattern.parse(bad)


def test_config_validation_names_the_field() -> None:
    with pytest.raises(ValidationError, match="nickname_pattern") as caught:
        RitualConfig.model_validate({"nickname_pattern": "姓名"})
    assert "expected at least two parts" in str(caught.value)
    with pytest.raises(ValidationError, match=r"unknown field \{nick\}"):
        RitualConfig.model_validate({"join_reminder": "改名 {nick}"})
    with pytest.raises(ValidationError, match="does not fit the format"):
        RitualConfig.model_validate({"nickname_example": "张三"})
    with pytest.raises(ValidationError, match="unanswered_minutes"):
        RitualConfig.model_validate({"unanswered_minutes": -1})
    off = RitualConfig.model_validate({"nickname_pattern": "  "})
    assert off.pattern is None
    fields = RitualConfig.model_fields
    assert all(f.title for name, f in fields.items()), "every field has a label"
