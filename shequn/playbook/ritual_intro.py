"""Reading an entry ritual's texts: a newcomer's introduction and a nickname's format.

Pure text work for ``shequn.playbook.ritual``: no Django, no clock.

**Introductions.** The welcome asks for the seed's template (自我介绍 / 需要资源 /
拥有资源). Newcomers answer it in many shapes: one field a line or all in one
line, full-width colons (``自我介绍：``), labels in brackets (``【需要资源】``),
numbered or emoji bullets (``1. ``, ``👉``), variants (个人介绍, 我需要, 可提供…) and
English (``Intro:``, ``Needs:``, ``Offers:``). ``parse_intro`` finds every label
followed by a colon (or written in brackets) and takes the text up to the next
label as its value. Labels are matched with full-width forms read as ASCII
(``：`` as ``:``); values keep the member's own characters.

**Nicknames.** An operator writes the format as parts joined by a separator,
e.g. ``城市-行业-姓名``. ``NicknamePattern`` derives a regular expression from it:
the same number of parts, joined by any dash-like separator (``-``, ``－``, ``—``,
``_``, ``|``, ``/``, ``·``), the last part free to contain separators itself.
Parts named 城市/city and 行业/industry fill the archive's city and industry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Archive fields an introduction or a nickname may fill, in the order they are written.
FIELDS = ("intro", "needs", "offers", "city", "industry")

#: Label variants per archive field (matched case-insensitively after NFKC).
LABELS: dict[str, tuple[str, ...]] = {
    "intro": (
        "自我介绍", "个人介绍", "个人简介", "简介", "介绍", "关于我", "我是谁",
        "self-intro", "self intro", "introduction", "intro", "about me", "who i am",
    ),
    "needs": (
        "需要资源", "需求资源", "所需资源", "需要的资源", "我需要", "需要", "需求", "求资源",
        "寻求", "想找", "寻找", "looking for", "i need", "needs", "need", "wants",
    ),
    "offers": (
        "拥有资源", "我的资源", "可提供资源", "提供资源", "可以提供", "我能提供", "能提供",
        "可提供", "拥有", "提供", "i can offer", "can offer", "i offer", "offers", "offer",
        "i have", "resources",
    ),
    "city": ("所在城市", "城市", "坐标", "所在地", "地区", "city", "location", "based in"),
    "industry": ("所在行业", "行业", "职业", "领域", "industry", "profession", "field"),
}  # fmt: skip

#: The fields that make a message an answer to the template on their own (see ``answers``).
_TEMPLATE_FIELDS = ("intro", "needs", "offers")

_FIELD_OF = {label.casefold(): name for name, labels in LABELS.items() for label in labels}
_ALTERNATION = "|".join(re.escape(label) for label in sorted(_FIELD_OF, key=len, reverse=True))
# A label followed by a colon, or in brackets (a colon may follow). An ASCII label
# must not be glued to other letters ("offered:" is not "offer:").
_LABEL = re.compile(
    rf"[【\[「『(<]\s*(?P<bracketed>{_ALTERNATION})\s*[】\]」』)>]\s*:?"
    rf"|(?<![a-z])(?P<plain>{_ALTERNATION})(?![a-z])\s*:",
    re.IGNORECASE,
)
# What may stand around a label or a value without being part of it: spaces, bullets,
# list numbers, emoji, punctuation.
_EDGE_CHARS = " \t\r\n\u3000,，;；。.、|｜/／\\-－–—·•*＊~～#＃>＞:：!！"
_LIST_NUMBER = re.compile(r"(?:\(?\d{1,2}[.、)]|[①-⑳])$")
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|io)\b", re.IGNORECASE)


#: Full-width ASCII forms (and the ideographic space) to ASCII: one character for one.
_NARROW = {c + 0xFEE0: c for c in range(0x21, 0x7F)} | {0x3000: 0x20}
#: What every label needs, before and after ``narrow``: a colon or an opening bracket.
_MARKS = re.compile("[:【\\[「『(<：［（＜]")


def normalise(text: str) -> str:
    """NFKC: full-width colons, letters and digits become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def narrow(text: str) -> str:
    """Full-width ASCII forms as ASCII, keeping every other character and every position."""
    return text.translate(_NARROW)


def _decoration(char: str) -> bool:
    """Whether ``char`` is trim around a value: a space, punctuation, an emoji or symbol."""
    return char in _EDGE_CHARS or unicodedata.category(char)[0] in "SZC"


def clean(value: str) -> str:
    """``value`` without its decoration at either end and a list number at its end."""
    for _ in range(3):  # "张三 2." → "张三 2" → "张三"
        value = value.strip()
        value = _LIST_NUMBER.sub("", value)
        start, end = 0, len(value)
        while start < end and _decoration(value[start]):
            start += 1
        while end > start and _decoration(value[end - 1]):
            end -= 1
        value = value[start:end]
    return value


