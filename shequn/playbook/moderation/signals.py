"""Ad and spam signals in one message, and the score that combines them (pure, no Django).

A signal has a code, a weight and its evidence (the matched text). The score
adds each code's weight once (keyword codes up to twice, for two different
words), so ten links weigh what one does. A message is an ad when its score
reaches the rule's threshold (4 by default). The weights are set so that no
single signal but an invitation to another group passes on its own:

==============  ======  ======================================================
code            weight  when
==============  ======  ======================================================
link            1       a link (any but allowed domains; also a link message)
short_link      1.5     a link through a URL shortener (t.cn, bit.ly …)
invite          4       an invitation to another group (t.me/+, discord.gg, QQ群号 …)
channel         3       a public channel, group or account (t.me/name)
phone           3       a phone number (Chinese mobile, or ``+`` international)
contact_id      3       a WeChat/QQ id or messenger handle after a marker
contact_card    3       a shared contact card (名片, vCard)
qr_image        3       an image whose text says it is a QR code (二维码, 扫码)
keyword         2       a strong ad word (兼职, 日赚, 加V, "work from home" …)
keyword_weak    0.5     a weak ad word (微信, QQ, 免费 …)
newcomer        2       (rule) a newcomer's first message is a link or an image
cross_group     3       (rule) the same text in another group of the community
==============  ======  ======================================================

So a developer's plain link (1) is never an ad; 兼职 + 日赚 (4) is; a WeChat id
with 加V (5) is; a newcomer's first message with a plain link (3) is not, but
with a channel or a QR code it is. Image analysis is out of scope: a "QR code"
is what the message's own text says. Operators can change any weight per group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from shequn.playbook.moderation import contacts, links
from shequn.playbook.moderation.keywords import Keywords, keywords
from shequn.playbook.moderation.links import (
    Link,
    allowed,
    find_links,
    is_channel,
    is_direct_contact,
    is_invite,
    is_shortener,
)
from shequn.playbook.moderation.text import compact, normalize

WEIGHTS: dict[str, float] = {
    "link": 1.0,
    "short_link": 1.5,
    "invite": 4.0,
    "channel": 3.0,
    "phone": 3.0,
    "contact_id": 3.0,
    "contact_card": 3.0,
    "qr_image": 3.0,
    "keyword": 2.0,
    "keyword_weak": 0.5,
    "newcomer": 2.0,
    "cross_group": 3.0,
}
#: How many signals of a code count towards the score (others count once).
CAPS = {"keyword": 2, "keyword_weak": 2}
#: Codes of a link or a picture: as a newcomer's first message they add the newcomer signal.
CARRIERS = frozenset({"link", "short_link", "invite", "channel", "qr_image"})
_IMAGE_FILES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic")
# Clues (links.CLUE, contacts.*_CLUE): a text none of them matches holds no link, phone,
# id, contact card or QR words, so most chat skips those detectors. Each regex starts with
# a character (set) that the regex engine skips to at C speed; phones and ids need a digit
# or "@", which most chat lacks.
_WORD_CLUE = re.compile(f"{links.CLUE}|{contacts.WORD_CLUE}")
_DIGIT_OR_AT = re.compile(r"[\d@]")
_PHONE_CLUE = re.compile(contacts.PHONE_CLUE)
_ID_CLUE = re.compile(contacts.ID_CLUE)


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason to think a message is an ad: ``code``, ``weight``, the matched ``evidence``."""

    code: str
    weight: float
    evidence: str

    def __str__(self) -> str:
        return f"{self.code}[{self.evidence}]" if self.evidence else self.code


def is_image(kind: str, text: str) -> bool:
    """An image message, or a file whose name is an image's."""
    if kind == "image":
        return True
    return kind == "file" and text.strip().casefold().endswith(_IMAGE_FILES)


def find_signals(
    text: str,
    kind: str = "text",
    *,
    allowed_domains: Iterable[str] = (),
    words: Keywords | None = None,
    weights: Mapping[str, float] = WEIGHTS,
) -> list[Signal]:
    """The signals in a message's ``text`` of ``kind`` (a MessageKind value)."""
    plain = compact(normalize(text))
    words = words or keywords()
    clued = kind == "link" or _clued(plain)
    if not clued and words.trigger.search(plain) is None:
        return []  # most chat: nothing that any detector looks for
    found: list[Signal] = []

    def add(code: str, evidence: str) -> None:
        found.append(Signal(code, weights.get(code, WEIGHTS[code]), evidence))

    prose = plain
    if clued:
        for link in _contact_signals(plain, kind, text, tuple(allowed_domains), add):
            prose = prose.replace(link.text, " ")  # words in a URL are not the sender's words
    strong, weak = words.find(prose)
    for word in strong:
        add("keyword", word)
    for word in weak:
        add("keyword_weak", word)
    return found


def _clued(plain: str) -> bool:
    """Whether a clue is in ``plain``: without one, it has no link, phone, id, card or QR."""
    if _WORD_CLUE.search(plain):
        return True
    if _DIGIT_OR_AT.search(plain) is None:
        return False
    return bool(_PHONE_CLUE.search(plain) or _ID_CLUE.search(plain))


def _contact_signals(
    plain: str,
    kind: str,
    text: str,
    allowed_domains: tuple[str, ...],
    add: Callable[[str, str], None],
) -> list[Link]:
    """Add the link, phone, id, card and QR signals; every link found (allowed ones too)."""
    found = _link_signals(plain, kind, allowed_domains, add)
    for number in contacts.phones(plain):
        add("phone", number)
    for ident in contacts.contact_ids(plain):
        add("invite" if contacts.is_group_number(ident) else "contact_id", ident)
    card = contacts.contact_card(plain)
    if card:
        add("contact_card", card)
    qr = contacts.qr_words(plain)
    if qr and is_image(kind, text):
        add("qr_image", qr)
    return found


def _link_signals(
    plain: str, kind: str, allowed_domains: tuple[str, ...], add: Callable[[str, str], None]
) -> list[Link]:
    """Add the link signals; every link found (allowed ones too)."""
    found = find_links(plain)
    links = [link for link in found if not allowed(link, allowed_domains)]
    plain_links = []
    for link in links:
        if is_invite(link):
            add("invite", link.text)
        elif is_channel(link):
            add("channel", link.text)
        elif is_direct_contact(link):
            add("contact_id", link.text)
        elif is_shortener(link):
            add("short_link", link.text)
        else:
            plain_links.append(link)
    if plain_links:
        add("link", plain_links[0].text)
    elif kind == "link" and not found:
        add("link", "")
    return found


def score(signals: Iterable[Signal]) -> float:
    """Each code's weight once (keywords up to ``CAPS`` times), added up."""
    counted: dict[str, int] = {}
    total = 0.0
    for signal in signals:
        seen = counted.get(signal.code, 0)
        if seen < CAPS.get(signal.code, 1):
            total += signal.weight
            counted[signal.code] = seen + 1
    return total


def describe(signals: Iterable[Signal]) -> str:
    """The signals as ``code[evidence]`` items, for an audit reason."""
    return ", ".join(str(s) for s in signals)
