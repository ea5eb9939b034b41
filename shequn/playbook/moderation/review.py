"""The operators' review queue of moderation (广告管理): every step the rule took, undoable.

The web process has no connector, so an undo that needs the platform (lifting a
mute, asking the operators to invite a removed member back) is a job the running
engine performs (``unmute``, ``notify``), audited there; the undo itself is
audited here at once, with the entry it undoes, which is what withdraws the
strike and lifts the community-wide blacklist (``StoreState.strikes``,
``blacklisted``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.actions import audit
from shequn.community.models import AuditLog, Group
from shequn.events import Mute, Notify
from shequn.playbook.actions import enqueue
from shequn.playbook.moderation.rule import Moderation
from shequn.playbook.moderation.undo import UNDOES, undo

#: The steps the queue lists; Delete is shown but cannot be undone.
STEPS = ("Warn", "Mute", "Remove", "Delete")


class ReviewError(ValueError):
    """The entry cannot be undone (already undone, failed, or a deletion)."""


@dataclass(frozen=True)
class Item:
    """One moderation step in the queue, with the message that caused it."""

    entry: AuditLog
    message: str  # the text of the message that led to it ("" when not stored)
    undone: bool
    undoable: bool


def review_queue(group: Group, limit: int = 100) -> list[Item]:
    """The group's latest moderation steps, newest first (three queries whatever the limit)."""
    entries = list(
        AuditLog.objects.filter(group=group, rule=Moderation.name, action__in=STEPS)
        .exclude(outcome=AuditLog.Outcome.FAILED)
        .order_by("-pk")[:limit]
    )
    undone = set(
        AuditLog.objects.filter(
            community_id=group.community_id, details__has_key=UNDOES
        ).values_list("details__undoes", flat=True)
    )
    causes = {str((e.details or {}).get("event_id", "")) for e in entries} - {""}
    texts = dict(
        Message.objects.filter(group=group, external_id__in=causes).values_list(
            "external_id", "text"
        )
    )
    return [
        Item(
            entry=e,
            message=texts.get(str((e.details or {}).get("event_id", "")), ""),
            undone=e.pk in undone,
            undoable=e.pk not in undone and undo(e) is not None,
        )
        for e in entries
    ]


def undo_step(entry: AuditLog, user: User) -> AuditLog:
    """Undo one moderation step for ``user``: audited now, the platform's part queued."""
    by = f"operator:{user.get_username()}"
    found = undo(entry, by=by)
    if found is None or entry.group is None:
        raise ReviewError(f"audit entry #{entry.pk} ({entry.action}) cannot be undone")
    group = entry.group
    with transaction.atomic():
        taken = AuditLog.objects.filter(
            community_id=group.community_id, details__undoes=entry.pk
        ).exists()
        if taken:
            raise ReviewError(f"audit entry #{entry.pk} is already undone")
        row = audit(
            group.community, "Undo", user=user, rule=by, group=group, target=entry.target,
            reason=f"undo of #{entry.pk} ({entry.action}): {found.label}",
            details=found.details(),
        )  # fmt: skip
        action, now = found.action, timezone.now()
        if isinstance(action, Mute):
            lift = {"member": action.member.id, "name": action.member.name, "rule": by}
            enqueue("unmute", now, lift, group=group)
        elif isinstance(action, Notify):
            enqueue("notify", now, {"text": action.text}, group=group)
    return row
