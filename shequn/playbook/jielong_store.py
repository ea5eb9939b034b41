"""接龙 chains as the store keeps them: rows ↔ the recogniser's ``Chain``, and a tracker
that resumes from the stored state.

The recogniser (``jielong.JielongTracker``) is pure and follows messages in time
order. Reading a group's whole history again for every page view or import would
cost as much as the history is long, so its state is kept (``JielongChain`` rows,
``JielongScan.through``) and a ``ResumedTracker`` picks up where it stopped: the
group's chains are adopted, and only messages after ``through`` are fed. Writes
are ``jielong_actions``'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from shequn.chat.models import Message
from shequn.community.models import Group
from shequn.playbook.jielong import Chain, ChainMessage, Entry, JielongTracker
from shequn.playbook.jielong_models import JielongChain, JielongScan
from shequn.playbook.jielong_post import might_be_jielong

CHUNK = 2000


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as stored in ``JielongChain.entries`` / ``removed`` (times ISO 8601 UTC)."""
    return {
        "text": entry.text,
        "by": entry.added_by,
        "by_name": entry.added_by_name,
        "at": entry.added_at.isoformat(),
        "message": entry.message_id,
        "edited_at": _time(entry.edited_at),
        "edited_by": entry.edited_by_name,
        "removed_at": _time(entry.removed_at),
        "removed_by": entry.removed_by_name,
    }


def entry_from(data: dict[str, Any]) -> Entry:
    """The stored ``data`` as an ``Entry`` again."""
    added = _parse(data.get("at"))
    if added is None:
        raise ValueError(f"stored 接龙 entry without a time: {data!r}")
    return Entry(
        text=str(data.get("text", "")),
        added_by=str(data.get("by", "")),
        added_by_name=str(data.get("by_name", "")),
        added_at=added,
        message_id=str(data.get("message", "")),
        edited_at=_parse(data.get("edited_at")),
        edited_by_name=str(data.get("edited_by", "")),
        removed_at=_parse(data.get("removed_at")),
        removed_by_name=str(data.get("removed_by", "")),
    )


def chain_from(row: JielongChain) -> Chain:
    """A stored chain as the recogniser's ``Chain``, ready to be fed further."""
    return Chain(
        title=row.title,
        key=row.key,
        description=tuple(row.description or ()),
        started_by=row.starter_id,
        started_by_name=row.starter_name,
        started_at=row.started_at,
        updated_at=row.updated_at,
        first_message_id=row.first_message_id,
        posts=row.posts,
        entries=[entry_from(e) for e in row.entries or ()],
        removed=[entry_from(e) for e in row.removed or ()],
        conflicts=row.conflicts,
    )


def chain_values(chain: Chain) -> dict[str, Any]:
    """The columns of a ``JielongChain`` row that hold ``chain``'s state."""
    return {
        "key": chain.key[:200],
        "title": chain.title[:500],
        "description": list(chain.description),
        "starter_id": chain.started_by[:255],
        "starter_name": chain.started_by_name[:255],
        "started_at": chain.started_at,
        "updated_at": chain.updated_at,
        "posts": chain.posts,
        "conflicts": chain.conflicts,
        "entries": [entry_json(e) for e in chain.entries],
        "removed": [entry_json(e) for e in chain.removed],
    }


class ResumedTracker(JielongTracker):
    """A tracker that starts from stored chains and remembers which chains changed.

    ``rows`` maps a chain (by identity) to the pk of its stored row, so that a
    changed chain updates its row and a new one is inserted.
    """

    def __init__(self, rows: Iterable[tuple[int, Chain]] = ()) -> None:
        super().__init__()
        self.rows: dict[int, int] = {}
        self.changed: dict[int, Chain] = {}
        for pk, chain in sorted(rows, key=lambda item: item[1].updated_at):
            self.adopt(chain, pk)

    def adopt(self, chain: Chain, pk: int | None = None) -> None:
        """Follow ``chain`` as if this tracker had seen its posts (the latest one last)."""
        self.chains.append(chain)
        if pk is not None:
            self.rows[id(chain)] = pk
        if chain.key or chain.entries:
            self._by_key[chain.key] = chain
        self._latest = chain

    def feed(self, msg: ChainMessage) -> Chain | None:
        """As ``JielongTracker.feed``; the chain it changed is remembered in ``changed``."""
        chain = super().feed(msg)
        if chain is not None:
            self.changed[id(chain)] = chain
        return chain


def resume(group: Group) -> ResumedTracker:
    """A tracker holding every stored chain of ``group`` (the latest updated last)."""
    rows = JielongChain.objects.filter(group=group).order_by("updated_at", "pk")
    return ResumedTracker((row.pk, chain_from(row)) for row in rows.iterator(chunk_size=CHUNK))


def resume_all(community_id: int) -> dict[int, ResumedTracker]:
    """A resumed tracker per group of the community that has chains (one query)."""
    rows = JielongChain.objects.filter(group__community_id=community_id).order_by("pk")
    found: dict[int, list[tuple[int, Chain]]] = {}
    for row in rows.iterator(chunk_size=CHUNK):
        found.setdefault(row.group_id, []).append((row.pk, chain_from(row)))
    return {group_id: ResumedTracker(chains) for group_id, chains in found.items()}


def scanned_all(community_id: int) -> dict[int, datetime | None]:
    """How far each group of the community was read into chains (groups never read left out)."""
    rows = JielongScan.objects.filter(group__community_id=community_id)
    return dict(rows.values_list("group_id", "through"))


def unread_before(group: Group, through: datetime | None, first: datetime) -> bool:
    """Whether ``group`` has messages not read yet from before ``first`` (after ``through``)."""
    rows = Message.objects.filter(group=group, at__lt=first)
    return (rows if through is None else rows.filter(at__gt=through)).exists()


def scanned_through(group: Group) -> datetime | None:
    """The time of the last message of ``group`` read into chains (None: none read yet)."""
    return JielongScan.objects.filter(group=group).values_list("through", flat=True).first()


def unread(group: Group, after: datetime | None, until: datetime) -> Iterator[ChainMessage]:
    """The group's messages after ``after`` (up to ``until``) that may be 接龙 posts, oldest first.

    Recalled messages and bots' are left out, as ``shequn activities`` leaves them
    out; a member is their platform id (the tracker tells racing copies by it).
    """
    rows = Message.objects.filter(
        group=group, at__lte=until, deleted_at__isnull=True, sender__isnull=False
    )
    if after is not None:
        rows = rows.filter(at__gt=after)
    found = (
        rows.filter(sender__is_bot=False)
        .order_by("at", "pk")
        .values_list("external_id", "sender__external_id", "sender__display_name", "at", "text")
    )
    for external_id, sender, name, at, text in found.iterator(chunk_size=CHUNK):
        if might_be_jielong(text):
            yield ChainMessage(external_id, sender, name or sender, at, text)


def last_message_at(group: Group) -> datetime | None:
    """The time of ``group``'s latest stored message (None when it has none)."""
    found = Message.objects.filter(group=group).order_by("-at").values_list("at", flat=True)
    return found.first()
