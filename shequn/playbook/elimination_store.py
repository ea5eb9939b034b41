"""What the elimination sweep reads from the store, and its plan for one group.

The facts of all current members come from three set queries whatever the group's
size (stays, each sender's last message, the judged month's check-in candidates),
never a query per member. ``plan_sweep`` only reads: the console's preview and the
CLI's ``--dry-run`` show its plan; the sweep carries it out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Max, Min
from pydantic import ValidationError

from shequn.chat.models import Message
from shequn.community.models import Group, Membership
from shequn.playbook.checkin import CheckinConfig, checkin_days, is_checkin
from shequn.playbook.elimination import (
    NAME,
    EliminationConfig,
    MemberFacts,
    Verdict,
    checkin_month,
    decide_one,
    needs_checkins,
)
from shequn.playbook.models import EliminationNotice

State = EliminationNotice.State
CHUNK = 2000


class EliminationError(ValueError):
    """The group or its settings cannot be swept as they are (the message says which field)."""


@dataclass
class SweepPlan:
    """What a sweep of ``group`` at ``now`` would do, in order.

    ``resolved``: open notices closed without removal (new state, the member's reply);
    ``due``: open notices past their deadline whose member is removed;
    ``new``: members who get a notice now (account id, verdict).
    """

    group: Group
    config: EliminationConfig
    zone: ZoneInfo
    now: datetime
    resolved: list[tuple[EliminationNotice, str, str]] = field(default_factory=list)
    due: list[tuple[EliminationNotice, Verdict]] = field(default_factory=list)
    new: list[tuple[int, Verdict]] = field(default_factory=list)
    open: list[EliminationNotice] = field(default_factory=list)  # still in their grace period

    @property
    def deadline(self) -> datetime:
        """The deadline a notice given now gets."""
        return self.now + timedelta(days=self.config.grace_days)


def load_policy(group: Group) -> tuple[EliminationConfig, ZoneInfo]:
    """The group's elimination config and its community's zone; EliminationError names the field."""
    try:
        config = EliminationConfig.model_validate(group.settings.get(NAME) or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or NAME
        raise EliminationError(f"group settings '{NAME}.{where}': {error['msg']}") from None
    try:
        zone = ZoneInfo(group.community.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise EliminationError(
            f"community time zone {group.community.time_zone!r} is not a known zone"
        ) from None
    return config, zone


def current_members(
    group: Group, config: EliminationConfig, now: datetime, zone: ZoneInfo
) -> dict[int, MemberFacts]:
    """Facts of every account now in the group, by account id (four queries in all)."""
    stays = (
        Membership.objects.filter(group=group, left_at__isnull=True, left_how="")
        .order_by("pk")
        .values_list(
            "account_id",
            "account__external_id",
            "account__display_name",
            "nickname",
            "account__is_bot",
            "account__person__tier",
            "role",
            "joined_at",
            "first_seen_at",
        )
    )
    last = dict(
        Message.objects.filter(group=group)
        .order_by()
        .values("sender_id")
        .annotate(last=Max("at"))
        .values_list("sender_id", "last")
    )
    counted = checkins(group, now, zone) if needs_checkins(config) else None
    # A stay with no known join is dated from the start of the group's stored history:
    # silent since at least then, never longer than we can tell.
    start = Message.objects.filter(group=group).aggregate(first=Min("at"))["first"]
    members: dict[int, MemberFacts] = {}
    for account, ext, shown, nick, bot, tier, role, joined, seen in stays.iterator(CHUNK):
        members[account] = MemberFacts(
            member_id=ext, name=nick or shown or ext, tier=tier or "", role=role, is_bot=bot,
            joined_at=joined or seen or start, last_message_at=last.get(account),
            checkins=None if counted is None else counted.get(account, 0),
        )  # fmt: skip
    return members


def checkin_config(group: Group) -> CheckinConfig:
    """The group's check-in settings (what counts as a check-in), as the check-in rule reads."""
    try:
        return CheckinConfig.model_validate(group.settings.get("checkin") or {})
    except ValidationError as exc:
        raise EliminationError(f"group settings 'checkin': {exc.errors()[0]['msg']}") from None


def checkins(group: Group, now: datetime, zone: ZoneInfo) -> dict[int, int]:
    """Check-in days per account in the previous calendar month (community days)."""
    config = checkin_config(group)
    start, end = checkin_month(now, zone)
    rows = (
        Message.objects.filter(
            group=group,
            at__gte=start,
            at__lt=end,
            kind__in=("text", "image"),
            sender__isnull=False,
            deleted_at__isnull=True,
        )
        .order_by()
        .values_list("sender_id", "at", "kind", "text")
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    for sender, at, kind, text in rows.iterator(CHUNK):
        if config.probe.search(text) and is_checkin(kind, text, config):
            times[sender].append(at)
    return {sender: len(checkin_days(found, zone)) for sender, found in times.items()}


def replies(group: Group, notices: list[EliminationNotice]) -> dict[int, list[tuple[str, str]]]:
    """Messages (kind, text) each noticed member posted after their notice, oldest first."""
    if not notices:
        return {}
    since = {n.account_id: n.noticed_at for n in notices}
    rows = (
        Message.objects.filter(group=group, sender_id__in=since, at__gt=min(since.values()))
        .order_by("at", "pk")
        .values_list("sender_id", "at", "kind", "text")
    )
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for sender, at, kind, text in rows.iterator(CHUNK):
        if at > since[sender]:
            found[sender].append((kind, text))
    return found


def plan_sweep(group_id: int, now: datetime) -> SweepPlan:
    """The sweep of group ``group_id`` at ``now`` (reads only); EliminationError on bad input."""
    group = Group.objects.select_related("community").filter(pk=group_id).first()
    if group is None:
        raise EliminationError(f"no group with id {group_id}")
    config, zone = load_policy(group)
    plan = SweepPlan(group, config, zone, now)
    members = current_members(group, config, now, zone)
    open_notices = list(
        EliminationNotice.objects.filter(group=group, state=State.OPEN).select_related(
            "account", "group__community"
        )
    )
    _settle(plan, open_notices, members)
    cancelled = [n.pk for n, state, _ in plan.resolved if state == State.CANCELLED]
    cooling = set(
        EliminationNotice.objects.filter(
            group=group, noticed_at__gte=now - timedelta(days=config.renotice_days)
        )
        .exclude(state=State.CANCELLED)
        .exclude(pk__in=cancelled)
        .values_list("account_id", flat=True)
    )
    cooling |= {n.account_id for n in open_notices if n.pk not in cancelled}
    for account, facts in members.items():
        if account not in cooling:
            verdict = decide_one(facts, config, now, zone)
            if verdict is not None:
                plan.new.append((account, verdict))
    return plan


def _settle(
    plan: SweepPlan, notices: list[EliminationNotice], members: dict[int, MemberFacts]
) -> None:
    """Sort the open notices into resolved (left, replied, spared), due and still open."""
    stale = [n for n in notices if n.dry_run != plan.config.dry_run]
    plan.resolved.extend((n, State.CANCELLED, "") for n in stale)
    live = [n for n in notices if n.dry_run == plan.config.dry_run]
    said = replies(plan.group, live)
    check = checkin_config(plan.group)
    for notice in live:
        facts = members.get(notice.account_id)
        posted = said.get(notice.account_id, [])
        if facts is None:
            plan.resolved.append((notice, State.LEFT, ""))
        elif posted:
            words = [text for kind, text in posted if not is_checkin(kind, text, check)]
            state = State.APPEALED if words else State.SPARED
            plan.resolved.append((notice, state, words[0] if words else ""))
        elif notice.deadline > plan.now:
            plan.open.append(notice)
        else:
            verdict = decide_one(facts, plan.config, plan.now, plan.zone)
            if verdict is None:
                plan.resolved.append((notice, State.SPARED, ""))
            else:
                plan.due.append((notice, verdict))
