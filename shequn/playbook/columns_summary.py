"""What happened after a column post: its summary figures and the column's engagement over time.

Both read the message store over one window per post (``[posted_at,
posted_at + hours)``), through the (group, at) index, with aggregate queries:
counts per sender and per replied-to message, never the messages themselves,
except the few top ones. The bot's own post is found in the store by its text
(connectors report the bot's messages like anyone's) and its sender left out
of the counts, so the bot's reminders and summaries never count as engagement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet

from shequn.chat.models import Message
from shequn.playbook.columns import SummaryFigures
from shequn.playbook.models import Column, ColumnPost

#: How many messages the summary names; how many past posts the engagement covers.
TOP_SHOWN = 3
POSTS_SHOWN = 12
#: The bot's message is looked for this long around the moment it was posted.
FIND_SLACK = timedelta(minutes=10)


def post_message(post: ColumnPost) -> Message | None:
    """The stored message of a posted slot: its text, from around ``posted_at``."""
    if post.posted_at is None or not post.text:
        return None
    if post.message_id:
        return Message.objects.filter(group=post.column.group, external_id=post.message_id).first()
    found = Message.objects.filter(
        group_id=post.column.group_id,
        at__gte=post.posted_at - FIND_SLACK,
        at__lt=post.posted_at + FIND_SLACK,
        text=post.text,
    ).first()
    if found is not None:
        ColumnPost.objects.filter(pk=post.pk).update(message_id=found.external_id)
    return found


def _window(post: ColumnPost, hours: int, bot: Message | None) -> QuerySet[Message]:
    """Messages of the post's group in the hours after it, without the bot's."""
    assert post.posted_at is not None
    start = bot.at if bot is not None else post.posted_at
    rows = Message.objects.filter(
        group_id=post.column.group_id, at__gte=start, at__lt=start + timedelta(hours=hours)
    )
    if bot is not None and bot.sender_id is not None:
        rows = rows.exclude(sender_id=bot.sender_id)
    return rows.filter(deleted_at__isnull=True)


def _name(row: Mapping[str, object]) -> str:
    return str(row.get("sender__display_name") or row.get("sender__person__display_name") or "?")


def figures(post: ColumnPost, hours: int) -> SummaryFigures:
    """Who spoke after ``post`` (most messages first), how many messages and replies to it,
    and the messages that drew the most replies in the window."""
    bot = post_message(post)
    window = _window(post, hours, bot)
    people = list(
        window.values("sender_id", "sender__display_name", "sender__person__display_name")
        .annotate(n=Count("id"))
        .order_by("-n", "sender_id")
    )
    replies = window.filter(reply_to=bot.external_id).count() if bot is not None else 0
    answered = list(
        window.exclude(reply_to__isnull=True)
        .exclude(reply_to=bot.external_id if bot is not None else "")
        .values("reply_to")
        .annotate(n=Count("id"))
        .order_by("-n", "reply_to")[:TOP_SHOWN]
    )
    counts = {str(row["reply_to"]): int(row["n"]) for row in answered}
    tops = window.filter(external_id__in=list(counts)).values(
        "external_id", "text", "sender__display_name", "sender__person__display_name"
    )
    top = sorted(
        ((_name(row), str(row["text"]), counts[str(row["external_id"])]) for row in tops),
        key=lambda t: -t[2],
    )
    return SummaryFigures(
        speakers=[_name(row) for row in people if row["sender_id"] is not None],
        messages=sum(int(row["n"]) for row in people),
        replies=replies,
        top=top,
    )


@dataclass(frozen=True)
class Turnout:
    """One post of a column and who came: distinct speakers and messages in the window after it."""

    slot_at: datetime
    posted_at: datetime
    speakers: int
    messages: int


def engagement(column: Column, hours: int | None = None, limit: int = POSTS_SHOWN) -> list[Turnout]:
    """People speaking within ``hours`` (default: the column's window) after each of its
    latest ``limit`` posts, oldest first: are people still coming?"""
    span = hours or column.window_hours
    posts = list(column.posts.filter(status=ColumnPost.Status.POSTED).order_by("-slot_at")[:limit])
    lines = []
    for post in reversed(posts):
        assert post.posted_at is not None
        post.column = column
        found = _window(post, span, post_message(post)).aggregate(
            people=Count("sender_id", distinct=True), n=Count("id")
        )
        lines.append(Turnout(post.slot_at, post.posted_at, int(found["people"]), int(found["n"])))
    return lines


def group_engagement(group_id: int, hours: int | None = None) -> list[tuple[Column, list[Turnout]]]:
    """Every column of a group with its turnout over time (for the group page)."""
    columns = Column.objects.filter(group_id=group_id).select_related("group").order_by("name")
    return [(column, engagement(column, hours)) for column in columns]


__all__ = ["Turnout", "engagement", "figures", "group_engagement", "post_message"]
