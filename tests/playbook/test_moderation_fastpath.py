"""The ad signals' shortcuts decide exactly what the full detectors decide.

Most chat holds nothing an advertiser writes, so ``find_signals`` skips work on
the strength of cheap clues: ``compact`` leaves text without symbols, look-alike
dots or numeral runs as it is; the link, phone, id, card and QR detectors run
only on a clue (``signals._clued``); keywords are looked for only where
``Keywords.trigger`` matches. Each shortcut must be conservative: here every
text goes both ways (the shortcuts, and every step taken) and the signals must
be the same, over the moderation tests' own texts, generated adversarial text
(full-width digits, emoji between digits, spaced and split words, variants,
markers) and the real exports.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from shequn.events import MessagePosted
from shequn.playbook.moderation.keywords import VARIANTS, Keywords, keywords
from shequn.playbook.moderation.signals import (
    WEIGHTS,
    Signal,
    _clued,
    _contact_signals,
    find_signals,
)
from shequn.playbook.moderation.text import _compacted, compact, normalize
from tests.playbook import test_moderation_rule, test_moderation_signals
from tests.playbook.test_moderation_realdata import tgif_events, ubuntu_events

KINDS = ("text", "image", "file", "link")
#: Pieces of generated text: ordinary chat, and everything the detectors look for.
PIECES = (
    "今天", "大家", "一下", "一个", "群主", "谢谢", "报名", "活动", "good", "thanks", "the",
    "learn", "line", "well", "signal", "skype", "kik", "ok", "v", "vx", "wx", "qq", "q", "tg",
    "加", "添加", "我", "+", "微", "微信", "薇", "薇信", "v信", "威信", "wei信", "微xin", "扣扣",
    "企鹅号", "群", "群号", "q群", "号", "兼", "职", "兼职", "兼職", "日", "赚", "日賺", "今日",
    "身兼职务", "增加", "刷單", "代購", "免費", "賺錢", "加薇", "扫码", "二维码", "qr code",
    "名片", "[名片]", "联系人", "begin:vcard", "x.vcf", "<msg username=\"a\" certflag",
    "work", "from", "home", "work from home", "dm me", "earn money", "crypto signals",
    "一三八一二三四五六七八", "〇", "零", "八", "138", "1234", "5678", "13812345678", "+86",
    "+44 20 7946 0958", "１３８", "①③⑧", "1️⃣3️⃣8️⃣", "🔥", "😀", "★", "\u200b", "\ufe0f",
    "abc", "abc123", "vx_62502", "@rich_fast", "12345678@qq.com", "t.me/joinchat/abc",
    "t.me/name", "https://bit.ly/x9", "http://a.com/x", "abc.com", "abc。com", "abc点com",
    "abc(dot)com", "www.x.io/a", "os.path.join", "setup.py", "1.2.3", "wa.me/861", "ＡＢＣ",
    " ", "  ", " ", "\n", "*", "·", ".", "-", "_", "~", "|", "/", ":", "：", "，", "。", "!",
    "(", "[", "{", "@", "=", "是", "為", "号", "id", "微信号", "telegram: ", "whatsapp ",
)  # fmt: skip
SEPARATORS = ("", "", "", " ", " ", "*", "-", "\u200b", "🔥", "·")
#: Markers whose hint is elsewhere in the text (群主), and other edges of the clues.
EDGES = (
    "群主 + v abc123", "群主 v信 abc123", "群主 v : abc123", "加 我 v abc123", "添加 微信 abc123",
    "skype @abc123", "kik: abc123", "line id: abc123", "signal: +44 20 7946 0958",
    "telegram me at @abcdef", "whatsapp = @abcdef", "12345678@qq.com", "QQ群 12345678",
    "企鹅号 12345", "微信号：abc-123-456", "vx：abc 123 456", "明天 3:30", "+86 138 1234 5678",
    "1 3 8 1 2 3 4 5 6 7 8", "138-1234-5678", "①③⑧①②③④⑤⑥⑦⑧", "x.vcf", "扫一扫 二维码",
)  # fmt: skip


def slow_signals(text: str, kind: str, words: Keywords) -> list[Signal]:
    """``find_signals`` with every step taken: no shortcut, no clue, no trigger."""
    normalized = normalize(text)
    plain = compact(normalized) if normalized.isascii() else _compacted(normalized)
    found: list[Signal] = []

    def add(code: str, evidence: str) -> None:
        found.append(Signal(code, WEIGHTS[code], evidence))

    prose = plain
    for link in _contact_signals(plain, kind, text, (), add):
        prose = prose.replace(link.text, " ")
    strong, weak = words._find(prose)
    found += [Signal("keyword", WEIGHTS["keyword"], word) for word in strong]
    found += [Signal("keyword_weak", WEIGHTS["keyword_weak"], word) for word in weak]
    return found


def assert_same(texts: Iterable[str], words: Keywords, kinds: tuple[str, ...] = KINDS) -> int:
    """Both ways over ``texts``, each shortcut checked on its own too; how many texts."""
    count = 0
    for text in texts:
        for kind in kinds:
            assert find_signals(text, kind, words=words) == slow_signals(text, kind, words), (
                text,
                kind,
            )
        normalized = normalize(text)
        plain = compact(normalized)
        assert normalized.isascii() or plain == _compacted(normalized), text
        if not _clued(plain):
            assert _contact_signals(plain, "image", text, (), _nothing) == [], text
        if words.trigger.search(plain) is None:
            assert words._find(plain) == ([], []), text
        count += 1
    return count


def _nothing(code: str, evidence: str) -> None:
    raise AssertionError(f"a {code} signal ({evidence}) without a clue")


def generated(seed: int, count: int) -> list[str]:
    """Random runs of ``PIECES`` joined by separators advertisers use, some case-changed."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        pieces = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
        text = "".join(p + rng.choice(SEPARATORS) for p in pieces)
        texts.append(text.upper() if rng.random() < 0.1 else text)
    return texts


