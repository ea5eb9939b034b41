"""A group's message history: newest first, keyset-paginated, searchable.

Pages are cut on (at, id), never with OFFSET: the page after a message is "older
than this (at, id)", which the (group, at) index answers at the same cost on the
first page and the ten-thousandth. Search is a plain case-insensitive substring
match on the text and on the sender's names; on a million messages it scans the
group's rows, which is acceptable for now (a full-text index can replace it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

from shequn.chat.models import Message
from shequn.community.models import Group
from shequn.playbook.essence_actions import essence_ids

PAGE_SIZE = 50
QUERY_MAX = 200  # longer search strings are cut: nobody types more, and it bounds the scan
CURSOR = re.compile(r"^(\d{1,17})_(\d{1,18})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; every field is already cleaned."""

    q: str = ""
    sender: str = ""
    person: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters (empty ones left out)."""
        out = {"q": self.q, "sender": self.sender}
        if self.person is not None:
            out["person"] = str(self.person)
        return {k: v for k, v in out.items() if v}


def parse_filters(params: dict[str, str]) -> Filters:
    """Filters from query parameters; a non-numeric ``person`` is ignored, like no filter."""
    person = params.get("person", "").strip()
    return Filters(
        q=params.get("q", "").strip()[:QUERY_MAX],
        sender=params.get("sender", "").strip()[:QUERY_MAX],
        person=int(person) if person.isdigit() and len(person) < 19 else None,
    )


def encode_cursor(message: Message) -> str:
    """``<microseconds since the epoch>_<id>`` of a message: where a page starts or ends."""
    delta = message.at - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}_{message.pk}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """(at, id) from a cursor; None for a missing or malformed one (read from the newest)."""
    found = CURSOR.match(value or "")
    if not found:
        return None
    micros, pk = int(found.group(1)), int(found.group(2))
    try:
        at = EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    return at, pk


def filtered(group: Group, filters: Filters) -> QuerySet[Message]:
    """The group's messages matching ``filters``, with each sender's account and person."""
    messages = Message.objects.filter(group=group).select_related("sender__person")
    if filters.q:
        messages = messages.filter(text__icontains=filters.q)
    if filters.sender:
        messages = messages.filter(
            Q(sender__display_name__icontains=filters.sender)
            | Q(sender__person__display_name__icontains=filters.sender)
            | Q(sender__external_id=filters.sender)
        )
    if filters.person is not None:
        messages = messages.filter(sender__person_id=filters.person)
    return messages


@dataclass(frozen=True)
class Line:
    """A message and, when it replies to a stored message, that message."""

    message: Message
    target: Message | None


@dataclass
class Page:
    """One page of messages, newest first, with cursors to the pages around it."""

    messages: list[Message]
    older: str | None = None  # cursor for the next page back in time
    newer: str | None = None  # cursor for the page before this one (None on the first page)
    targets: dict[str, Message] = field(default_factory=dict)  # reply_to → the message answered
    essence: set[str] = field(default_factory=set)  # platform ids of essence messages

    @property
    def lines(self) -> list[Line]:
        """The messages with the messages they answer, for the template."""
        return [Line(m, self.targets.get(m.reply_to or "")) for m in self.messages]


def page_of(
    group: Group, filters: Filters, before: str | None = None, after: str | None = None
) -> Page:
    """The page of messages older than ``before`` (or newer than ``after``), newest first."""
    messages = filtered(group, filters)
    start_after = decode_cursor(after)
    if start_after is not None:
        at, pk = start_after
        newer = messages.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk)).order_by("at", "id")
        rows = list(newer[: PAGE_SIZE + 1])
        if len(rows) > PAGE_SIZE:  # not yet back at the newest page
            rows = rows[:PAGE_SIZE][::-1]
            page = Page(rows, older=encode_cursor(rows[-1]), newer=encode_cursor(rows[0]))
            page.targets = reply_targets(group, page.messages)
            page.essence = essence_ids(group, [m.external_id for m in page.messages])
            return page
    start_before = decode_cursor(before) if start_after is None else None
    if start_before is not None:
        at, pk = start_before
        messages = messages.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(messages.order_by("-at", "-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    page = Page(rows, older=encode_cursor(rows[-1]) if rows and more else None)
    page.newer = encode_cursor(rows[0]) if rows and start_before is not None else None
    page.targets = reply_targets(group, page.messages)
    page.essence = essence_ids(group, [m.external_id for m in page.messages])
    return page


def reply_targets(group: Group, messages: list[Message]) -> dict[str, Message]:
    """The messages these answer, by platform id, in one query (targets may be on other pages)."""
    wanted = {m.reply_to for m in messages if m.reply_to}
    if not wanted:
        return {}
    found = Message.objects.filter(group=group, external_id__in=wanted).select_related(
        "sender__person"
    )
    return {m.external_id: m for m in found}


__all__ = ["PAGE_SIZE", "Filters", "Line", "Page", "page_of", "parse_filters"]
