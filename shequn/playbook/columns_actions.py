"""Every write to columns, their queues and their slots (console and scheduler alike).

The slot chain: a column always has at most one pending slot (a ColumnPost) in
the future, with its jobs (post, reminder, dry-queue check) in the job table.
Handling a slot, whatever became of it, plans the next one, so a column runs
on by itself; changing the schedule cancels the pending slot and plans afresh.
A slot is claimed with a conditional update (pending → posting), so however
many schedulers run, and however often a job is repeated, a slot is posted once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from shequn.community.actions import audit
from shequn.community.models import Account, Group
from shequn.playbook.actions import enqueue
from shequn.playbook.columns import DRY_GRACE, DRY_WARNING, check_schedule, next_slot, zone_of
from shequn.playbook.models import Column, ColumnItem, ColumnPost

Status = ColumnPost.Status
#: Column fields the console may set (``host_ids`` is checked against the group's accounts).
FIELDS = ("name", "schedule", "enabled", "host_ids", "remind_minutes", "summary", "window_hours")
#: Changing one of these replans the pending slot.
TIMING = ("schedule", "enabled", "remind_minutes")


class ColumnError(ValueError):
    """Column input that cannot be saved: ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _check(group: Group, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked and normalised; ColumnError names the first bad field."""
    name = str(values.get("name", "")).strip()
    if not name:
        raise ColumnError("name", "a column needs a name")
    try:
        values["schedule"] = check_schedule(str(values.get("schedule", "")))
        zone_of(group.community.time_zone)
    except ValueError as exc:
        raise ColumnError("schedule", str(exc)) from None
    try:
        hosts = [int(h) for h in values.get("host_ids") or []]
    except (TypeError, ValueError):
        raise ColumnError("host_ids", "expected a list of account ids") from None
    known = set(
        Account.objects.filter(pk__in=hosts, memberships__group=group).values_list("pk", flat=True)
    )
    unknown = [h for h in hosts if h not in known]
    if unknown:
        raise ColumnError("host_ids", f"not members of this group: {unknown}")
    for field, least, what in (("window_hours", 1, "at least 1 hour"), ("remind_minutes", 0,
                               "0 (no reminder) or more minutes")):  # fmt: skip
        given = values.get(field, least)
        if not isinstance(given, int) or isinstance(given, bool) or given < least:
            raise ColumnError(field, f"expected {what}, got {given!r}")
    return {**values, "name": name, "host_ids": hosts}


def _audit(column: Column, what: str, user: User | None, by: str, **details: Any) -> None:
    audit(
        column.group.community, what, user=user, rule="column", group=column.group,
        target=str(column.pk), reason=f"{by}: {column.name}", details=details,
    )  # fmt: skip


def create_column(
    group: Group, values: dict[str, Any], user: User | None = None, by: str = "console"
) -> Column:
    """A new column of ``group`` from ``values`` (FIELDS), audited, its first slot planned."""
    checked = _check(group, dict(values))
    with transaction.atomic():
        if Column.objects.filter(group=group, name=checked["name"]).exists():
            raise ColumnError("name", "this group already has a column of that name")
        column = Column.objects.create(
            group=group, **{k: checked[k] for k in FIELDS if k in checked}
        )
        _audit(column, "ColumnCreated", user, by, schedule=column.schedule)
        plan_next(column, timezone.now())
    return column


def update_column(
    column: Column, values: dict[str, Any], user: User | None = None, by: str = "console"
) -> Column:
    """Change ``column`` (FIELDS in ``values``); a new timing cancels and replans its slot."""
    checked = _check(column.group, {**{k: getattr(column, k) for k in FIELDS}, **values})
    clash = Column.objects.filter(group=column.group, name=checked["name"]).exclude(pk=column.pk)
    if clash.exists():
        raise ColumnError("name", "this group already has a column of that name")
    retime = any(checked[k] != getattr(column, k) for k in TIMING)
    with transaction.atomic():
        for key in FIELDS:
            setattr(column, key, checked[key])
        column.save()
        _audit(column, "ColumnChanged", user, by, retimed=retime, schedule=column.schedule)
        if retime:
            cancel_pending(column)
            plan_next(column, timezone.now())
    return column


def cancel_pending(column: Column) -> int:
    """Cancel the column's pending slots (their jobs then find nothing to do); how many."""
    return ColumnPost.objects.filter(column=column, status=Status.PENDING).update(
        status=Status.CANCELLED, note="schedule changed"
    )


def plan_next(column: Column, now: datetime) -> ColumnPost | None:
    """Plan the column's next slot after ``now`` (and after its latest slot) with its jobs.

    None when the column is off or a pending slot exists already. Two planners
    racing for the same slot meet the unique (column, slot_at) constraint: one
    plans it, the other gets None.
    """
    if (
        not column.enabled
        or ColumnPost.objects.filter(column=column, status=Status.PENDING).exists()
    ):
        return None
    latest = ColumnPost.objects.filter(column=column).aggregate(
        at=Max("slot_at"), n=Max("sequence")
    )
    after = max(now, latest["at"]) if latest["at"] else now
    slot = next_slot(column.schedule, column.group.community.time_zone, after)
    sequence = latest["n"] + 1 if latest["n"] is not None else 0
    try:
        with transaction.atomic():
            post = ColumnPost.objects.create(column=column, slot_at=slot, sequence=sequence)
            _plan_jobs(column, post, now)
    except IntegrityError:
        return None
    return post


def _plan_jobs(column: Column, post: ColumnPost, now: datetime) -> None:
    """The post job at the slot; the reminder and the dry-queue check before it (not before now;
    the check not within DRY_GRACE of planning, unless the slot comes sooner)."""
    payload = {"post": post.pk}
    enqueue("column_post", post.slot_at, payload, group=column.group)
    if column.remind_minutes:
        remind_at = post.slot_at - timedelta(minutes=column.remind_minutes)
        if remind_at > now:
            enqueue("column_remind", remind_at, payload, group=column.group)
    # Not at once: an operator who just made the column is still filling its queue.
    dry_at = max(min(now + DRY_GRACE, post.slot_at), post.slot_at - DRY_WARNING)
    enqueue("column_dry", dry_at, payload, group=column.group)


def claim_post(post_id: int, worker: str, now: datetime) -> bool:
    """Claim a pending slot for ``worker`` (pending → posting); True for exactly one claimant."""
    won = ColumnPost.objects.filter(pk=post_id, status=Status.PENDING).update(
        status=Status.POSTING, claimed_by=worker, claimed_at=now
    )
    return won == 1


def next_item(column: Column) -> ColumnItem | None:
    """The first unused text of the queue."""
    return column.items.filter(used_at__isnull=True).order_by("position", "pk").first()


def close_post(post: ColumnPost, status: str, now: datetime, **fields: Any) -> None:
    """Record what became of a claimed slot, use up its text if posted, plan the next slot."""
    with transaction.atomic():
        changes = {"status": status, **fields}
        if status == Status.POSTED:
            changes["posted_at"] = now
            if post.item_id is not None:
                ColumnItem.objects.filter(pk=post.item_id).update(used_at=now)
            if post.column.summary:
                due = now + timedelta(hours=post.column.window_hours)
                enqueue("column_summary", due, {"post": post.pk}, group=post.column.group)
        ColumnPost.objects.filter(pk=post.pk).update(**changes)
        plan_next(post.column, now)


def release_post(post: ColumnPost) -> None:
    """Give a claimed slot back (posting → pending) after a failure worth retrying."""
    ColumnPost.objects.filter(pk=post.pk, status=Status.POSTING).update(
        status=Status.PENDING, claimed_by="", claimed_at=None
    )


def mark(post: ColumnPost, **fields: Any) -> None:
    """Note a reminder, warning or summary done on a slot (``reminded_at`` etc.)."""
    ColumnPost.objects.filter(pk=post.pk).update(**fields)


def add_item(
    column: Column, text: str, user: User | None = None, by: str = "console"
) -> ColumnItem:
    """Append ``text`` to the column's queue; ColumnError when empty."""
    if not text.strip():
        raise ColumnError("text", "a queued text cannot be empty")
    with transaction.atomic():
        last = column.items.aggregate(p=Max("position"))["p"]
        item = ColumnItem.objects.create(column=column, text=text.strip(), position=(last or 0) + 1)
        _audit(column, "ColumnQueued", user, by, item=item.pk)
    return item


def remove_item(item: ColumnItem, user: User | None = None, by: str = "console") -> None:
    """Take an unused text off the queue (a used one stays: its post points at it)."""
    if item.used_at is not None:
        raise ColumnError("item", "this text was posted already")
    with transaction.atomic():
        _audit(item.column, "ColumnUnqueued", user, by, item=item.pk, text=item.text[:200])
        item.delete()


def move_item(item: ColumnItem, up: bool, user: User | None = None, by: str = "console") -> None:
    """Swap an unused text with its neighbour above (``up``) or below in the queue."""
    queue = item.column.items.filter(used_at__isnull=True).order_by("position", "pk")
    order = list(queue)
    at = next(i for i, other in enumerate(order) if other.pk == item.pk)
    other_at = at - 1 if up else at + 1
    if not 0 <= other_at < len(order):
        return
    other = order[other_at]
    with transaction.atomic():
        item.position, other.position = other.position, item.position
        ColumnItem.objects.bulk_update([item, other], ["position"])
        _audit(item.column, "ColumnReordered", user, by, item=item.pk, up=up)
