"""Is a chat message a question someone could answer? Chinese and English, no model.

A question mark (``?`` or ``？``) outside links decides for most messages. Without
one, Chinese asks with its particles and phrases (请问, 有没有人, 谁知道, 求推荐,
怎么, 吗 at the end …) and English with a leading question word or auxiliary
("how do I", "anyone know", "is there a way") after an optional ``nick:`` address.
Left out on purpose: a bare ``?``/``？？`` (puzzlement, not something to route),
rhetorical fillers such as 是吧/对吧/好吗 at the end of a greeting, and greetings.
Measured on a hand-labelled sample (``tests/analytics/test_matching_questions.py``).
"""

from __future__ import annotations

import re

_NOISE = re.compile(r"https?://\S+|www\.\S+|@\S+")
_ADDRESS = re.compile(r"^\s*[\w\-\[\]`^{}|]{1,32}[:,]\s+")
_ONLY_MARKS = re.compile(r"^[\s?？!！.。…~～]*$")
_ZH_ASKS = re.compile(
    "请问|请教|求问|想问|问一?下|有没有人|有没有|有人知道|有人(?:做|用|懂|了解|试|遇到)过|谁知道|谁有|"
    "有谁|谁懂|谁能|求推荐|求助|求介绍|求资源|^求|推荐一?下|想找[^，。,]{0,8}人|找个懂|帮忙看看"
)
_ZH_WORDS = re.compile(
    "怎么|怎样|如何|为什么|为啥|咋|哪里|哪儿|哪个|哪家|哪些|是否|能不能|可不可以|会不会|要不要|"
    "多少|几点|什么时候|啥时候|什么"
)
_ZH_TELLS = re.compile("不知道|就是|分享|问我|问他|觉得|告诉你|教你|没什么|什么都|都可以")
_ZH_RHETORIC = re.compile("(?:是吧|对吧|好吗|行吗|可以吗|好不好)[\\s?？!！。~～]*$")
_SUBJECT = (
    r"(?:i|you|u|he|she|it|we|they|there|this|that|these|those|anyone|anybody|someone|"
    r"somebody|any|the|a|an|my|your|ur|his|her|its|our|their|ubuntu|linux|[a-z]+'s)"
)
_EN_START = re.compile(
    r"^(?:(?:hey|hi|hello|so|ok|okay|well|also|and|but|guys|folks|all)[,!.]?\s+)*"
    r"(?:(?:how|what|why|where|when|which|who|whom|whose)\b|"
    rf"(?:is|are|am|was|were|does|do|did|can|could|should|would|will|shall|may|has|have|had)"
    rf"\s+{_SUBJECT}\b|"
    r"(?:anyone|anybody|any\s?one|somebody|someone)\b|"
    r"any\s+(?:idea|ideas|clue|help|way|suggestions?|recommendations?)\b)",
    re.IGNORECASE,
)
_EN_PHRASES = re.compile(
    r"\b(?:anyone\s+(?:know|knows|have|has|got|tried|here|familiar|use)|"
    r"does\s+anyone|does\s+anybody|can\s+(?:someone|anyone|somebody)|is\s+there\s+(?:a|an|any)|"
    r"how\s+(?:do|can|would|should|to)\b|any\s+(?:idea|ideas|clue)|i\s+wonder|"
    r"need(?:s)?\s+(?:some\s+)?help|help\s+me|looking\s+for\s+(?:a|an|some)|"
    r"(?:suggestions?|ideas|advice)\s+(?:welcome|appreciated)|"
    rf"(?:where|how|what|why|which)\s+(?:does|do|did|is|are|can|should|would)\s+{_SUBJECT}\b|"
    r"recommend\s+(?:a|an|some)|what\s+(?:is|are|does|do)\b)",
    re.IGNORECASE,
)
_EN_NOT = re.compile(
    r"^(?:what\s+a\b|how\s+(?:nice|cool|sad|funny|weird|odd)|who\s+cares|is\s+now\s+known|"
    r"do\s+not\b|don't\b)",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|yo|morning|good\s+(?:morning|evening|night)|大家好|你好|您好|早安|"
    r"早上好|晚安|(?:在吗)+|在不在)\W*$",
    re.IGNORECASE,
)


#: A letter the English patterns (case-insensitive) can match: ASCII, and the few others
#: that Unicode case folding equates with one (İ ı ſ K).
_LATIN = re.compile("[a-zA-Z\u0130\u0131\u017f\u212a]")
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")
#: A word that each alternative of ``_EN_PHRASES`` holds (lower case).
_EN_KEYS = re.compile(
    "any|does|can|there|how|wonder|help|looking|welcome|appreciated|where|what|why|which|recommend"
)
#: A character each alternative of ``_ZH_ASKS`` starts with.
_ZH_ASK_FIRSTS = re.compile("[请求想问有谁推找帮]")
_ZH_END_TRAILING = "。.~～!！"


def is_question(text: str) -> bool:
    """True when ``text`` asks for something a member could answer (zh or en).

    Routing asks this of every message, so each pattern that cannot match is
    skipped on a plain substring test first (the answers are the patterns' own).
    """
    clean = text or ""
    if "http" in clean or "www." in clean or "@" in clean:
        clean = _NOISE.sub(" ", clean)
    if ":" in clean or "," in clean:
        clean = _ADDRESS.sub("", clean)
    clean = clean.strip()
    if not clean or _ONLY_MARKS.match(clean) or _GREETING.match(clean):
        return False
    if clean.startswith(("/me ", "* ")) or _EN_NOT.match(clean):
        return False
    if len(clean) <= 12 and _ZH_RHETORIC.search(clean):
        return False
    if "?" in clean or "？" in clean:
        return True
    if (_ZH_ASK_FIRSTS.search(clean) and _ZH_ASKS.search(clean)) or _ends_asking(clean):
        return True
    if _ZH_WORDS.search(clean) and not _ZH_TELLS.search(clean):
        return True
    if _LATIN.search(clean) is None:
        return False
    if _EN_START.match(clean) and len(clean.split()) >= 3:
        return True
    if _FOLDED.search(clean) is None and _EN_KEYS.search(clean.lower()) is None:
        return False
    return bool(_EN_PHRASES.search(clean))


def _ends_asking(clean: str) -> bool:
    """吗 or 么 (not 那么, 怎么 …) at the end, before spaces and 。~！ only."""
    end = len(clean)
    while end and (clean[end - 1].isspace() or clean[end - 1] in _ZH_END_TRAILING):
        end -= 1
    if not end or clean[end - 1] not in "吗么":
        return False
    return end < 2 or clean[end - 2] not in "那这什怎多"
