"""The day's keywords: words many messages and several people used, weighted by rarity.

Chinese text is segmented with jieba (its offline dictionary; the HMM finds names
and new words); Latin text is split into words. Dropped: stop words (function
words, chat fillers such as 哈哈/收到/谢谢, English stop words), single Chinese
characters, words under three Latin letters, numbers, links and @mentions. A
word's score is the number of messages holding it times jieba's IDF (a common
word like 今天 weighs less than 向量数据库), counted once per message, and only
words at least two people used count (one member repeating a word is not the
group's topic) unless only one person spoke.

Segmentation is the cost (about 25,000 short messages a second on an idle core):
each distinct text is segmented once, however often it was sent, and a day with
more than ``SAMPLE`` distinct texts takes its candidates from a sample (``keywords``).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Collection
from functools import lru_cache
from typing import Any

import polars as pl

_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\S+|\[[^\]]{1,8}\]")
_LATIN = re.compile(r"[a-z][a-z0-9+#]*(?:[.\-'][a-z0-9+#]+)*")
_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}|[a-z][a-z0-9+#.\-']{2,}")


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOP_ZH = _split(
    "我们 你们 他们 她们 它们 自己 大家 什么 怎么 怎样 为什么 为啥 这个 那个 这些 那些 这样 "
    "那样 这里 那里 这么 那么 还是 或者 而且 但是 可是 因为 所以 如果 虽然 然后 就是 只是 "
    "不是 没有 可以 可能 应该 需要 已经 现在 今天 明天 昨天 时候 一下 一个 一些 一点 一样 "
    "一起 还有 还要 知道 觉得 感觉 认为 其实 确实 真的 真是 比较 非常 特别 有点 有些 很多 "
    "好多 大概 也许 的话 之后 之前 以后 以前 出来 起来 过来 下来 不会 不能 不要 不用 不过 "
    "不错 好的 好吧 好滴 收到 谢谢 感谢 多谢 哈哈 哈哈哈 哈哈哈哈 嘿嘿 呵呵 嗯嗯 是的 对的 "
    "对啊 是啊 好啊 明白 了解 同意 同问 请问 有没有 是不是 能不能 大佬 老师 各位 朋友 群里 "
    "这边 那边 看看 看到 说的 说了 问题 东西 事情 情况 地方 方面 之类 一般 然而 并且 于是 "
    "而是 只有 只要 还会"
)
STOP_EN = _split(
    "the and for are but not you all any can had her was one our out day get has him his how "
    "man new now old see two way who boy did its let put say she too use that with have this "
    "will your from they know want been good much some time very when come here just like "
    "long make many over such take than them well were what which while would there their "
    "about could other into more only also back after first then these those thanks thank "
    "yes yeah okay lol hey hello does doing done should because really"
)

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def _jieba() -> tuple[Any, dict[str, float], float]:
    """jieba's default tokenizer and IDF table (median IDF for unknown words), loaded once."""
    with _lock:
        if not _loaded:
            import jieba
            from jieba.analyse.tfidf import TFIDF

            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.initialize()
            tfidf = TFIDF()
            _loaded.update(dt=jieba.dt, idf=tfidf.idf_freq, median=tfidf.median_idf)
    return _loaded["dt"], _loaded["idf"], _loaded["median"]


def words_of(text: str) -> tuple[str, ...]:
    """The distinct keyword candidates of one message, in order of first use."""
    return _words(text)


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    clean = _NOISE.sub(" ", text.casefold())
    if _CJK.search(clean):
        tokenizer, _idf, _median = _jieba()
        raw = tokenizer.lcut(clean)
    else:
        raw = _LATIN.findall(clean)
    kept = (w.strip(".-'") for w in raw)
    found = [w for w in kept if _KEEP.fullmatch(w) and w not in STOP_ZH and w not in STOP_EN]
    return tuple(dict.fromkeys(found))


SCHEMA = {"word": pl.String, "messages": pl.UInt32, "speakers": pl.UInt32, "score": pl.Float64}
SAMPLE = 2500  # distinct texts segmented at most; beyond, candidates come from an even sample
CANDIDATES = 5  # per keyword asked for: candidates counted exactly over every message


