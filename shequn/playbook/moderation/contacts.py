"""Ways to reach someone outside the group: phone numbers, WeChat/QQ ids, contact cards, QR codes.

All functions take text already through ``text.normalize`` and ``text.compact``
(case-folded, full-width digits made ASCII, emoji between digits dropped).

Phone numbers: Chinese mobiles ``1[3-9]`` + 9 digits, optionally after ``+86``,
written whole or grouped 3-4-4 / 3-8 / 7-4 / 3-3-5 or digit by digit with
spaces or dashes; and international numbers written with a leading ``+`` and
10 to 15 digits. Not phone numbers: longer digit runs (13-digit timestamps),
numbers glued to letters or dots (hashes, versions, IPs), dates and prices.

Ids: a marker (加V, vx, 微信号, qq, 扣扣, whatsapp, telegram …) followed within a
few characters by an id with at least one digit: a QQ number (5–11 digits), a
WeChat id (a letter then 5–19 letters, digits, ``_`` or ``-``) or a phone
number, possibly split by spaces or dashes (``vx: abc 123 456``). Also
``12345678@qq.com``, which is a QQ number.
"""

from __future__ import annotations

import re

_SEP = r"[\s\-—–_]*"
_PHONE_CN = re.compile(
    rf"(?<![a-z0-9_.+/:#@=%-])(?:(?:\+|00)?86{_SEP})?(?P<n>1{_SEP}[3-9](?:{_SEP}\d){{9}})"
    rf"(?![a-z0-9_.%]|{_SEP}\d)"
)
_PHONE_INTL = re.compile(
    r"(?<![a-z0-9_.+/:#@=%-])\+(?:[\s\-—–().]{0,2}\d){10,15}(?![a-z0-9_.%]|[\s\-—–]?\d)"
)
_GROUPINGS = frozenset({(11,), (3, 4, 4), (3, 8), (7, 4), (3, 3, 5), (1,) * 11})
#: In every text holding a phone number: ten digits with only separators between them.
PHONE_CLUE = r"\d(?:[\s\-—–_().]*\d){9}"

# Markers that announce an id. Latin ones must stand alone (not inside a word).
_MARKER = (
    r"(?:(?:加|添加)\s*(?:我\s*)?(?:微信|威信|薇信|v信|vx|wx|v|微|薇|q{1,2}|扣扣)"
    r"|\+\s*(?:微信|vx|wx|v)(?![a-z])"
    r"|(?:微信|威信|薇信|徽信|v信|扣扣|企鹅)\s*(?:号|id|群)?"
    r"|(?<![a-z0-9_])(?:v信|vx|wx|qq)\s*(?:号|id|群)?"
    r"|q群|群号"
    r"|(?<![a-z0-9_])(?:weixin|wechat|whatsapp|telegram|tg|line\s*id|skype|kik|signal)"
    r"(?:\s*id)?(?=\s*[:@])"
    r"|(?<![a-z{(\[,'\"])v(?=\s*:))"
)
_AFTER = r"(?![a-z])[\s:=：是为為号號@_\-~]{0,4}"
# Split ids come in short chunks (abc 123 456); a chunk never runs on into a decimal.
_ID = r"(?P<id>[a-z0-9][a-z0-9_\-]*(?:[\s\-][a-z0-9_]{1,5}){0,11})(?![.,]\d)"
_WITH_ID = re.compile(_MARKER + _AFTER + _ID)
# Every character of a _WITH_ID or _HANDLE match bar the id's digits and "@" (in _WAY),
# and a part of every marker (in _MARKS, as regexes: its first character, then the rest).
_WAY = r"a-z_\-\s:=：是为為号號~+加添我微信威薇徽扣企鹅群"
_NAMES = (
    "vx", "wx", "qq", "weixin", "wechat", "whatsapp", "telegram", "tg", "line", "skype", "kik",
    "signal",
)  # fmt: skip
_MARKS = (
    *((re.escape(char), "") for char in "加添+微威薇徽扣企群信"),
    *((name[0], name[1:]) for name in _NAMES),
    ("v", r"\s*:"),  # v: abc123
)
#: In every text holding an id (one with a digit) or a handle: a run of _WAY characters
#: with a marker in it, right before a digit or "@". The run is taken from its start only
#: (the lookbehind), so a long run costs one pass, not one per character.
ID_CLUE = (
    rf"[{_WAY}](?<![{_WAY}]{{2}})(?:"  # a run's first character, then a marker: at it,
    + "|".join(rf"(?<={first})(?={rest})" for first, rest in _MARKS)
    + rf"|(?=[{_WAY}]*?(?:"  # or further on
    + "|".join(first + rest for first, rest in _MARKS)
    + rf")))[{_WAY}]*+[0-9@]"  # the run, then a digit or "@"
)
# Cheap substring tests first: most messages name no messenger at all.
_HINTS = (
    "微", "威", "薇", "徽", "扣", "企", "群", "加", "qq", "vx", "wx", "v:", "v :", "+v",
    "weixin", "wechat", "whatsapp", "telegram", "tg", "line", "skype", "kik", "signal",
)  # fmt: skip
_HINT = re.compile("|".join(re.escape(hint) for hint in _HINTS))  # one scan for them all
_QQ_MAIL = re.compile(r"(?<![a-z0-9_.])([1-9]\d{4,10})@qq\.com\b")
_HANDLE = re.compile(
    r"(?<![a-z])(?:whatsapp|telegram|tg|signal|wechat)\s*(?:me|us)?\s*(?:at|on|:|=)?\s*"
    r"(?P<id>@[a-z][a-z0-9_]{4,31})"
)
_WECHAT_ID = re.compile(r"[a-z][a-z0-9_-]{5,19}")
_QQ = re.compile(r"[1-9]\d{4,10}")

