"""Presence for the silent (沉默成员): one invitation per silent member, and a column mention.

Pure: the caller gives the silent members (the group page's lurker list, with
their archive fields) and the group's next column slot, if any; out come the
suggested texts. No I/O, no clock, so the page and the tests get the same text
for the same input. The texts are plain (they go to the group as is); whoever
renders them escapes them.

Why this order (offers, industry, intro, welcome-back): a question about what the
member said they can offer is the most specific and the easiest to answer, the
industry is next, the self-introduction is a weaker hook, and a gentle greeting
is all that is left when the archive is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

#: How much of a free text (an offer, the intro) is quoted back.
QUOTE_CHARS = 30
_SPLIT = re.compile(r"[\n,，;；、/|]+")


@dataclass(frozen=True)
class SilentMember:
    """A silent member as the suggestion needs them (from the lurker list and the archive)."""

    person_id: int
    name: str
    offers: str = ""
    industry: str = ""
    intro: str = ""
    silent_days: float | None = None


@dataclass(frozen=True)
class NextColumn:
    """The group's next column slot: its name and its time in the community's zone."""

    name: str
    local_time: str


@dataclass(frozen=True)
class Suggestion:
    """What to say to bring one silent member in, and where else to mention them."""

    person_id: int
    name: str
    basis: str  # "offers", "industry", "intro" or "welcome"
    text: str
    column_hint: str = ""


def _quote(text: str) -> str:
    """``text`` on one line, cut to ``QUOTE_CHARS`` (with an ellipsis when cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1] + "…"


def first_offer(offers: str) -> str:
    """The first listed offer (offers are often a list separated by commas or lines)."""
    for part in _SPLIT.split(offers):
        if part.strip():
            return _quote(part.strip())
    return ""


def invitation(member: SilentMember) -> tuple[str, str]:
    """The basis and the text of the invitation for ``member``."""
    who = {"name": member.name}
    offer = first_offer(member.offers)
    if offer:
        text = _(
            "@%(name)s you listed 「%(offer)s」 among your offers; what has changed there lately?"
        )
        return "offers", text % {**who, "offer": offer}
    industry = _quote(member.industry.strip())
    if industry:
        text = _("@%(name)s you work in 「%(industry)s」; anything new in the trade worth sharing?")
        return "industry", text % {**who, "industry": industry}
    intro = _quote(member.intro.strip())
    if intro:
        text = _(
            "@%(name)s your introduction says 「%(intro)s」; what are you busy with these days?"
        )
        return "intro", text % {**who, "intro": intro}
    text = _("@%(name)s long time no see! How have you been? Come and join the conversation.")
    return "welcome", text % who


def column_hint(member: SilentMember, column: NextColumn | None) -> str:
    """A suggestion to name the member in the next column post; empty without one."""
    if column is None:
        return ""
    text = _("Mention @%(name)s in the next 【%(column)s】 (%(time)s).")
    return text % {"name": member.name, "column": column.name, "time": column.local_time}


def suggest(members: list[SilentMember], column: NextColumn | None = None) -> list[Suggestion]:
    """One suggestion per silent member, in the given order (the longest silent first)."""
    result = []
    for member in members:
        basis, text = invitation(member)
        hint = column_hint(member, column)
        result.append(Suggestion(member.person_id, member.name, basis, text, hint))
    return result
