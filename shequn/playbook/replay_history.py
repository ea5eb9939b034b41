"""A group's stored history as canonical events again, in time order, streamed (replay).

Replay reads back what ingest stored: every message (``chat_message``) and every
known join and leave (the stays of ``community_membership``). Messages are read
through one server-side cursor in chunks (PostgreSQL streams them; SQLite reads
its file as it goes), so a million messages never sit in memory at once; the
joins and leaves of the group are few and are read up front.

At the same instant, joins come before messages and messages before leaves (a
member speaks after arriving; a removal follows the message that caused it);
messages at the same instant keep the order they were stored in.

Not read back (the store keeps no event for them): renames, reactions,
deletions, group renames, and repeated joins that changed nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection

from shequn.community.models import Account, Group, Membership
from shequn.events import (
    Actor,
    Event,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
)
from shequn.importers.posted import posted

CHUNK = 10_000
KINDS = {k.value: k for k in MessageKind}
MESSAGES_SQL = (
    "SELECT id, sender_id, external_id, {at}, kind, text, reply_to, mentions, edited_at "
    "FROM chat_message WHERE group_id = %s{until} ORDER BY at, id"
)
#: How each store hands back a message's time: PostgreSQL as an aware datetime; SQLite's
#: text read as text and marked UTC, for ``datetime.fromisoformat`` to read in C (Django's
#: converter, then making it aware, cost more than a microsecond a message).
AT_SQL = {"postgresql": "at", "sqlite": "at || '+00:00'"}
from_text = datetime.fromisoformat


@dataclass
class Actors:
    """Stored accounts as event actors, one shared Actor per account, loaded as needed."""

    by_pk: dict[int, Actor] = field(default_factory=dict)

    def add(self, pk: int, external_id: str, name: str, is_bot: bool) -> Actor:
        actor = Actor(id=external_id, name=name, is_bot=is_bot)
        self.by_pk[pk] = actor
        return actor

    def load(self, pks: Iterable[int | None]) -> None:
        """Fetch the accounts among ``pks`` not known yet, in one query."""
        missing = {pk for pk in pks if pk is not None and pk not in self.by_pk}
        if not missing:
            return
        rows = Account.objects.filter(pk__in=missing).values_list(
            "pk", "external_id", "display_name", "is_bot"
        )
        for pk, external_id, name, is_bot in rows:
            self.add(pk, external_id, name, is_bot)

    def get(self, pk: int | None) -> Actor | None:
        return None if pk is None else self.by_pk.get(pk)


def stored_events(
    group: Group, until: datetime | None = None, chunk: int = CHUNK
) -> Generator[Event, None, None]:
    """The group's messages, joins and leaves before ``until``, oldest first."""
    actors = Actors()
    pending = membership_events(group, actors, until)
    i, n = 0, len(pending)
    next_at = pending[0][0] if pending else None
    for message in _messages(group, actors, until, chunk):
        at = message.at
        if next_at is not None and next_at <= at:
            while i < n and (pending[i][0] < at or (pending[i][0] == at and pending[i][1] == 0)):
                yield pending[i][3]
                i += 1
            next_at = pending[i][0] if i < n else None
        yield message
    for item in pending[i:]:
        yield item[3]


def membership_events(
    group: Group, actors: Actors, until: datetime | None
) -> list[tuple[datetime, int, int, Event]]:
    """Each stay's join and leave as events, sorted by (time, join before leave, stay)."""
    rows = (
        Membership.objects.filter(group=group)
        .select_related("account", "inviter", "removed_by")
        .order_by("pk")
    )
    found: list[tuple[datetime, int, int, Event]] = []
    common: dict[str, Any] = {
        "platform": group.platform,
        "group": group.external_id,
        "group_name": group.name,
    }
    for stay in rows:
        account = stay.account
        known = actors.get(account.pk) or actors.add(
            account.pk, account.external_id, account.display_name, account.is_bot
        )
        member = Actor(id=known.id, name=stay.nickname or known.name, is_bot=known.is_bot)
        if stay.joined_at is not None and (until is None or stay.joined_at < until):
            joined = MemberJoined(
                **common,
                event_id=stay.join_event_id or f"stay-{stay.pk}-join",
                at=stay.joined_at,
                actor=member,
                member=member,
                how=JoinHow(stay.join_how or JoinHow.UNKNOWN),
                inviter=_actor(stay.inviter),
            )
            found.append((stay.joined_at, 0, stay.pk, joined))
        if stay.left_at is not None and stay.left_how and (until is None or stay.left_at < until):
            left = MemberLeft(
                **common,
                event_id=stay.leave_event_id or f"stay-{stay.pk}-leave",
                at=stay.left_at,
                actor=_actor(stay.removed_by) or member,
                member=member,
                how=LeaveHow(stay.left_how),
            )
            found.append((stay.left_at, 2, stay.pk, left))
    found.sort(key=lambda item: item[:3])
    return found


def _actor(account: Account | None) -> Actor | None:
    if account is None:
        return None
    return Actor(id=account.external_id, name=account.display_name, is_bot=account.is_bot)


def _messages(
    group: Group, actors: Actors, until: datetime | None, chunk: int
) -> Iterator[MessagePosted]:
    """The group's messages in (time, id) order through one streaming cursor."""
    params: list[Any] = [group.pk]
    at_sql = AT_SQL.get(connection.vendor, "at")
    sql = MESSAGES_SQL.format(at=at_sql, until="")
    if until is not None:
        sql = MESSAGES_SQL.format(at=at_sql, until=" AND at < %s")
        params.append(connection.ops.adapt_datetimefield_value(until))
    platform, group_id, group_name = group.platform, group.external_id, group.name
    by_pk, kinds, text_kind = actors.by_pk, KINDS, MessageKind.TEXT
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            actors.load(row[1] for row in rows)
            for _pk, sender, external_id, at, kind, text, reply_to, mentions, edited in rows:
                yield posted(
                    platform,
                    group_id,
                    external_id,
                    from_text(at) if type(at) is str else _utc(at),
                    None if sender is None else by_pk.get(sender),
                    group_name,
                    kinds.get(kind, text_kind),
                    text or "",
                    reply_to,
                    _mentions(actors, mentions) if mentions else (),
                    _aware(edited),
                )


def _mentions(actors: Actors, stored: str | list[int]) -> tuple[Mention, ...]:
    """Stored mentions (a JSON list of account ids) as Mentions by platform id."""
    ids = orjson.loads(stored) if isinstance(stored, str | bytes) else stored
    actors.load(ids)
    found = (actors.get(pk) for pk in ids)
    return tuple(Mention(id=a.id, name=a.name) for a in found if a is not None)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