@dataclass(frozen=True, slots=True)
class Intro:
    """What a message says in answer to the template.

    ``fields``: archive field → value, in FIELDS order, empty values left out;
    ``leading``: whether the message opens with a label (nothing but decoration
    before the first one).
    """

    fields: tuple[tuple[str, str], ...] = ()
    leading: bool = False

    def get(self, name: str) -> str:
        return dict(self.fields).get(name, "")

    @property
    def answers(self) -> bool:
        """Whether the message answers the template.

        Two labelled fields or more; or an introduction label (自我介绍/Intro…)
        anywhere; or a message that opens with a needs/offers label.
        """
        names = {name for name, _ in self.fields}
        if len(names) >= 2 or "intro" in names:
            return True
        return self.leading and bool(names & set(_TEMPLATE_FIELDS))


def parse_intro(text: str, limit: int = 2000) -> Intro:
    """The labelled fields of ``text``; values cut to ``limit`` characters.

    A label repeated (two ``需要：`` lines) joins its values with a new line.
    """
    if _MARKS.search(text) is None:
        return Intro()  # no colon and no bracket: no label (most chat; a cheap scan)
    norm = narrow(text)  # labels are matched here; values are cut from ``text`` itself
    matches = list(_LABEL.finditer(norm))
    if not matches:
        return Intro()
    values: dict[str, list[str]] = {}
    for here, after in zip(matches, [*matches[1:], None], strict=True):
        label = (here.group("bracketed") or here.group("plain")).casefold()
        end = after.start() if after is not None else len(norm)
        value = clean(text[here.end() : end])
        if value:
            values.setdefault(_FIELD_OF[label], []).append(value)
    leading = not clean(norm[: matches[0].start()])
    fields = tuple((name, "\n".join(values[name])[:limit]) for name in FIELDS if name in values)
    return Intro(fields=fields, leading=leading)


def weight(text: str) -> int:
    """How long ``text`` reads: a CJK (wide) character counts 2, any other visible one 1."""
    total = 0
    for char in text:
        if char.isspace():
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def has_link(text: str) -> bool:
    """Whether ``text`` carries a link (with or without a scheme)."""
    return _LINK.search(normalise(text)) is not None


# --- nicknames -----------------------------------------------------------------------

#: Separators between a nickname's parts (after NFKC: full-width ones are these too).
SEPARATORS = "-_|/·•—–~+、"
_SEP = "[" + re.escape(SEPARATORS) + "]"
#: Part names that fill an archive field.
PART_FIELDS = {
    "城市": "city", "城市名": "city", "地区": "city", "坐标": "city", "city": "city",
    "location": "city", "行业": "industry", "职业": "industry", "领域": "industry",
    "industry": "industry",
}  # fmt: skip


class PatternError(ValueError):
    """A nickname pattern that names fewer than two parts, or a part twice."""


@dataclass(frozen=True)
class NicknamePattern:
    """A nickname format such as ``城市-行业-姓名`` and the regular expression derived from it."""

    text: str
    parts: tuple[str, ...]
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> NicknamePattern:
        """The pattern ``text``; PatternError saying what is expected."""
        parts = tuple(p.strip() for p in re.split(_SEP, normalise(text)))
        if len(parts) < 2 or not all(parts):
            raise PatternError(
                f"expected at least two parts joined by '-', e.g. 城市-行业-姓名 (got {text!r})"
            )
        folded = [p.casefold() for p in parts]
        if len(set(folded)) != len(folded):
            raise PatternError(f"a part is named twice in {text!r}")
        value = rf"[^{re.escape(SEPARATORS)}]*?\w[^{re.escape(SEPARATORS)}]*?"
        groups = [rf"(?P<p{i}>{value})" for i in range(len(parts) - 1)]
        groups.append(rf"(?P<p{len(parts) - 1}>.*?\w.*?)")
        regex = re.compile(r"^\s*" + rf"\s*{_SEP}\s*".join(groups) + r"\s*$")
        return cls(text=text, parts=parts, regex=regex)

    def match(self, nickname: str) -> dict[str, str] | None:
        """Each part's value in ``nickname`` (part name → value), or None when it does not fit."""
        found = self.regex.match(normalise(nickname))
        if found is None:
            return None
        return {part: clean(found.group(f"p{i}")) for i, part in enumerate(self.parts)}

    def archive_fields(self, nickname: str) -> tuple[tuple[str, str], ...]:
        """The archive fields (city, industry) ``nickname`` gives; () when it does not fit."""
        values = self.match(nickname)
        if values is None:
            return ()
        found: dict[str, str] = {}
        for part, value in values.items():
            name = PART_FIELDS.get(part.casefold())
            if name is not None and value and name not in found:
                found[name] = value[:64]
        return tuple((name, found[name]) for name in FIELDS if name in found)
