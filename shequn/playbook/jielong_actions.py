"""Every write of 接龙 chains: starting one (by command or from the console), bringing a
group's chains up to date with its messages, and recording an export.

Starting a chain is an action on the group, audited with who asked: a command is
audited by the engine (the rule's ``StartJielong``), the console's start here with
the operator. Bringing chains up to date is recognition, not an action on a member:
it rewrites what the messages already say and is not audited.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequn.community.actions import audit
from shequn.community.models import Group
from shequn.events import Action
from shequn.playbook.actions import enqueue
from shequn.playbook.jielong import Chain, Entry
from shequn.playbook.jielong_models import JielongChain, JielongScan
from shequn.playbook.jielong_post import title_key
from shequn.playbook.jielong_rule import StartJielong, opening_text
from shequn.playbook.jielong_store import (
    ResumedTracker,
    chain_values,
    last_message_at,
    resume,
    scanned_through,
    unread,
)

#: The job kind that posts a chain started from the console (``jielong_jobs``).
KIND = "jielong_open"
TITLE_MAX = 200
ENTRY_MAX = 100


class JielongError(ValueError):
    """A chain cannot be started as asked; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def save(group: Group, tracker: ResumedTracker, through: datetime | None) -> int:
    """Store the chains ``tracker`` changed and move the group's ``through``; how many changed.

    A chain adopted from a row updates that row; a new chain is inserted (or
    updates the row with its first post, when the same messages were read twice).
    """
    with transaction.atomic():
        for chain in tracker.changed.values():
            values = chain_values(chain)
            pk = tracker.rows.get(id(chain))
            if pk is not None:
                JielongChain.objects.filter(pk=pk).update(**values)
                continue
            row, _created = JielongChain.objects.update_or_create(
                group=group, first_message_id=chain.first_message_id[:255], defaults=values
            )
            tracker.rows[id(chain)] = row.pk
        JielongScan.objects.update_or_create(group=group, defaults={"through": through})
    changed = len(tracker.changed)
    tracker.changed.clear()
    return changed


def refresh(group: Group) -> int:
    """Read ``group``'s messages not read yet into its chains; how many chains changed.

    Resumes from the stored chains, so only new messages are read; called when
    chains are shown or exported, and by ``shequn import`` for groups it extended.
    """
    until = last_message_at(group)
    after = scanned_through(group)
    if until is None or (after is not None and until <= after):
        return 0
    tracker = resume(group)
    for message in unread(group, after, until):
        tracker.feed(message)
    return save(group, tracker, until)


def reset(group: Group) -> None:
    """Forget the chains found in ``group``'s messages, so that the next refresh reads them all.

    For history added before what was read (an older export imported later) or a
    chain post recalled: the recogniser cannot go back, so it starts again. Chains
    started here are kept (with their first entry only) and followed again.
    """
    with transaction.atomic():
        JielongChain.objects.filter(group=group, origin=JielongChain.Origin.FOUND).delete()
        for row in JielongChain.objects.filter(group=group, origin=JielongChain.Origin.STARTED):
            row.entries, row.removed = row.entries[:1], []
            row.posts, row.conflicts, row.updated_at = 1, 0, row.started_at
            row.save(update_fields=["entries", "removed", "posts", "conflicts", "updated_at"])
        JielongScan.objects.filter(group=group).delete()


def _started(
    group: Group, first_message_id: str, title: str, description: tuple[str, ...], first: Entry
) -> JielongChain:
    chain = Chain(
        title=title, key=title_key(title), description=description,
        started_by=first.added_by, started_by_name=first.added_by_name,
        started_at=first.added_at, updated_at=first.added_at,
        first_message_id=first_message_id, posts=1, entries=[first],
    )  # fmt: skip
    row, _created = JielongChain.objects.get_or_create(
        group=group,
        first_message_id=first_message_id,
        defaults={**chain_values(chain), "origin": JielongChain.Origin.STARTED},
    )
    return row


def start_from_command(group: Group, action: Action) -> None:
    """Store handler of ``StartJielong``: the chain, its first entry the member who asked."""
    if not isinstance(action, StartJielong):
        raise TypeError(f"expected StartJielong, got {type(action).__name__}")
    at = action.at or timezone.now()
    name = action.member.name or action.member.id
    first = Entry(name, action.member.id, name, at, action.message_id)
    key = f"start:{action.message_id}" if action.message_id else f"start:{uuid4().hex}"
    _started(group, key, action.title.strip()[:TITLE_MAX], action.description, first)


def _clean(title: str, first: str) -> tuple[str, str]:
    title, first = " ".join(title.split()), " ".join(first.split())
    if not title:
        raise JielongError("title", _("A jielong needs a title."))
    if len(title) > TITLE_MAX:
        raise JielongError("title", _("At most %(n)d characters.") % {"n": TITLE_MAX})
    if not first:
        raise JielongError("first", _("The first entry (a name) is required."))
    if len(first) > ENTRY_MAX:
        raise JielongError("first", _("At most %(n)d characters.") % {"n": ENTRY_MAX})
    return title, first


def start_from_console(
    group: Group, title: str, description: str, first: str, user: User | None
) -> JielongChain:
    """Start a chain in ``group``: stored at once, its opening posted by the engine (a job).

    The web process has no connector: the job (``jielong_jobs``) posts the opening
    through the engine, which audits the post; the request is audited here.
    """
    title, first = _clean(title, first)
    lines = tuple(line.strip() for line in description.splitlines() if line.strip())
    now = timezone.now()
    entry = Entry(first, "", first, now, "")
    text = opening_text(title, lines, first)
    with transaction.atomic():
        row = _started(group, f"start:console:{uuid4().hex}", title, lines, entry)
        row.created_by = user
        row.job = enqueue(KIND, now, {"text": text, "chain": row.pk}, group=group)
        row.save(update_fields=["created_by", "job"])
        audit(
            group.community, "JielongStart", user=user, group=group, target=f"jielong:{row.pk}",
            reason=f"started the 接龙 {title}", details={"text": text, "job": row.job.pk},
        )  # fmt: skip
    return row


def record_export(chain: JielongChain, user: User | None, file_format: str, rows: int) -> None:
    """Audit an export of ``chain`` (its entries name members)."""
    audit(
        chain.group.community, "JielongExport", user=user, group=chain.group,
        target=f"jielong:{chain.pk}", reason=f"exported the 接龙 {chain.title}",
        details={"format": file_format, "rows": rows},
    )  # fmt: skip
