"""Events in, rows out: the one door into the store for chat history.

``ingest`` takes any iterable of canonical events (an importer, a connector's
stretch, the demo generator) and writes them in one transaction, chunk by
chunk so memory stays flat. It is idempotent (messages are unique per group
and platform id; joins and leaves per event id) and all-or-nothing: an error
anywhere leaves the store as it was before the call. ``LiveIngest`` is the
same door for the live engine, which stores events one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice

import orjson
from django.db import transaction
from django.utils import timezone

from shequn.chat.bulk import Row, writer
from shequn.chat.collector import fewer_collections
from shequn.chat.models import ImportBatch, Message, Reaction
from shequn.chat.versions import raise_versions
from shequn.community.directory import AccountSpec, Directory
from shequn.community.membership import apply_join, apply_leave, apply_rename
from shequn.community.models import Community, Group
from shequn.events import (
    Actor,
    Event,
    GroupCreated,
    GroupRenamed,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
)

CHUNK = 20_000


class IngestError(ValueError):
    """An event cannot be stored as given; nothing of its batch was written."""


@dataclass
class IngestStats:
    """What one ingest added; events already stored count as duplicates."""

    events: int = 0
    messages: int = 0
    duplicates: int = 0
    joins: int = 0
    leaves: int = 0
    renames: int = 0
    reactions: int = 0
    deletions: int = 0
    groups_created: int = 0
    accounts_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def ingest(
    events: Iterable[Event],
    community: Community,
    batch: ImportBatch | None = None,
    chunk_size: int = CHUNK,
    directory: Directory | None = None,
) -> IngestStats:
    """Store ``events`` in ``community``; all of them or, on any error, none.

    ``directory`` is for a long-running caller storing a few events at a time (the
    live engine): its caches are kept between calls and rows are written on the
    calling thread. After an error the caller must drop it: the rollback undid
    rows it remembers.
    """
    stats = IngestStats()
    kept = directory is not None
    # A bulk ingest (no kept directory) streams many events: see ``collector``.
    with transaction.atomic(), nullcontext() if kept else fewer_collections():
        directory = directory if directory is not None else Directory(community)
        groups, accounts = directory.created_groups, directory.created_accounts
        run = _Run(directory, stats, batch.pk if batch is not None else None, inline=kept)
        try:
            for chunk in _chunks(events, chunk_size):
                run.chunk(chunk, first_index=stats.events)
                stats.events += len(chunk)
            run.settle()
            run.mark_changed()
        finally:
            run.writer.close()
        stats.groups_created = directory.created_groups - groups
        stats.accounts_created = directory.created_accounts - accounts
    return stats


class LiveIngest:
    """Stores a live connector's events one at a time, holding message rows until asked.

    The live engine stores each event before its rules run, one event after
    another. Through ``ingest`` that is a savepoint, a writer and an INSERT per
    event. Here a message from a known sender in a known group (almost all of
    them) is checked and turned into a row at once, but the rows are written
    together at ``flush``: the caller flushes before anything reads the store
    and before it commits. Any other event (a join, a new sender or group)
    flushes first, then goes through ``ingest`` with the same directory.

    After an error other than IngestError, or a rollback, the caller must drop
    this object: its directory and rows no longer match the store. So too when
    ``stale`` is set (an event refused by ``ingest`` may have left the directory
    ahead of the store; nothing was held back then).
    """

    def __init__(self, community: Community, directory: Directory | None = None) -> None:
        self.community = community
        self.directory = directory if directory is not None else Directory(community)
        self.run = _Run(self.directory, IngestStats(), None, inline=True)
        self.pending: list[Row] = []
        self.stale = False

    def add(self, event: Event) -> None:
        """Store ``event`` (its row may wait for ``flush``); IngestError stores nothing of it."""
        if type(event) is MessagePosted:
            group = self.directory.groups.get((event.platform, event.group))
            # Raises IngestError for a bad event before anything is remembered.
            if group is not None and not _scan([event], 0, self.directory.accounts):
                self.pending.append(self.run._row(group.pk, event))
                return
        self.flush()
        try:
            ingest([event], self.community, directory=self.directory)
        except IngestError:
            self.stale = True
            raise

    def flush(self) -> None:
        """Write the stays and message rows held so far (in the caller's transaction)."""
        directory = self.directory
        if directory.fresh or directory.dirty:
            directory.flush()
        if self.pending:
            rows, self.pending = self.pending, []
            self.run.writer.write(rows)
            self.run.touched.update(row[0] for row in rows)  # type: ignore[misc]
            self.run.mark_changed()


def _chunks(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    iterator = iter(events)
    while chunk := list(islice(iterator, size)):
        yield chunk


def validate(event: Event, index: int) -> None:
    """Raise IngestError naming the event when it lacks an id or an aware time."""
    problem = _problem(event)
    if problem is not None:
        name = type(event).__name__
        where = f"event {index} ({name} {event.event_id!r} in {event.platform}/{event.group})"
        raise IngestError(f"{where}: {problem}")


def _problem(event: Event) -> str | None:
    if not event.event_id:
        return "missing event_id"
    if not event.group or not event.platform:
        return "missing platform or group id"
    if not isinstance(event.at, datetime):
        return f"'at' is {type(event.at).__name__}, expected a datetime"
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        return "'at' is a naive datetime; expected timezone-aware UTC"
    return None


def _scan(
    events: list[Event], first_index: int, known: dict[tuple[str, str], int]
) -> list[AccountSpec]:
    """Validate every event and list the accounts they name that are not known yet.

    One pass with a fast path for the common case, a message from a known sender in UTC.
    """
    missing: list[AccountSpec] = []
    for offset, event in enumerate(events):
        at = event.at
        if not (event.event_id and event.group and type(at) is datetime and at.tzinfo is UTC):
            validate(event, first_index + offset)
        if type(event) is MessagePosted:
            actor = event.actor
            if actor is not None and (event.platform, actor.id) not in known:
                missing.append(AccountSpec(event.platform, actor.id, actor.name, actor.is_bot))
            if event.mentions:
                missing.extend(_accounts_named([event], known))
        else:
            missing.extend(_accounts_named([event], known))
    return missing


class _Run:
    """The state of one ingest call across its chunks."""

    def __init__(
        self, directory: Directory, stats: IngestStats, batch_id: int | None, inline: bool = False
    ) -> None:
        self.directory = directory
        self.stats = stats
        self.batch_id = batch_id
        self.writer = writer(inline)
        self.reactions: list[Reaction] = []
        self.rows = 0
        self.touched: set[int] = set()  # groups given message rows since ``mark_changed``
        # Bound once: the row builder runs a million times.
        self.accounts = directory.accounts
        self.stays = directory.stays
        self.time = self.writer.time

    def chunk(self, events: list[Event], first_index: int) -> None:
        directory = self.directory
        missing = _scan(events, first_index, directory.accounts)
        if missing:
            self.settle()
            directory.ensure_accounts(missing)
        rows: list[tuple[object, ...]] = []
        later: list[Event] = []
        platform = group = ""  # no event has an empty group: validated by ``_scan``
        group_id = 0
        row = self._row
        for event in events:
            # Consecutive events mostly share a group: skip the lookup for them.
            if event.group != group or event.platform != platform:
                platform, group = event.platform, event.group
                group_id = self._group(event).pk
            if type(event) is MessagePosted:
                rows.append(row(group_id, event))
            elif isinstance(event, MemberJoined | MemberLeft | MemberRenamed):
                self._membership(group_id, event)
            else:
                later.append(event)
        if directory.fresh or directory.dirty:
            self.settle()
            directory.flush()
        if rows:
            self.writer.write(rows)
            self.rows += len(rows)
            self.touched.update(row[0] for row in rows)  # type: ignore[misc]
        if later:
            # Reactions and deletions refer to messages, which must be written first.
            self.settle()
            for event in later:
                self._other(self._group(event), event)
            self._write_reactions()

    def settle(self) -> None:
        """Wait for the message writer, so the connection is ours and the counts are true."""
        self.stats.messages += self.writer.wait()
        self.stats.duplicates = self.rows - self.stats.messages

    def mark_changed(self) -> None:
        """Raise the messages version of the groups given rows (one UPDATE; none when idle).

        Rows that turned out to be duplicates raise it too: a needless cache miss,
        never a stale page.
        """
        if self.touched:
            ids, self.touched = sorted(self.touched), set()
            raise_versions(ids)

    def _group(self, event: Event) -> Group:
        try:
            return self.directory.group(event.platform, event.group, event.group_name)
        except ValueError as exc:
            raise IngestError(str(exc)) from None

    def _row(self, group_id: int, event: MessagePosted) -> tuple[object, ...]:
        sender = None
        actor = event.actor
        if actor is not None:
            sender = self.accounts[(event.platform, actor.id)]
            if (group_id, sender) not in self.stays:
                self.directory.seen(group_id, sender, event.at)
        mentions = None
        if event.mentions:
            ids = [
                i for m in event.mentions if (i := self._mentioned(event.platform, m)) is not None
            ]
            mentions = orjson.dumps(ids).decode() if ids else None
        time = self.time
        edited = event.edited_at
        return (
            group_id,
            sender,
            event.event_id,
            time(event.at),
            event.kind,  # a StrEnum: orjson writes its value
            event.text,
            event.reply_to,
            mentions,
            None if edited is None else time(edited),
            self.batch_id,
        )

    def _mentioned(self, platform: str, mention: Mention) -> int | None:
        # A mention by name only resolves to an account already known by that name.
        if mention.id:
            return self.directory.accounts.get((platform, mention.id))
        return self.directory.account_by_name(platform, mention.name)

    def _membership(self, group_id: int, event: MemberJoined | MemberLeft | MemberRenamed) -> None:
        directory, stats = self.directory, self.stats
        if isinstance(event, MemberJoined):
            inviter = _account_or_none(directory, event.platform, event.inviter)
            stats.joins += apply_join(directory, group_id, event, inviter)
        elif isinstance(event, MemberLeft):
            remover = _account_or_none(directory, event.platform, event.actor)
            if remover == directory.account_id(event.platform, event.member.id):
                remover = None
            stats.leaves += apply_leave(directory, group_id, event, remover)
        elif event.actor is not None:
            account = directory.account_id(event.platform, event.actor.id)
            if apply_rename(directory, group_id, account, event.new_name):
                stats.renames += 1
                directory.rename_account(account, event.new_name)

    def _other(self, group: Group, event: Event) -> None:
        if isinstance(event, ReactionAdded) and event.actor is not None:
            self.reactions.append(
                Reaction(
                    group=group,
                    message_external_id=event.message_id,
                    account_id=self.directory.account_id(event.platform, event.actor.id),
                    emoji=event.emoji,
                    at=event.at,
                )
            )
        elif isinstance(event, MessageDeleted):
            self.stats.deletions += Message.objects.filter(
                group=group, external_id=event.message_id, deleted_at__isnull=True
            ).update(deleted_at=event.at)
        elif isinstance(event, GroupRenamed):
            self.directory.rename_group(group, event.new_name)
        elif isinstance(event, GroupCreated):
            self.directory.group_created(group, event.at)

    def _write_reactions(self) -> None:
        if not self.reactions:
            return
        groups = {r.group_id for r in self.reactions}
        stored = Reaction.objects.filter(group_id__in=groups)
        before = stored.count()
        Reaction.objects.bulk_create(self.reactions, ignore_conflicts=True)
        self.stats.reactions += stored.count() - before
        self.reactions = []


def _account_or_none(directory: Directory, platform: str, actor: Actor | None) -> int | None:
    if actor is None:
        return None
    return directory.accounts.get((platform, actor.id))


def _accounts_named(
    events: list[Event], known: dict[tuple[str, str], int]
) -> Iterator[AccountSpec]:
    """Every account not yet known that the chunk names as actor, member, inviter or mention."""
    for event in events:
        platform = event.platform
        actors: list[Actor] = [event.actor] if event.actor is not None else []
        if isinstance(event, MemberJoined | MemberLeft):
            actors.append(event.member)
        if isinstance(event, MemberJoined) and event.inviter is not None:
            actors.append(event.inviter)
        for actor in actors:
            if (platform, actor.id) not in known:
                yield AccountSpec(platform, actor.id, actor.name, actor.is_bot)
        if type(event) is MessagePosted:
            for mention in event.mentions:
                if mention.id and (platform, mention.id) not in known:
                    yield AccountSpec(platform, mention.id, mention.name)


def start_batch(community: Community, source: str, fmt: str) -> ImportBatch:
    """Open the record of one import; its messages point back to it."""
    return ImportBatch.objects.create(community=community, source=source[:500], format=fmt)


def finish_batch(batch: ImportBatch, stats: IngestStats | None, error: str = "") -> None:
    """Close an import batch with its counts or its error."""
    batch.finished_at = timezone.now()
    batch.status = ImportBatch.Status.FAILED if error else ImportBatch.Status.DONE
    batch.counts = stats.as_dict() if stats is not None else {}
    batch.error = error
    batch.save(update_fields=["finished_at", "status", "counts", "error"])
