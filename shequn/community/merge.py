"""Merging two archive entries of the same human into one, and undoing it.

Part of the community app's write layer (like ``actions.py``): views call these
functions, which audit what they did.

A merge keeps one person and absorbs the other: the absorbed person's accounts
(and so their stays and messages), ties, dated records, audit rows and earlier
merges move to the kept person; its tags are added; the kept person's empty
archive fields are filled from it and the notes are joined. The absorbed person
is then deleted, and a ``PersonMerge`` row keeps its fields and the id of every
row that moved, so that ``undo_merge`` gives both persons back as they were,
under their old ids and numbers.

Undo goes in reverse order: only the latest merge into a person that is not yet
undone may be undone. Fields the merge filled on the kept person are put back
unless someone has changed them since (a later edit wins). A tie that would
duplicate one the kept person already has (or tie the two persons to each other)
is dropped by the merge and re-created by the undo.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequn.community.actions import audit
from shequn.community.models import (
    Account,
    AuditLog,
    Link,
    Person,
    PersonMerge,
    PersonRecord,
    Tag,
)

FILLED_FIELDS = ("intro", "needs", "offers", "city", "industry", "tier")
SNAPSHOT_FIELDS = ("display_name", "notes", *FILLED_FIELDS)
LINK_FIELDS = ("dimension", "source", "weight", "note", "recorded_by_id")


class MergeError(ValueError):
    """A merge or undo that cannot be done; the message says why, for the user."""


def _combined(kept: Person, merged: Person) -> dict[str, str]:
    """Fields of the kept person that change: empty ones filled, notes joined."""
    changes = {
        name: getattr(merged, name)
        for name in FILLED_FIELDS
        if not getattr(kept, name) and getattr(merged, name)
    }
    if merged.notes:
        changes["notes"] = f"{kept.notes}\n\n{merged.notes}" if kept.notes else merged.notes
    return changes


def preview_merge(kept: Person, merged: Person) -> dict[str, Any]:
    """What ``merge_persons`` would do, for the confirmation page (nothing is written)."""
    kept_tags = set(kept.tags.values_list("name", flat=True))
    links = Link.objects.filter(Q(person_a=merged) | Q(person_b=merged))
    return {
        "fields": _combined(kept, merged),
        "accounts": list(merged.accounts.order_by("platform", "pk")),
        "tags": sorted(set(merged.tags.values_list("name", flat=True)) - kept_tags),
        "ties": links.count(),
        "records": PersonRecord.objects.filter(person=merged).count(),
    }


def _link_row(link: Link) -> dict[str, Any]:
    row = {name: getattr(link, name) for name in LINK_FIELDS}
    return {
        **row,
        "id": link.pk,
        "person_a": link.person_a_id,
        "person_b": link.person_b_id,
        "first_seen": link.first_seen.isoformat(),
        "last_seen": link.last_seen.isoformat(),
    }


def _move_links(kept: Person, merged: Person) -> dict[str, list[Any]]:
    """Re-point the absorbed person's ties to the kept one; drop those that would clash."""
    moved: list[list[int]] = []
    dropped: list[dict[str, Any]] = []
    for link in Link.objects.filter(Q(person_a=merged) | Q(person_b=merged)).order_by("pk"):
        other = link.person_b_id if link.person_a_id == merged.pk else link.person_a_id
        a, b = sorted((kept.pk, other))
        clash = Link.objects.filter(
            person_a_id=a, person_b_id=b, dimension=link.dimension, source=link.source
        ).exists()
        if other == kept.pk or clash:
            dropped.append(_link_row(link))
            link.delete()
            continue
        moved.append([link.pk, link.person_a_id, link.person_b_id])
        Link.objects.filter(pk=link.pk).update(person_a_id=a, person_b_id=b)
    return {"links_moved": moved, "links_dropped": dropped}


def _move_rows(kept: Person, merged: Person) -> dict[str, list[int]]:
    """Accounts, records, audit rows and earlier merges of the absorbed person, moved."""
    querysets = {
        "accounts": Account.objects.filter(person=merged),
        "records": PersonRecord.objects.filter(person=merged),
        "audits": AuditLog.objects.filter(person=merged),
    }
    moved = {key: sorted(qs.values_list("pk", flat=True)) for key, qs in querysets.items()}
    for qs in querysets.values():
        qs.update(person=kept)
    earlier = PersonMerge.objects.filter(kept=merged)
    moved["merges"] = sorted(earlier.values_list("pk", flat=True))
    earlier.update(kept=kept)
    return moved


def _snapshot(person: Person) -> dict[str, Any]:
    return {
        "fields": {name: getattr(person, name) for name in SNAPSHOT_FIELDS},
        "created_at": person.created_at.isoformat(),
        "tags": sorted([t.pk, t.name] for t in person.tags.all()),
    }


def _absorb(kept: Person, merged: Person, user: User | None) -> PersonMerge:
    """Move everything of ``merged`` to ``kept``, delete it, and return the merge record."""
    snapshot = _snapshot(merged)
    changes = _combined(kept, merged)
    kept_tags = set(kept.tags.values_list("pk", flat=True))
    added_tags = sorted({pk for pk, _name in snapshot["tags"]} - kept_tags)
    moved = {**_move_rows(kept, merged), **_move_links(kept, merged)}
    before = {name: getattr(kept, name) for name in changes}
    for name, value in changes.items():
        setattr(kept, name, value)
    if changes:
        kept.save(update_fields=list(changes))
    kept.tags.add(*added_tags)
    merged_id = merged.pk
    merged.tags.clear()
    merged.delete()
    return PersonMerge.objects.create(
        community_id=kept.community_id,
        kept=kept,
        merged_id=merged_id,
        merged_number=merged.number,
        merged_name=merged.display_name,
        moved={
            **moved,
            "merged": snapshot,
            "kept_before": before,
            "kept_after": changes,
            "added_tags": added_tags,
        },
        by=user,
    )


