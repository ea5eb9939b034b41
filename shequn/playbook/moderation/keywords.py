"""Ad keywords, matched on words (jieba) so that they never match inside ordinary words.

Chinese has no spaces, so "兼职" would match inside "身兼职务" and "日赚" inside
"今日赚了" on plain substrings. The text is segmented with jieba (its own
``Tokenizer``, loaded on first use, quiet, with the ad words added to its
dictionary) and a keyword counts only as a whole word. One more guard: when
the word next to a keyword is a lone character that forms a dictionary word
with the keyword's edge (今|日赚 → 今日, 增|加微信 → 增加), the
keyword took a character from its neighbour and does not count.

Strong keywords are an advertiser's words (兼职, 日赚, 刷单, 加V …); weak ones
are ordinary words that ads use a lot (微信, QQ, 免费 …). English phrases are
matched with word boundaries.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import Any

from shequn.playbook.moderation.text import CJK, FILLER, join_cjk

STRONG = (
    "兼职", "日赚", "日结", "刷单", "刷信誉", "高仿", "代购", "躺赚", "网赚", "月入过万", "返利",
    "招代理", "免费领取", "私聊领取", "扫码进群", "扫码加群", "博彩", "裸聊", "套现", "办证",
    "刷粉", "涨粉", "荐股", "带单", "稳赚", "引流", "代开发票", "加微信", "加微", "手机赚钱",
    "宝妈兼职", "网络兼职", "日入过千", "薅羊毛", "彩票群", "股票群", "加V",
)  # fmt: skip
WEAK = (
    "微信", "qq", "联系", "私聊", "私信", "电话", "优惠", "福利", "低价", "免费", "赚钱", "收益",
    "投资", "详情", "咨询", "推广", "出售", "代理", "进群", "加群", "扫码", "客服", "点击",
    "下载", "注册", "whatsapp", "telegram", "bitcoin", "crypto", "btc", "usdt", "forex",
    "profit", "investment", "earn", "income", "bonus", "promo", "discount", "casino",
)  # fmt: skip
STRONG_EN = (
    "work from home", "passive income", "earn money", "make money online", "daily profit",
    "guaranteed profit", "investment opportunity", "crypto signals?", "forex trading",
    "binary options?", "airdrop", "giveaway", "dm me", "inbox me", "message me on",
    "contact me on", "join my channel", "join our channel", "join our group", "click the link",
    "limited offer", "free money", "sugar daddy", "onlyfans", "escort service",
)  # fmt: skip
# Spellings advertisers use to dodge filters, and traditional forms, → the listed word.
VARIANTS = {
    "薇信": "微信", "威信": "微信", "徽信": "微信", "危信": "微信", "v信": "微信", "微xin": "微信",
    "wei信": "微信", "扣扣": "qq", "企鹅号": "qq号", "兼職": "兼职", "日賺": "日赚",
    "刷單": "刷单", "加薇": "加微", "代購": "代购", "免費": "免费", "賺錢": "赚钱",
}  # fmt: skip
_ADD = frozenset({"加", "+", "添加"})
_ADDED = frozenset({"v", "vx", "wx", "微", "薇", "微信", "q", "qq"})
_PLUS_ADDED = frozenset({"v", "vx", "wx", "微信"})  # not "+q": an IRC mode
# After 加 (+, 添加): the start of a word ``_added`` takes, past spaces, filler and 我.
_NEXT_ADDED = rf"{FILLER}*(?:我{FILLER}*)?[{''.join(sorted({w[0] for w in _ADDED}))}]"
_VARIANT = re.compile("|".join(re.escape(variant) for variant in VARIANTS))
_IS_CJK = re.compile(f"[{CJK}]")
_SPACES = re.compile(r"\s+")
_HAS_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORDS = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")

_lock = threading.Lock()
_tokenizer: Any = None
_added: set[str] = set()
_wanted: set[str] = set()


def tokenizer() -> Any:
    """The jieba tokenizer with the ad words; built once, on first use, without chatter."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            made = jieba.Tokenizer()
            made.initialize()
            _tokenizer = made
            _add_words(STRONG)
            _add_words(_wanted)
    return _tokenizer


