"""``is_question`` skips a pattern when a plain test shows it cannot match; each shortcut
must never skip a text its pattern matches (random texts built from the patterns' words)."""

from __future__ import annotations

import random
import re

from shequn.analytics.matching import questions as q

PIECES = [
    *"吗么那这什怎多请求想问有谁推找帮下人过 \t\n。.~～!！?？İıſK@:,",
    "how do", "HOW CAN", "any idea", "Any clue", "I wonder", "i  wonder", "need help",
    "needs some help", "help me", "is there a", "İs there an", "what is", "WHAT DOES",
    "does anyone", "can someone", "looking for a", "ideas welcome", "advice appreciated",
    "where do you", "recommend some", "anyone know", "请问", "有没有人", "有人用过", "想找个人",
    "问一下", "推荐下", "求", "怎么", "那么", "好吗", "可以吗", "吗～", "么!", "thanks", "good",
]  # fmt: skip
#: ``_ZH_END`` as it was a pattern, the specification of ``_ends_asking``.
ZH_END = re.compile("(?<![那这什怎多])[吗么][\\s。.~～!！]*$")


def texts(n: int = 30_000) -> list[str]:
    rng = random.Random(20261203)
    return ["".join(rng.choices(PIECES, k=rng.randrange(0, 9))) for _ in range(n)]


def test_the_end_particle_test_is_the_pattern() -> None:
    for text in texts():
        assert q._ends_asking(text) == bool(ZH_END.search(text)), repr(text)


def test_no_shortcut_skips_a_text_its_pattern_matches() -> None:
    matched = 0
    for text in texts():
        if q._ZH_ASKS.search(text):
            assert q._ZH_ASK_FIRSTS.search(text), repr(text)
        if q._EN_PHRASES.search(text):
            matched += 1
            folded = q._FOLDED.search(text) is not None
            assert folded or q._EN_KEYS.search(text.lower()), repr(text)
    assert matched > 1_000  # the texts do exercise the English phrases
