"""What the other groups of a community said and had done, as a replay's clock advances.

A replay rebuilds one group's state from its own events; two questions of the
moderation rule reach beyond it (``GroupState.same_text_groups`` and the
community-wide part of ``blacklisted``). Live, the store answered them as it
stood at the event; here the store answers them as of the event's time:

- the other groups' messages are read once, in time order, through a streaming
  cursor that moves with the replay; only a sliding window of them (from the
  earliest ``since`` still asked about) is held, indexed by text. A question
  reaching back before the window is answered by a query, so answers are exact;
- removals from other groups are the audit log's (live decisions there, not
  undone), each dated by the event that led to it (its message or join).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Generator
from datetime import UTC, datetime

from django.db import connection

from shequn.chat.models import Message
from shequn.community.models import AuditLog, Group, Membership
from shequn.playbook.memory_state import DECIDED
from shequn.playbook.micros import micros
from shequn.playbook.moderation.undo import UNDOES

CHUNK = 5_000


class StoredElsewhere:
    """``Elsewhere`` over the store, for a replay of ``group`` (sync, DB)."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.others = list(
            Group.objects.filter(community_id=group.community_id)
            .exclude(pk=group.pk)
            .values_list("pk", flat=True)
        )
        self._removals: dict[tuple[str, str], datetime] | None = None
        self._stream: Generator[tuple[int, int, str], None, None] | None = None
        self._next: tuple[int, int, str] | None = None
        self._window: deque[tuple[int, int, str]] = deque()
        self._texts: dict[str, Counter[int]] = {}
        self._horizon: int | None = None  # messages before this are no longer held

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        if not self.others or not text:
            return 0
        start, end = micros(since), micros(until)
        if self._horizon is None:
            self._horizon = start
            self._stream = self._messages(since)
            self._next = next(self._stream, None)
        elif start < self._horizon:
            return self._query(text, since, until)
        self._advance(end)
        self._evict(start)
        groups = self._texts.get(text)
        return len(groups) if groups else 0

    def removed(self, rule: str, member_id: str, until: datetime) -> bool:
        if self._removals is None:
            self._removals = self._load_removals()
        when = self._removals.get((rule, member_id))
        return when is not None and when <= until

    def close(self) -> None:
        """Let go of the other groups' message cursor."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    # --- the sliding window ----------------------------------------------------------

    def _advance(self, end: int) -> None:
        while self._next is not None and self._next[0] <= end:
            _at, group_id, text = self._next
            self._window.append(self._next)
            self._texts.setdefault(text, Counter())[group_id] += 1
            self._next = next(self._stream, None) if self._stream is not None else None

    def _evict(self, start: int) -> None:
        window, texts = self._window, self._texts
        while window and window[0][0] < start:
            _at, group_id, text = window.popleft()
            groups = texts[text]
            groups[group_id] -= 1
            if not groups[group_id]:
                del groups[group_id]
                if not groups:
                    del texts[text]
        self._horizon = max(self._horizon or start, start)

    def _messages(self, since: datetime) -> Generator[tuple[int, int, str], None, None]:
        marks = ", ".join(["%s"] * len(self.others))
        sql = (
            f"SELECT at, group_id, text FROM chat_message WHERE group_id IN ({marks}) "
            "AND at >= %s ORDER BY at"
        )
        params = [*self.others, connection.ops.adapt_datetimefield_value(since)]
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                for at, group_id, text in rows:
                    yield micros(_aware(at)), group_id, text or ""

    def _query(self, text: str, since: datetime, until: datetime) -> int:
        found = Message.objects.filter(
            group_id__in=self.others, at__gte=since, at__lte=until, text=text
        )
        return found.values("group_id").distinct().count()

    # --- removals ----------------------------------------------------------------------

    def _load_removals(self) -> dict[tuple[str, str], datetime]:
        """(rule, member) → when the earliest standing removal elsewhere happened."""
        entries = list(
            AuditLog.objects.filter(
                community_id=self.group.community_id,
                action="Remove",
                outcome__in=list(DECIDED),
                group__platform=self.group.platform,
            )
            .exclude(group_id=self.group.pk)
            .values_list("pk", "rule", "target", "group_id", "details", "at")
        )
        if not entries:
            return {}
        undone = AuditLog.objects.filter(
            community_id=self.group.community_id,
            **{f"details__{UNDOES}__in": [e[0] for e in entries]},
        ).values_list(f"details__{UNDOES}", flat=True)
        gone = {int(pk) for pk in undone}
        found: dict[tuple[str, str], datetime] = {}
        for pk, rule, target, group_id, details, at in entries:
            if pk in gone:
                continue
            event_id = details.get("event_id", "") if isinstance(details, dict) else ""
            when = _event_time(group_id, event_id) or at
            key = (rule, target)
            found[key] = min(found.get(key, when), when)
        return found


def _event_time(group_id: int | None, event_id: str) -> datetime | None:
    """When the stored message or join ``event_id`` of a group happened."""
    if group_id is None or not event_id:
        return None
    at = (
        Message.objects.filter(group_id=group_id, external_id=event_id)
        .values_list("at", flat=True)
        .first()
    )
    if at is not None:
        return at
    return (
        Membership.objects.filter(group_id=group_id, join_event_id=event_id)
        .values_list("joined_at", flat=True)
        .first()
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
