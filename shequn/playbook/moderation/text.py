"""Normalising a message before looking for ad signals.

Advertisers dodge filters with full-width characters (１３８), zero-width spaces,
emoji between digits (138🔥1234🔥5678), keycap digits (1️⃣3️⃣8️⃣), circled
digits (①③⑧), Chinese numerals (一三八…) and spaced-out words (兼 职). ``normalize``
undoes what NFKC and deletion can undo; ``compact`` also drops emoji glued into
words or numbers, so that the patterns see what a reader sees.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and invisible format characters, variation selectors and the keycap mark.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u20e3\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Co", "Cs", "Cn"})
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Filler an advertiser puts inside a Chinese word (兼 职, 兼*职, 兼.职) to split it (a class).
FILLER = r"[\s*·•._~|/\\-]"
_CJK_FILLER = re.compile(rf"(?<=[{CJK}]){FILLER}{{1,3}}(?=[{CJK}])")
_NUMERALS = "〇零一壹二贰两三叁四肆五伍六陆七柒八捌九玖"
_CHINESE_DIGITS = str.maketrans(_NUMERALS, "001122233445566778899")
_CHINESE_RUN = re.compile(rf"[{_NUMERALS}]{{11,13}}")
# Look-alike dots in a domain: abc。com, abc点com, abc(dot)com.
_FAKE_DOT = re.compile(
    r"(?<=[a-z0-9])\s*(?:。|．|点|\(dot\)|\[dot\]|\{dot\})\s*(?=(?:com|cn|net|org|top|xyz|vip|cc|me)\b)"
)


def _symbol_class() -> str:
    """The characters ``compact`` may drop, as a class's ranges: of an emoji category in the
    Basic Multilingual Plane (scanned once), or any character beyond it (checked there)."""
    runs: list[str] = []
    start = -1
    for code in range(0x10000):
        hit = unicodedata.category(chr(code)) in _EMOJI_CATEGORIES
        if hit and start < 0:
            start = code
        elif not hit and start >= 0:
            runs.append(f"\\U{start:08x}-\\U{code - 1:08x}")
            start = -1
    if start >= 0:
        runs.append(f"\\U{start:08x}-\\U0000ffff")
    return "".join(runs) + "\\U00010000-\\U0010ffff"


_SYMBOLS = _symbol_class()
#: Most chat has no emoji or symbol: ``compact`` then leaves every character as it is.
_SYMBOL = re.compile(f"[{_SYMBOLS}]")
# What ``compact`` acts on, in one scan (most text has none of it): a symbol, what
# ``_FAKE_DOT`` needs (。．点, the "(" of "(dot)"), or a numeral starting a run of 11.
_ACTED_ON = re.compile(
    f"[{_SYMBOLS}。．点(\\[{{{_NUMERALS}](?:(?<![{_NUMERALS}])|(?<=[{_NUMERALS}])[{_NUMERALS}]{{10}})"
)


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII, ① → 1), invisible characters removed, case folded."""
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text).casefold()


def compact(normalized: str) -> str:
    """``normalized`` with emoji and symbols dropped where they glue letters or digits.

    A symbol between two letters, digits or Chinese characters disappears (so
    ``138🔥1234`` reads ``1381234``); elsewhere it becomes a space. Runs of 11 to
    13 Chinese numerals (a spelled-out phone number) become digits, and look-alike
    dots before a common top-level domain become dots.
    """
    if normalized.isascii():
        return _FAKE_DOT.sub(".", normalized) if "dot" in normalized else normalized
    if _ACTED_ON.search(normalized) is None:
        return normalized  # most chat: nothing to drop, nor to make digits or dots
    return _compacted(normalized)


def _compacted(normalized: str) -> str:
    """``compact`` of non-ASCII text, each step taken (``compact`` skips them when idle)."""
    text = _dropped(normalized) if _SYMBOL.search(normalized) else normalized
    text = _CHINESE_RUN.sub(lambda m: m.group(0).translate(_CHINESE_DIGITS), text)
    return _FAKE_DOT.sub(".", text)


def _dropped(normalized: str) -> str:
    """``normalized`` with its emoji and symbols dropped or made spaces (see ``compact``)."""
    out: list[str] = []
    pending = False
    for ch in normalized:
        if unicodedata.category(ch) in _EMOJI_CATEGORIES:
            pending = True
            continue
        if pending and out and not (_word(out[-1]) and _word(ch)):
            out.append(" ")
        pending = False
        out.append(ch)
    return "".join(out)


def join_cjk(text: str) -> str:
    """``text`` with filler between two Chinese characters removed (兼 职 → 兼职)."""
    return _CJK_FILLER.sub("", text)


def _word(ch: str) -> bool:
    return ch.isalnum()
