"""Undoing a moderation step from its audit entry (the review queue's one-click undo).

Pure: the console reads an audit entry, asks ``undo`` what undoes it, performs
the action (if any) and audits that with ``details[UNDOES] = entry id``. The
store then stops counting the undone step as a strike, and an undone removal
no longer keeps the member out of the community's groups (``StoreState.strikes``
and ``blacklisted`` read that key).

- Mute → a Mute of zero duration: lifting a mute (connectors that can mute
  treat a zero duration as "unmute").
- Remove → a Notify asking the group's operators to invite the member back:
  no platform lets a bot re-add someone who was removed without their consent,
  and events.py has no invite action. The blacklist entry is lifted at once.
- Warn, and any dry-run step → no action: nothing happened on the platform,
  but the strike is withdrawn.
- Delete, failed entries and anything else → nothing can be undone (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from shequn.events import Action, Actor, Mute, Notify

#: The key of an undo's audit details naming the audit entry it undoes.
UNDOES = "undoes"
_STEPS = ("Warn", "Mute", "Remove")


class AuditEntry(Protocol):
    """What undo reads of an audit entry (``shequn.community.models.AuditLog`` fits)."""

    pk: Any
    action: str
    outcome: str
    target: str
    details: Any


@dataclass(frozen=True, slots=True)
class Undo:
    """What undoes audit entry ``undoes``: the ``action`` to perform (None: none) and a label."""

    undoes: int
    label: str
    action: Action | None

    def details(self) -> dict[str, Any]:
        """The audit details of the undo itself: which entry it undoes."""
        return {UNDOES: self.undoes, "undo": self.label}


def undo(entry: AuditEntry, by: str = "operator") -> Undo | None:
    """The undo of a Warn, Mute or Remove that was performed or dry-run; None when there is none.

    ``by`` names who undoes it (``operator:<username>``); it becomes the action's rule.
    """
    if entry.outcome not in ("performed", "dry_run") or entry.action not in _STEPS:
        return None
    details = entry.details if isinstance(entry.details, Mapping) else {}
    fields = details.get("action")
    if entry.pk is None or not isinstance(fields, Mapping):
        return None
    platform, group = str(fields.get("platform", "")), str(fields.get("group", ""))
    member = _member(fields.get("member"), entry.target)
    if not platform or not group or member is None:
        return None
    pk = int(entry.pk)
    if entry.action == "Warn" or entry.outcome == "dry_run":
        return Undo(undoes=pk, label="withdraw", action=None)  # only the strike to take back
    reason = f"undo of audit entry #{pk} ({entry.action})"
    if entry.action == "Mute":
        lift = Mute(
            platform=platform, group=group, rule=by, reason=reason, member=member,
            duration=timedelta(0),
        )  # fmt: skip
        return Undo(undoes=pk, label="unmute", action=lift)
    name = member.name or member.id
    text = f"请邀请 {name} 重新入群（撤销移除）/ Please invite {name} back (removal undone)."
    notice = Notify(platform=platform, group=group, rule=by, reason=reason, text=text)
    return Undo(undoes=pk, label="readmit", action=notice)


def _member(value: object, target: str) -> Actor | None:
    if isinstance(value, Mapping) and value.get("id"):
        return Actor(id=str(value["id"]), name=str(value.get("name") or ""))
    return Actor(id=target) if target else None
