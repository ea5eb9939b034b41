"""A 接龙 post read on its own: the title, description and numbered entries of one message.

Pure: no Django, no clock. ``jielong.py`` follows posts over time into chains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MARKER = "接龙"

_ENTRY = re.compile(
    r"^\s*[(（]?(?:(?P<num>[0-9０-９]{1,3})"
    r"(?:\s*(?:[.:：,](?![0-9０-９])|[．，。、)）\]】])\s*|\s+)"
    r"|(?P<circled>[①-⒛])\s*)"
    r"(?P<text>\S.*?)\s*$"
)
_MAYBE = re.compile(r"^\s*[(（]?[0-9０-９①-⒛]", re.MULTILINE)
_LEADS = frozenset("0123456789０１２３４５６７８９(（") | frozenset(map(chr, range(0x2460, 0x249C)))
#: What a text ``might_be_jielong`` starts with: a number, a bracket, or a space
#: (Unicode has no space after U+3000, the ideographic one).
LEADS = _LEADS | frozenset(c for c in map(chr, range(0x3001)) if c.isspace())
#: A later line starting with a number: with ``LEADS``, all that ``might_be_jielong`` finds.
LATER_NUMBERED = r"\n\s*[(（]?[0-9０-９①-⒛]"


def might_be_jielong(text: str) -> bool:
    """A cheap first look: some line starts with a number (most chat lines do not)."""
    if "\n" not in text:
        return text[:1] in _LEADS or (text[:1].isspace() and text.lstrip()[:1] in _LEADS)
    return _MAYBE.search(text) is not None


@dataclass(frozen=True)
class JielongPost:
    """What one message says as a 接龙: its title, description and numbered entries."""

    title: str
    key: str
    description: tuple[str, ...]
    entries: tuple[str, ...]
    marked: bool


# Keys are asked for again and again as each repost is compared with the chain (a
# 30-line chain reposted 30 times): remembering them halves the recogniser's time.
@lru_cache(maxsize=65536)
def entry_key(text: str) -> str:
    """An entry compared without width, case, spaces or trailing punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(folded.split()).rstrip("。.,，;；!！~～")


@lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    """A title compared on letters and digits only, without the 接龙 marker."""
    folded = unicodedata.normalize("NFKC", title).casefold().replace(MARKER, "")
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


def _number(match: re.Match[str]) -> int:
    if match.group("num"):
        return int(match.group("num"))
    return int(unicodedata.numeric(match.group("circled")))


# Each repost of a chain repeats every line before it: a line read once is remembered.
@lru_cache(maxsize=65536)
def _numbered(line: str) -> tuple[int, str] | None:
    match = _ENTRY.match(line)
    return (_number(match), match.group("text")) if match else None


def _entry_start(numbered: list[tuple[int, str] | None]) -> int | None:
    """Index of the line numbered 1 that opens the last run of entries."""
    start, previous_numbered = None, False
    for index, found in enumerate(numbered):
        if found is not None and found[0] == 1 and not previous_numbered:
            start = index
        previous_numbered = found is not None
    return start


def parse_post(text: str) -> JielongPost | None:
    """The 接龙 in ``text``, or None when it has no numbered entries starting at 1."""
    if not text or not might_be_jielong(text):
        return None
    lines = text.splitlines()
    numbered = list(map(_numbered, lines))
    start = _entry_start(numbered)
    if start is None:
        return None
    entries = tuple(n[1] for n in numbered[start:] if n is not None)
    head = [line.strip() for line in lines[:start] if line.strip()]
    title, description = (head[0], head[1:]) if head else ("", [])
    if description and not title_key(title):  # "#接龙" alone: the title is the next line
        title, description = f"{title} {description[0]}", description[1:]
    return JielongPost(
        title=title,
        key=title_key(title),
        description=tuple(description),
        entries=entries,
        marked=any(MARKER in line for line in head),
    )


def bare_entries(text: str) -> list[tuple[int, str]] | None:
    """Numbered lines only (``4. 孙八``), as a member adding to a chain without the list."""
    lines = [line for line in text.splitlines() if line.strip()]
    numbered = [_numbered(line) for line in lines]
    if not numbered or any(n is None for n in numbered):
        return None
    return [n for n in numbered if n is not None]


def strip_number(line: str) -> str:
    """``line`` without its leading entry number (unchanged when it has none)."""
    numbered = _numbered(line)
    return numbered[1] if numbered else line