def merge_persons(kept: Person, merged: Person, *, user: User | None, by: str) -> PersonMerge:
    """Merge ``merged`` into ``kept`` (same community), recording how to undo it; audited."""
    if kept.community_id != merged.community_id:
        raise MergeError(_("Only members of the same community can be merged."))
    if kept.pk == merged.pk:
        raise MergeError(_("A member cannot be merged with itself."))
    with transaction.atomic():
        locked = Person.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])
        if len(list(locked)) != 2:
            raise MergeError(_("One of the two members no longer exists."))
        kept, merged = Person.objects.get(pk=kept.pk), Person.objects.get(pk=merged.pk)
        label = str(merged)
        record = _absorb(kept, merged, user)
        audit(
            kept.community,
            "person.merge",
            user=user,
            rule=by,
            person=kept,
            target=label,
            details={
                "merge": record.pk,
                "merged_id": record.merged_id,
                "merged_number": record.merged_number,
                "accounts": len(record.moved["accounts"]),
                "fields": sorted(record.moved["kept_after"]),
            },
        )
    return record


def latest_open_merge(person: Person) -> PersonMerge | None:
    """The merge into ``person`` that undo would take back now, if any."""
    return PersonMerge.objects.filter(kept=person, undone_at=None).order_by("-at", "-pk").first()


def _check_undoable(merge: PersonMerge) -> None:
    if merge.undone_at is not None:
        raise MergeError(_("This merge has already been undone."))
    latest = latest_open_merge(merge.kept)
    if latest is not None and latest.pk != merge.pk:
        raise MergeError(_("Undo the later merge of this member first."))
    if Person.objects.filter(pk=merge.merged_id).exists():
        raise MergeError(_("The merged member already exists again."))
    taken = Person.objects.filter(community_id=merge.community_id, number=merge.merged_number)
    if taken.exists():
        raise MergeError(
            _("Member number #%(number)d has been given to someone else since the merge.")
            % {"number": merge.merged_number}
        )


def _restore_person(merge: PersonMerge) -> Person:
    snapshot = merge.moved["merged"]
    person = Person(
        pk=merge.merged_id,
        community_id=merge.community_id,
        number=merge.merged_number,
        **snapshot["fields"],
    )
    person.save(force_insert=True)
    created = datetime.fromisoformat(snapshot["created_at"])
    Person.objects.filter(pk=person.pk).update(created_at=created)  # auto_now_add set "now"
    tags = [
        Tag.objects.get_or_create(community_id=merge.community_id, name=name)[0]
        for _pk, name in snapshot["tags"]
    ]
    person.tags.set(tags)
    return person


def _restore_links(merge: PersonMerge) -> None:
    for pk, a, b in merge.moved["links_moved"]:
        Link.objects.filter(pk=pk).update(person_a_id=a, person_b_id=b)
    for row in merge.moved["links_dropped"]:
        exists = Link.objects.filter(
            person_a_id=row["person_a"],
            person_b_id=row["person_b"],
            dimension=row["dimension"],
            source=row["source"],
        ).exists()
        if exists or Link.objects.filter(pk=row["id"]).exists():
            continue
        Link.objects.create(
            pk=row["id"],
            community_id=merge.community_id,
            person_a_id=row["person_a"],
            person_b_id=row["person_b"],
            first_seen=datetime.fromisoformat(row["first_seen"]),
            last_seen=datetime.fromisoformat(row["last_seen"]),
            **{name: row[name] for name in LINK_FIELDS},
        )


def _restore_kept(merge: PersonMerge) -> None:
    """Put back the kept person's fields the merge changed (unless edited since) and tags."""
    kept = Person.objects.get(pk=merge.kept_id)
    after: dict[str, str] = merge.moved["kept_after"]
    back = {
        name: value
        for name, value in merge.moved["kept_before"].items()
        if getattr(kept, name) == after.get(name)
    }
    for name, value in back.items():
        setattr(kept, name, value)
    if back:
        kept.save(update_fields=list(back))
    kept.tags.remove(*merge.moved["added_tags"])


def undo_merge(merge: PersonMerge, *, user: User | None, by: str) -> Person:
    """Give back the person ``merge`` absorbed, with everything that moved; audited."""
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().select_related("kept").get(pk=merge.pk)
        _check_undoable(merge)
        restored = _restore_person(merge)
        moved = merge.moved
        Account.objects.filter(pk__in=moved["accounts"]).update(person=restored)
        PersonRecord.objects.filter(pk__in=moved["records"]).update(person=restored)
        AuditLog.objects.filter(pk__in=moved["audits"]).update(person=restored)
        PersonMerge.objects.filter(pk__in=moved["merges"]).update(kept=restored)
        _restore_links(merge)
        _restore_kept(merge)
        merge.undone_at = timezone.now()
        merge.undone_by = user
        merge.save(update_fields=["undone_at", "undone_by"])
        audit(
            restored.community,
            "person.merge_undo",
            user=user,
            rule=by,
            person=merge.kept,
            target=str(restored),
            details={"merge": merge.pk, "restored_id": restored.pk},
        )
    return restored