def _add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer words it should keep whole (called under the lock)."""
    for word in words:
        word = word.casefold()
        if word not in _added and not word.isascii():
            _tokenizer.add_word(word, freq=3000)
            _added.add(word)


def _want(words: Iterable[str]) -> None:
    """Words for the tokenizer: added now if it is loaded, else when it loads."""
    with _lock:
        fresh = set(words) - _wanted
        _wanted.update(fresh)
        if _tokenizer is not None and fresh:
            _add_words(fresh)
            _segment.cache_clear()  # earlier segmentations did not know these words


def segment(text: str) -> list[str]:
    """``text`` (normalised) as jieba words, variants spelled the usual way, no spaces."""
    return list(_segment(text))


@lru_cache(maxsize=8192)
def _segment(text: str) -> tuple[str, ...]:
    """Chat repeats itself (收到, 谢谢, 同问): remembered segmentations save jieba's time."""
    if not _HAS_CJK.search(text):
        return tuple(_LATIN_WORDS.findall(text))  # what jieba makes of it, many times faster
    words = tokenizer().lcut(_prepared(text))
    return tuple(w for w in words if not _SPACES.fullmatch(w))


def _prepared(text: str) -> str:
    """Chinese text as jieba sees it: variants spelled the usual way, split words joined."""
    if _VARIANT.search(text):  # one scan; most text holds none of them
        for variant, usual in VARIANTS.items():
            text = text.replace(variant, usual)
    return join_cjk(text)


def _may_hold(text: str, candidates: frozenset[str]) -> bool:
    """False when no keyword can come out of segmenting ``text``.

    jieba's words are substrings of what it segments, so a Chinese text holding
    none of the candidates as a plain substring needs no segmentation; that is
    most chat, and segmentation is the rule's main cost.
    """
    if not _HAS_CJK.search(text):
        return True  # the Latin path is a regex, cheap already
    return _any_of(candidates).search(_prepared(text)) is not None


@lru_cache(maxsize=64)
def _any_of(candidates: frozenset[str]) -> re.Pattern[str]:
    """Any of ``candidates`` as a plain substring: one regex scan, not one ``in`` per word."""
    return re.compile("|".join(re.escape(w) for w in sorted(candidates, key=len, reverse=True)))


@dataclass(frozen=True)
class Keywords:
    """A keyword list: strong words, weak words, English strong phrases (regex alternatives)."""

    strong: frozenset[str]
    weak: frozenset[str]
    phrase_parts: tuple[str, ...]

    @cached_property
    def phrases(self) -> re.Pattern[str] | None:
        """The phrases as whole words (not inside a longer word), or None without any."""
        if not self.phrase_parts:
            return None
        return re.compile(r"(?<![a-z])(?:" + "|".join(self.phrase_parts) + r")(?![a-z])")

    @cached_property
    def candidates(self) -> frozenset[str]:
        """Every word ``find`` looks for (the 加 of 加微信 included)."""
        return self.strong | self.weak | _ADD

    @cached_property
    def trigger(self) -> re.Pattern[str]:
        """Found in every text where ``find`` finds a keyword, and in little else.

        A word comes out of the Latin words or of segmenting ``_prepared`` text (a
        substring of it, see ``_may_hold``): so each candidate is looked for with filler
        allowed where ``join_cjk`` drops it, a variant sends the text the full way, and
        phrases are looked for without their word boundaries. 加 (+, 添加) alone is no
        keyword: it counts before what ``_added`` takes. Every alternative starts with a
        literal character, so the regex engine skips the others at C speed; alternatives
        are grouped by that character, so fewer are tried where one might start.
        """
        listed = self.strong | self.weak
        looked_for = [
            (word[0], _spread(word)[len(re.escape(word[0])) :] + _after(word, listed))
            for word in sorted(self.candidates, key=lambda w: (-len(w), w))
        ]
        looked_for += [(variant[0], re.escape(variant[1:])) for variant in VARIANTS]
        return re.compile(_grouped(looked_for, self.phrase_parts))

    def find(self, text: str) -> tuple[list[str], list[str]]:
        """Strong and weak keywords in normalised ``text``, each once, in order."""
        if self.trigger.search(text) is None:
            return [], []  # most chat: no candidate, variant or phrase at all
        return self._find(text)

    def _find(self, text: str) -> tuple[list[str], list[str]]:
        """``find`` without the ``trigger`` check."""
        candidates = self.candidates
        words = segment(text) if _may_hold(text, candidates) else []
        strong: list[str] = []
        weak: list[str] = []
        for i, word in enumerate(words):
            if word not in candidates:
                continue
            hit = self._added(words, i) or word
            if hit in self.strong and _whole(words, i) and hit not in strong:
                strong.append(hit)
            elif hit in self.weak and hit not in weak:
                weak.append(hit)
        if self.phrases is not None:
            for match in self.phrases.finditer(text):
                if match.group(0) not in strong:
                    strong.append(match.group(0))
        return strong, weak

    def _added(self, words: list[str], i: int) -> str:
        """``加v`` for 加 + V / VX / 微信 / QQ (also with 我 between), else ""."""
        if words[i] not in _ADD:
            return ""
        rest = words[i + 1 : i + 3]
        if rest[:1] == ["我"]:
            rest = rest[1:]
        added = _ADDED if words[i] != "+" else _PLUS_ADDED
        return "加v" if rest[:1] and rest[0] in added else ""


