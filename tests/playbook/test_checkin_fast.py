"""Check-in recognition's quicker steps decide as the plain ones they replaced.

``is_checkin`` looks for keywords with one regex whose alternatives each start
with a plain character, folds ASCII case with one table, and asks its negation
and question words with one regex each; ``shequn import`` looks at each message
once for a keyword or a numbered line, and remembers what it decided per text.
Each is compared here with the step as first written, over varied chat.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequn.playbook import checkin
from shequn.playbook.checkin import DEFAULT_KEYWORDS, CheckinConfig, is_checkin
from shequn.playbook.jielong_import import _GroupScan
from shequn.playbook.jielong_post import LEADS, might_be_jielong

# --- the steps as first written ----------------------------------------------------------


def _probe_before(config: CheckinConfig) -> re.Pattern[str]:
    cores = sorted({k.lstrip("#/") or k for k in config.keywords})
    return re.compile("|".join(checkin._any_form(core) for core in cores))


def _normalise_before(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return (
        text.lower() if text.isascii() else "".join(c.lower() if c.isascii() else c for c in text)
    )


def _negated_before(text: str, at: int) -> bool:
    before = text[max(0, at - 4) : at]
    tail = re.search(r"(?:忘|没|未|漏|别|不|请)[了过记得有再要]{0,2}$", before) is not None
    return tail or any(
        w in before for w in ("记得", "提醒", "大家", "怎么", "如何", "别忘", "不要", "不用")
    )


def _is_question_before(text: str) -> bool:
    stripped = checkin._strip_decoration(text)
    if stripped.endswith(("?", "吗", "么", "呢")) or "?" in text:
        return True
    words = ("怎么", "如何", "为什么", "为啥", "在哪", "能不能", "是不是", "可不可以")
    return any(word in text for word in words)


def _short_before(text: str, at: int, keyword: str, limit: int) -> bool:
    after = checkin._letters(text[at + len(keyword) :])
    before = checkin._letters(text[:at])
    return len(before) <= limit and checkin._PARTICLES.fullmatch(after) is not None


# --- varied chat ---------------------------------------------------------------------------

PIECES = (
    *DEFAULT_KEYWORDS, "CheckIn", "ＣＨＥＣＫＩＮ", "check", "checkins", "打", "卡", "签",
    "忘了", "没有", "记得", "大家", "怎么", "如何", "为什么", "吗", "？", "?", "了", "啦", "成功",
    "第3天", "第三天", "Day 5", "day5", "连续7天", "坚持 10 天", "今日", "晨跑", "读书", "30分钟",
    "✅", "🎉", "【", "】", "，", "。", "!", "～", " ", "\u3000", "\n", "1. ", "２．", "①", "(",
    "A", "z", "Ａ", "#", "/", "接龙", "成员12 +1",
)  # fmt: skip
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(max_size=20),
)
KEYWORDS = st.lists(
    st.sampled_from((*DEFAULT_KEYWORDS, "Check-In", "晨读", "读", "#Day", "已签", "/CHECK")),
    min_size=1,
    max_size=5,
)


@settings(max_examples=500, deadline=None)
@given(TEXT, KEYWORDS)
def test_the_probe_finds_what_it_found_before(text: str, keywords: list[str]) -> None:
    config = CheckinConfig(keywords=keywords)
    found = config.probe.search(text) is not None
    assert found == (_probe_before(config).search(text) is not None)


@settings(max_examples=500, deadline=None)
@given(TEXT, KEYWORDS, st.sampled_from(("text", "image", "sticker")))
def test_a_check_in_is_decided_as_before(text: str, keywords: list[str], kind: str) -> None:
    config = CheckinConfig(keywords=keywords)
    assert checkin.normalise(text) == _normalise_before(text)
    decided = is_checkin(kind, text, config)
    with mock.patch.multiple(
        checkin,
        _negated=_negated_before,
        _is_question=_is_question_before,
        _short=_short_before,
    ):
        assert decided == is_checkin(kind, text, config)


FOCUSED = (
    "打卡", "签到", "CheckIn", "了", "第3天", "如何", "怎么", "大家", "忘", "没", "吗", "？", "，",
    "✅", " ", "晨跑读书", "今日", "一下", "啦", "成功", "1. ", "Day 2",
)  # fmt: skip


def test_every_three_pieces_are_decided_as_before() -> None:
    config = CheckinConfig()
    for a in FOCUSED:
        for b in FOCUSED:
            for c in FOCUSED:
                text = a + b + c
                decided = is_checkin("text", text, config)
                with mock.patch.multiple(
                    checkin,
                    _negated=_negated_before,
                    _is_question=_is_question_before,
                    _short=_short_before,
                ):
                    assert decided == is_checkin("text", text, config), text


# --- shequn import: one look per message, decisions remembered ---------------------------


def test_every_space_is_a_lead() -> None:
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    assert spaces and all(c in LEADS for c in spaces)


@settings(max_examples=500, deadline=None)
@given(TEXT, KEYWORDS)
def test_the_quick_look_misses_no_check_in_and_no_numbered_line(
    text: str, keywords: list[str]
) -> None:
    scan = _GroupScan(CheckinConfig(keywords=keywords))
    looked = bool(text) and (text[0] in LEADS or scan.look.search(text) is not None)
    if is_checkin("text", text, scan.config) or (text and might_be_jielong(text)):
        assert looked


@pytest.mark.parametrize("limit", [1, 3, 4096])
def test_remembered_decisions_are_the_decisions(limit: int) -> None:
    scan = _GroupScan(CheckinConfig())
    texts = ["打卡", "今日打卡✅", "忘了打卡", "打卡怎么弄？", "签到", "今天天气", "打卡"] * 3
    with mock.patch("shequn.playbook.jielong_import.CHECKED_LIMIT", limit):
        for kind in ("text", "image", "sticker"):
            for text in texts:
                assert scan.is_checkin(kind, text) == is_checkin(kind, text, scan.config)
                assert len(scan.checked) <= limit
