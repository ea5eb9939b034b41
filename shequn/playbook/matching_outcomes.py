"""Who answered a question, read from the group's later messages; what past suggestions teach.

An answer is a message by someone other than the asker (and not a bot) that
replies to the question, mentions the asker, or names them with ``@name`` (for
platforms without structured mentions). A member the routing @-mentioned in the
group who speaks afterwards counts as answering too: on platforms without reply
links, that is all there is to see.

The priors handed to ``Profiles.route`` are each member's smoothed answer rate
over their settled suggestions, relative to the even prior 0.5: a member who
answered most suggestions ranks higher, one who never answers lower, and a
member never suggested is left alone (1.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from shequn.chat.models import Message
from shequn.community.models import Account, Group
from shequn.playbook.matching_models import RoutingSuggestion

#: The most later messages one check reads.
SCAN_LIMIT = 5000
Outcome = RoutingSuggestion.Outcome


@dataclass(frozen=True)
class Answer:
    """A message that answers the question: who sent it (account and person) and when."""

    account_id: int
    person_id: int
    at: datetime


def answers(
    group: Group,
    message_id: str,
    asker: Account | None,
    since: datetime,
    until: datetime,
    pinged: frozenset[int] = frozenset(),
    pinged_at: datetime | None = None,
) -> list[Answer]:
    """The answers to ``message_id`` posted with since < at <= until, oldest first.

    ``pinged``: person ids the routing mentioned in the group at ``pinged_at``;
    any message of theirs after that counts as an answer.
    """
    rows = (
        Message.objects.filter(group=group, at__gt=since, at__lte=until, deleted_at__isnull=True)
        .exclude(sender__isnull=True)
        .exclude(sender__is_bot=True)
        .order_by("at", "pk")
        .values_list("sender_id", "sender__person_id", "at", "reply_to", "mentions", "text")
    )
    handles = _handles(asker)
    found: list[Answer] = []
    for sender, person, at, reply_to, mentions, text in rows[:SCAN_LIMIT]:
        if asker is not None and sender == asker.pk:
            continue
        mentioned = asker is not None and isinstance(mentions, list) and asker.pk in mentions
        named = any(h in (text or "") for h in handles)
        after_ping = person in pinged and (pinged_at is None or at >= pinged_at)
        if reply_to == message_id or mentioned or named or after_ping:
            found.append(Answer(account_id=sender, person_id=person, at=at))
    return found


def _handles(asker: Account | None) -> list[str]:
    if asker is None:
        return []
    names = {asker.display_name, *asker.memberships.exclude(nickname="").values_list(
        "nickname", flat=True
    )}  # fmt: skip
    return [f"@{n}" for n in names if n]


def priors(community_id: int) -> dict[int, float]:
    """Person id → how much better than even their settled suggestions went (0.5 … 2, about)."""
    rows = (
        RoutingSuggestion.objects.filter(question__group__community_id=community_id)
        .exclude(outcome=Outcome.PENDING)
        .values("person_id")
        .annotate(settled=Count("pk"), answered=Count("pk", filter=Q(outcome=Outcome.ANSWERED)))
    )
    return {row["person_id"]: ((row["answered"] + 1) / (row["settled"] + 2)) / 0.5 for row in rows}