_CARD = re.compile(
    r"\[(?:个人)?名片\]|\[联系人(?:卡片)?\]|推荐了?(?:一个)?(?:个人)?名片|个人名片|"
    r"contact card|begin:vcard|\.vcf\b"
    r"|<msg[^>]*\busername=\"[^\"]*\"[^>]*\b(?:bigheadimgurl|certflag)"
)
_QR = re.compile(r"二维码|二維碼|扫码|掃碼|扫一扫|长按识别|qr\s*-?code|qrcode|\bqr\b")
#: In every text where ``contact_card`` or ``qr_words`` finds something (a ``@qq.com``
#: address is a link's clue). Literal starts: the regex engine skips to them at C speed.
WORD_CLUE = (
    r"名片|联系人|contact card|begin:vcard|\.vcf|<msg"
    r"|二维码|二維碼|扫码|掃碼|扫一扫|长按识别|qr"
)


def phones(text: str) -> list[str]:
    """Phone numbers in ``text`` as written there (separators kept)."""
    found = [m.group(0) for m in _PHONE_CN.finditer(text) if _phone_shape(m.group("n"))]
    found += [m.group(0) for m in _PHONE_INTL.finditer(text) if not _overlaps(m.group(0), found)]
    return found


def _phone_shape(number: str) -> bool:
    groups = tuple(len(g) for g in re.split(r"[\s\-—–_]+", number) if g)
    return groups in _GROUPINGS


def _overlaps(candidate: str, found: list[str]) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return any(re.sub(r"\D", "", f) in digits for f in found)


def contact_ids(text: str) -> list[str]:
    """WeChat ids, QQ numbers and messenger handles announced as contacts, as found."""
    found: dict[str, str] = {}
    if _HINT.search(text) is None:
        return []
    for match in _WITH_ID.finditer(text):
        ident = _best_id(match.group("id"))
        if ident:
            marker = match.group(0)[: match.start("id") - match.start()].strip()
            found.setdefault(ident, f"{marker} {ident}")
    for match in _QQ_MAIL.finditer(text):
        found.setdefault(match.group(1), match.group(0))
    for match in _HANDLE.finditer(text):
        found.setdefault(match.group("id").lstrip("@"), match.group(0))
    return list(found.values())


def is_group_number(found: str) -> bool:
    """Whether a found id is a group's number (QQ群号 123456): an invitation, not a person."""
    marker = found.rsplit(" ", 1)[0]
    return "群" in marker


def _best_id(raw: str) -> str:
    """The longest valid id made of the first groups of ``raw`` (ids split by spaces)."""
    groups = re.split(r"[\s-]+", raw.strip(" -"))
    best = ""
    for end in range(1, len(groups) + 1):
        candidate = "".join(groups[:end])
        if len(candidate) > 20:
            break
        if _valid_id(candidate):
            best = candidate
    return best


def _valid_id(candidate: str) -> bool:
    if not any(c.isdigit() for c in candidate):
        return False
    return bool(_QQ.fullmatch(candidate) or _WECHAT_ID.fullmatch(candidate))


def contact_card(text: str) -> str:
    """The marker of a shared contact card (名片, vCard, WeChat card XML), or ""."""
    match = _CARD.search(text)
    return match.group(0) if match else ""


def qr_words(text: str) -> str:
    """Words that say an image is a QR code (二维码, 扫码, QR code), or ""."""
    match = _QR.search(text)
    return match.group(0) if match else ""