def split_up(words: Iterable[str], seed: int) -> list[str]:
    """Each word with filler, spaces or emoji between its characters, in a sentence."""
    rng = random.Random(seed)
    fillers = (" ", "  ", "*", "·", "•", ".", "_", "~", "|", "/", "\\", "-", " * ", "🔥", "\u200b")
    out = []
    for word in words:
        for _ in range(3):
            split = rng.choice(fillers).join(word)
            out.append(f"{rng.choice(PIECES)}{split}{rng.choice(PIECES)}")
    return out


def case_texts() -> list[str]:
    """The strings of the moderation tests' parametrized cases."""
    found: list[str] = []
    for module in (test_moderation_signals, test_moderation_rule):
        for name in dir(module):
            marks = getattr(getattr(module, name), "pytestmark", [])
            for mark in marks:
                if mark.name == "parametrize":
                    found += _strings(mark.args[1])
    return found


def _strings(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple | list):
            out += _strings(value)
    return out


def test_moderation_tests_texts_go_both_ways_alike() -> None:
    texts = case_texts() + list(EDGES)
    assert len(texts) > 50
    assert_same(texts, keywords())


@pytest.mark.parametrize("seed", range(4))
def test_generated_text_goes_both_ways_alike(seed: int) -> None:
    assert assert_same(generated(seed, 2_500), keywords()) == 2_500


def test_split_words_and_variants_go_both_ways_alike() -> None:
    words = keywords()
    listed = sorted(words.strong | words.weak | set(VARIANTS) | {"加我v", "+ v", "添加 微信"})
    assert_same(split_up(listed, 7), words)


def test_extra_and_allowed_keywords_go_both_ways_alike() -> None:
    words = keywords(("割韭菜", "crypto pump", "加", "v"), ("兼职", "加v", "work from home"))
    texts = generated(11, 1_000) + split_up(["割韭菜", "crypto pump", "加"], 3)
    assert_same(texts, words)


@pytest.mark.realdata
def test_real_exports_go_both_ways_alike(real_data: Path) -> None:
    events = tgif_events(real_data) + ubuntu_events(real_data)
    texts = sorted({e.text for e in events if isinstance(e, MessagePosted) and e.text})
    assert len(texts) > 10_000
    assert_same(texts, keywords(), kinds=("text",))
