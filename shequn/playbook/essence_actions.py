"""Writes of essence (精华): the store handler of ``MarkEssence``, and the console's mark/unmark.

Every write is audited: a rule's mark by the engine (this handler runs inside its
audited step), a console mark or unmark here, with the user. Marking a message
already marked changes nothing (one mark per message, kept by a unique constraint).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.actions import audit
from shequn.community.models import Account, Group
from shequn.events import Action, MarkEssence
from shequn.playbook.models import Essence


class EssenceError(ValueError):
    """The mark names no message the group has, or a user may not make it."""


def mark(group: Group, action: Action) -> None:
    """Store handler of ``MarkEssence``: keep the message as essence (once)."""
    assert isinstance(action, MarkEssence)
    if not action.message_id.strip():
        raise EssenceError("MarkEssence without a message id")
    account = None
    if action.marked_by is not None:
        account = Account.objects.filter(
            community_id=group.community_id,
            platform=group.platform,
            external_id=action.marked_by.id,
        ).first()
    how = action.how if action.how in Essence.How.values else Essence.How.COMMAND
    Essence.objects.get_or_create(
        group=group,
        message_external_id=action.message_id,
        defaults={"how": how, "marked_by": account, "marked_at": timezone.now()},
    )


def mark_message(message: Message, user: User) -> bool:
    """Mark a stored message as essence from the console; False when it already was.

    System lines and deleted messages cannot be essence: EssenceError says which.
    """
    if message.sender_id is None:
        raise EssenceError("a system line cannot be essence")
    if message.deleted_at is not None:
        raise EssenceError("a deleted message cannot be essence")
    group = message.group
    with transaction.atomic():
        _row, created = Essence.objects.get_or_create(
            group=group,
            message_external_id=message.external_id,
            defaults={
                "how": Essence.How.CONSOLE,
                "marked_by_user": user,
                "marked_at": timezone.now(),
            },
        )
        if created:
            _audit(message, user, "MarkEssence", {"how": "console"})
    return created


def unmark_message(message: Message, user: User) -> bool:
    """Take a message out of the essence from the console; False when it was not essence."""
    with transaction.atomic():
        found = Essence.objects.filter(group=message.group, message_external_id=message.external_id)
        previous = list(found.values("how", "marked_at"))
        deleted, _ = found.delete()
        if deleted:
            was = {"how": previous[0]["how"], "marked_at": previous[0]["marked_at"].isoformat()}
            _audit(message, user, "UnmarkEssence", {"was": was})
    return bool(deleted)


def essence_ids(group: Group, external_ids: list[str]) -> set[str]:
    """Which of these platform message ids of ``group`` are essence (one query)."""
    if not external_ids:
        return set()
    found = Essence.objects.filter(group=group, message_external_id__in=external_ids)
    return set(found.values_list("message_external_id", flat=True))


def _audit(message: Message, user: User, action: str, extra: dict[str, Any]) -> None:
    group = message.group
    person = message.sender.person if message.sender is not None else None
    audit(
        group.community, action, user=user, rule=f"operator:{user.get_username()}",
        group=group, person=person, target=message.external_id,
        details={"message": message.pk, **extra},
    )  # fmt: skip
