"""接龙 posts read on their own: titles, descriptions and numbered entries."""

from __future__ import annotations

import pytest

from shequn.playbook.jielong_post import parse_post, title_key


@pytest.mark.parametrize(
    ("line", "entry"),
    [
        ("1. 张三", "张三"),
        ("1.张三", "张三"),
        ("1、张三", "张三"),
        ("1 张三 +1", "张三 +1"),
        ("１．张三", "张三"),
        ("１、张三（带孩子）", "张三（带孩子）"),
        ("①张三", "张三"),
        ("⑴ 张三", "张三"),
        ("(1) 张三", "张三"),
        ("1) 张三", "张三"),
        ("1）张三", "张三"),
        ("1：张三", "张三"),
        ("1,张三", "张三"),
        ("  1. 张三  ", "张三"),
        ("1. 3栋 张姐 2份", "3栋 张姐 2份"),
        ("1. 5-201 李", "5-201 李"),
        ("1、3栋", "3栋"),
        ("1)3号", "3号"),
    ],
)
def test_entry_numbering_styles(line: str, entry: str) -> None:
    post = parse_post(f"#接龙 团购\n{line}")
    assert post is not None and post.entries == (entry,)


@pytest.mark.parametrize(
    "text",
    [
        "#接龙 周六爬山\n10:30 集合",  # a time, not entry 10
        "#接龙 周六爬山\n10：30 集合",
        "#接龙 周六爬山\n1.5公里山路",  # a distance
        "#接龙 周六爬山\n2. 李四",  # no entry 1
        "本周六去越秀公园扫街，报名接龙",  # the call, before anyone signs
        "今天天气不错",
        "",
        "2026年的计划",
    ],
)
def test_not_a_post(text: str) -> None:
    assert parse_post(text) is None


def test_numbered_description_then_entries() -> None:
    text = "#接龙 周日读书会\n1. 时间：周日 15:00\n2. 地点：图书馆三楼\n\n1. 张三\n2. 李四"
    post = parse_post(text)
    assert post is not None
    assert post.entries == ("张三", "李四")
    assert post.description == ("1. 时间：周日 15:00", "2. 地点：图书馆三楼")


def test_a_line_after_the_entries_is_not_an_entry() -> None:
    post = parse_post("#接龙 聚餐\n1. 张三\n2. 李四\n截止周五中午")
    assert post is not None and post.entries == ("张三", "李四")


def test_title_in_one_line_and_unmarked_titles() -> None:
    one_line = parse_post("周六聚餐接龙\n1. 张三")
    assert one_line is not None and one_line.marked and one_line.title == "周六聚餐接龙"
    plain = parse_post("三点建议\n1. 先写大纲\n2. 再动笔")
    assert plain is not None and not plain.marked


def test_title_keys_ignore_whitespace_punctuation_width_and_marker() -> None:
    assert title_key("#接龙 周六 香山爬山！") == title_key("#接龙\u3000周六香山爬山")
    assert title_key("【接龙】周六香山爬山") == title_key("周六香山爬山")
    assert title_key("ＡＢ羽毛球") == title_key("ab羽毛球")
    assert title_key("周六爬山") != title_key("周日爬山")


def test_entry_text_keeps_its_full_width_punctuation() -> None:
    post = parse_post("#接龙\n1. 张三，带家属（2人）")
    assert post is not None and post.entries == ("张三，带家属（2人）",)


# --- chains ---------------------------------------------------------------------