def keywords(
    messages: pl.DataFrame, limit: int = 10, exclude: Collection[str] = ()
) -> pl.DataFrame:
    """word, messages, speakers, score for the day's ``messages`` (person_id, text), best first.

    ``exclude``: words never to report (the members' names). Up to ``SAMPLE`` distinct
    texts every text is segmented and words are counted as tokens. A busier day takes
    its candidate words from an even sample of ``SAMPLE`` distinct texts, then counts
    the best ``CANDIDATES × limit`` of them exactly in every message (as substrings;
    Latin words as whole words): a topic of the day is in the sample many times over,
    and the counts shown are never estimates.
    """
    texts = messages.select("person_id", pl.col("text").fill_null("").str.to_lowercase())
    texts = texts.filter(pl.col("text").str.len_chars() > 0)
    distinct = texts["text"].unique(maintain_order=True)
    if distinct.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    several = texts["person_id"].n_unique() > 1
    if distinct.len() <= SAMPLE:
        return _ranked(_token_counts(texts, distinct), exclude, several, limit)
    step = distinct.len() / SAMPLE
    sample = distinct.gather([int(i * step) for i in range(SAMPLE)])
    sampled = texts.filter(pl.col("text").is_in(sample.implode()))
    candidates = _ranked(_token_counts(sampled, sample), exclude, False, limit * CANDIDATES)
    return _ranked(_exact_counts(texts, candidates["word"].to_list()), (), several, limit)


def _token_counts(texts: pl.DataFrame, distinct: pl.Series) -> pl.DataFrame:
    """word, messages, speakers: each of ``distinct`` segmented once, counted per message."""
    owners: list[str] = []
    words: list[str] = []
    for text in distinct:
        found = words_of(text)
        owners.extend([text] * len(found))
        words.extend(found)
    segmented = pl.DataFrame(
        {"text": owners, "word": words}, schema={"text": pl.String, "word": pl.String}
    )
    used = texts.join(segmented, on="text")
    return used.group_by("word").agg(
        pl.len().cast(pl.UInt32).alias("messages"),
        pl.col("person_id").n_unique().cast(pl.UInt32).alias("speakers"),
    )


def _exact_counts(texts: pl.DataFrame, words: list[str]) -> pl.DataFrame:
    """word, messages, speakers of each word over every text, in one vectorised pass."""
    found = [
        pl.col("text").str.contains(rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w))
        for w in words
    ]
    counts = texts.select(
        *[hit.sum().alias(f"m{i}") for i, hit in enumerate(found)],
        *[pl.col("person_id").filter(hit).n_unique().alias(f"s{i}") for i, hit in enumerate(found)],
    ).row(0)
    n = len(words)
    return pl.DataFrame(
        {"word": words, "messages": counts[:n], "speakers": counts[n:]},
        schema={"word": pl.String, "messages": pl.UInt32, "speakers": pl.UInt32},
    )


def _ranked(
    counted: pl.DataFrame, exclude: Collection[str], several: bool, limit: int
) -> pl.DataFrame:
    """The best ``limit`` words by messages × IDF; names left out; two speakers when ``several``."""
    if exclude:
        counted = counted.filter(~pl.col("word").is_in(sorted({w.casefold() for w in exclude})))
    if several:
        counted = counted.filter(pl.col("speakers") >= 2)
    _tokenizer, idf, median = _jieba()
    weights = pl.Series([idf.get(w, median) for w in counted["word"]], dtype=pl.Float64)
    score = (pl.col("messages").cast(pl.Float64) * weights).round(2).alias("score")
    ranked = counted.with_columns(score).sort(["score", "word"], descending=[True, False])
    return ranked.head(limit).select(list(SCHEMA)).cast(SCHEMA)  # type: ignore[arg-type]


def idf_of(word: str) -> float:
    """jieba's IDF of ``word`` (the median for words it does not know); for tests and docs."""
    _tokenizer, idf, median = _jieba()
    return float(idf.get(word, median)) if word else math.nan