def _after(word: str, listed: frozenset[str]) -> str:
    """What must follow ``word`` in ``trigger``: for 加 (+, 添加) not listed itself, an added id."""
    return "" if word in listed or word not in _ADD else _NEXT_ADDED


def _grouped(looked_for: list[tuple[str, str]], phrases: tuple[str, ...]) -> str:
    """One alternation of (first character, rest) pairs and phrases, grouped by first character.

    A phrase is grouped when it starts with a letter or digit that no quantifier follows
    and has no alternatives of its own.
    """
    groups: dict[str, list[str]] = {}
    for first, rest in looked_for:
        groups.setdefault(re.escape(first), []).append(rest)
    alone = []
    for phrase in phrases:
        if phrase[0].isalnum() and phrase[1:2] not in ("*", "+", "?", "{") and "|" not in phrase:
            groups.setdefault(phrase[0], []).append(phrase[1:])
        else:
            alone.append(phrase)
    parts = [first + "(?:" + "|".join(rests) + ")" for first, rests in groups.items()]
    return "|".join(parts + alone)


def _spread(word: str) -> str:
    """``word`` as a regex that also takes filler between two of its Chinese characters."""
    out = re.escape(word[0])
    for before, char in pairwise(word):
        if _IS_CJK.match(before) and _IS_CJK.match(char):
            out += FILLER + "{0,3}"
        out += re.escape(char)
    return out


def _whole(words: list[str], i: int) -> bool:
    """False when the keyword at ``i`` took a character from a lone neighbour."""
    word = words[i]
    if i > 0 and _lone(words[i - 1]) and _known(words[i - 1] + word[0]):
        return False
    return not (i + 1 < len(words) and _lone(words[i + 1]) and _known(word[-1] + words[i + 1]))


def _known(word: str) -> bool:
    return bool(tokenizer().FREQ.get(word))


def _lone(word: str) -> bool:
    return len(word) == 1 and "\u4e00" <= word <= "\u9fff"


@lru_cache(maxsize=64)
def keywords(extra: tuple[str, ...] = (), allowed: tuple[str, ...] = ()) -> Keywords:
    """The default lists plus ``extra`` strong words (or phrases), without ``allowed`` ones.

    Extra Chinese words are added to the (shared) tokenizer's dictionary so that
    they segment as words; the dictionary itself loads on the first Chinese text.
    """
    extra_words = {w.strip().casefold() for w in extra if w.strip()}
    gone = {w.strip().casefold() for w in allowed}
    _want(extra_words)
    strong = {w.casefold() for w in STRONG} | {w for w in extra_words if " " not in w}
    phrases = [p for p in STRONG_EN if p not in gone]
    phrases += [re.escape(w) for w in sorted(extra_words - gone) if " " in w]
    return Keywords(
        strong=frozenset(strong - gone),
        weak=frozenset(w.casefold() for w in WEAK) - gone,
        phrase_parts=tuple(phrases),
    )
