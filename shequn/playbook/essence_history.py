"""Essence found in a group's stored history, where the export carries the signal.

What the importers give (checked against every importer, December 2026):

- **Reply commands**: a stored message replying to another (``reply_to``) whose text is
  one of the essence commands (``/精华``, ``设为精华`` …). Telegram, Discord, Slack, Matrix
  and Element exports keep reply links; WeChat and QQ text exports do not, so there a
  command cannot tell which message it names and is not counted.
- **Reactions**: stored reactions (Telegram, Discord, Slack exports; live Matrix) with
  one of the configured emoji.
- Not available: WeChat/QQ "设为精华" system lines and Telegram/Discord/Slack pins are
  skipped by the importers (no event carries them), so they cannot be read back here.

Either counts only when the marker holds one of ``marker_roles`` in the group now
(roles are not recorded over time). Recognition ignores the rule's ``enabled``
switch: history tells what happened whether or not the live rule was on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Length
from pydantic import ValidationError

from shequn.chat.models import Message, Reaction
from shequn.community.actions import audit
from shequn.community.models import Group, Membership
from shequn.playbook.essence import EssenceConfig, is_command, same_emoji
from shequn.playbook.essence_actions import EssenceError
from shequn.playbook.models import Essence

COMMAND_CHARS = 64  # a command with a note is short; longer replies are conversation


@dataclass(frozen=True)
class HistoryMarks:
    """What a history scan found, and how many marks were new."""

    by_command: int
    by_reaction: int
    stored: int


def config_of(group: Group) -> EssenceConfig:
    """The group's essence settings; EssenceError names the bad field."""
    section = group.settings.get("essence") if isinstance(group.settings, dict) else None
    try:
        return EssenceConfig.model_validate(section or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EssenceError(f"settings essence.{where}: {first['msg']}") from None


def marker_roles(group: Group) -> dict[int, str]:
    """Account id → its role in the group (the latest stay)."""
    roles: dict[int, str] = {}
    for account_id, role in (
        Membership.objects.filter(group=group).order_by("pk").values_list("account_id", "role")
    ):
        roles[account_id] = role
    return roles


def _commands(group: Group, config: EssenceConfig, roles: dict[int, str]) -> dict[str, Essence]:
    """Marks by reply commands of role holders: message id → the earliest mark."""
    found: dict[str, Essence] = {}
    rows = (
        Message.objects.filter(group=group, reply_to__isnull=False, deleted_at__isnull=True)
        .exclude(sender_id=None)
        .annotate(chars=Length("text"))
        .filter(chars__lte=COMMAND_CHARS)
        .order_by("at", "pk")
        .values_list("external_id", "text", "reply_to", "at", "sender_id")
    )
    for external_id, text, reply_to, at, sender_id in rows.iterator(chunk_size=2000):
        if not reply_to or roles.get(sender_id) not in config.marker_roles:
            continue
        if not is_command(text, config.commands):
            continue
        found.setdefault(reply_to, _mark(group, reply_to, at, sender_id, external_id))
    return found


def _reactions(group: Group, config: EssenceConfig, roles: dict[int, str]) -> dict[str, Essence]:
    """Marks by reactions of role holders: message id → the earliest mark."""
    found: dict[str, Essence] = {}
    rows = (
        Reaction.objects.filter(group=group)
        .order_by("at", "pk")
        .values_list("message_external_id", "emoji", "at", "account_id")
    )
    for message_id, emoji, at, account_id in rows.iterator(chunk_size=2000):
        if roles.get(account_id) not in config.marker_roles:
            continue
        if same_emoji(emoji, config.reactions):
            event_id = f"reaction:{message_id}:{account_id}"
            found.setdefault(message_id, _mark(group, message_id, at, account_id, event_id))
    return found


def _mark(group: Group, message_id: str, at: datetime, account_id: int, event_id: str) -> Essence:
    return Essence(
        group=group,
        message_external_id=message_id,
        how=Essence.How.HISTORY,
        marked_by_id=account_id,
        marked_at=at,
        event_id=event_id,
    )


def essence_from_history(group: Group) -> HistoryMarks:
    """Store the essence marks the group's history shows (idempotent); audited once."""
    config = config_of(group)
    roles = marker_roles(group)
    commands = _commands(group, config, roles)
    reactions = _reactions(group, config, roles)
    marks = {**reactions, **commands}  # one mark per message; a command names its intent best
    with transaction.atomic():
        before = Essence.objects.filter(group=group).count()
        Essence.objects.bulk_create(list(marks.values()), ignore_conflicts=True)
        stored = Essence.objects.filter(group=group).count() - before
        found = HistoryMarks(len(commands), len(reactions), stored)
        if stored:
            audit(
                group.community, "essence.history", rule="essence", group=group,
                reason="essence marks found in stored history",
                details={"by_command": found.by_command, "by_reaction": found.by_reaction,
                         "stored": stored},
            )  # fmt: skip
    return found
