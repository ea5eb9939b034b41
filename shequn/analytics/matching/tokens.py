"""Terms of a text for matching: jieba for Chinese (search mode), words for Latin script.

Search mode keeps a compound and its parts (跨境电商物流 → 跨境, 电商, 物流, 跨境电商),
so that an offer of 跨境电商物流 meets a need of 物流. Latin words keep two letters
and up (a skill may be "ui", "go", "ai"); stop words (the digest's lists plus the
question words, which every question shares) and numbers are dropped.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

from shequn.analytics.digest_keywords import STOP_EN, STOP_ZH

_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\S+|\[[^\]]{1,8}\]")
_LATIN = re.compile(r"[a-z][a-z0-9+#]*(?:[.\-_/][a-z0-9+#]+)*")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]{2,}")


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


_QUESTION_ZH = _split(
    "请问 请教 求问 想问 问下 一下 有人 有没有人 谁知 谁知道 知道 求推荐 推荐 求助 介绍 靠谱 "
    "哪里 哪个 哪家 哪些 多少 怎么办 怎么样 如何 是否 能否 大家 想请教 从哪里 入手 比较 "
    "一般 收费 服务商 方面 经验 欢迎 交流 合作伙伴 合作 资源 伙伴 做过 自我 自我介绍 "
    "需要 拥有 我是 我们 在做 主要 目前"
)
_QUESTION_EN = _split(
    "anyone anybody someone somebody know knows help need needs please how what why where "
    "which who whom can could would should does did is are am was were have has had any idea "
    "way there get got trying try tried use using want wants me my i'm im it's its can't "
    "cant don't dont doesn't isn't not no if or so on in to of at by as be do an a"
)


_STOP = STOP_ZH | STOP_EN | _QUESTION_ZH | _QUESTION_EN

_lock = threading.Lock()
_tokenizer: list[Any] = []


def _jieba() -> Any:
    """jieba's default tokenizer with its offline dictionary, loaded once per process."""
    with _lock:
        if not _tokenizer:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.initialize()
            _tokenizer.append(jieba.dt)
    return _tokenizer[0]


@lru_cache(maxsize=131072)
def terms(text: str) -> tuple[str, ...]:
    """The matching terms of ``text`` in order, repeats kept (BM25 counts them)."""
    clean = _NOISE.sub(" ", (text or "").casefold())
    found: list[str] = []
    if _CJK.search(clean):
        for word in _jieba().cut_for_search(clean):
            word = word.strip()
            if _HAN.fullmatch(word) or _LATIN.fullmatch(word):
                found.append(word)
    else:
        found = [w.strip(".-_/") for w in _LATIN.findall(clean)]
    return tuple(w for w in found if len(w) >= 2 and w not in _STOP)
