"""Check-ins and 接龙 read from a stored group's history (``shequn activities``).

One pass over the group's messages in time order (streamed from the ORM in
chunks, only the columns needed), feeding the pure recognisers of
``checkin.py`` and ``jielong.py``. Recalled (deleted) messages and bots do not
count. Members are persons of the archive, so two accounts of one person check
in once a day; days are the community's days (``Community.time_zone``).

Recognition here ignores the rule's ``enabled`` switch: history tells what
happened whether or not the live rule was on. The group's ``checkin`` settings
(keywords, points) are used when present.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from shequn.chat.models import Message
from shequn.community.models import Account, Group, Membership
from shequn.playbook.checkin import (
    CheckinConfig,
    LeaderboardRow,
    Streaks,
    community_day,
    is_checkin,
    leaderboard,
    streaks,
    total_points,
)
from shequn.playbook.jielong import (
    Chain,
    ChainMessage,
    JielongTracker,
    export_rows,
)
from shequn.playbook.jielong_post import might_be_jielong

CHUNK = 2000


class ActivitiesError(ValueError):
    """The group cannot be read as asked (unknown group, bad settings or time zone)."""


@dataclass(frozen=True)
class MemberCheckins:
    """One member's check-ins: the first of each community day, and the figures."""

    person_id: int
    name: str
    times: tuple[datetime, ...]
    streaks: Streaks
    points: int


@dataclass
class GroupActivities:
    """What a group's history shows of check-ins and 接龙 chains."""

    group_id: int
    group_name: str
    zone: str
    as_of: date
    messages: int = 0
    members: list[MemberCheckins] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)

    def leaderboard(self, top: int = 10) -> list[LeaderboardRow]:
        """Members ranked by current streak, then this month's check-ins (names shown)."""
        names = {str(m.person_id): m.name for m in self.members}
        rows = leaderboard({str(m.person_id): m.streaks for m in self.members}, top)
        return [replace(row, member=names[row.member]) for row in rows]

    def as_dict(self, top: int = 10) -> dict[str, Any]:
        """Plain data for ``--json``; times in UTC ISO 8601 plus local time for entries."""
        return {
            "group": {"id": self.group_id, "name": self.group_name, "time_zone": self.zone},
            "as_of": self.as_of.isoformat(),
            "messages": self.messages,
            "checkins": [_member_dict(m) for m in self.members],
            "leaderboard": [vars(r) for r in self.leaderboard(top)],
            "jielong": [_chain_dict(c, self.zone) for c in self.chains],
        }


def _member_dict(member: MemberCheckins) -> dict[str, Any]:
    s = member.streaks
    return {
        "person_id": member.person_id,
        "name": member.name,
        "current_streak": s.current,
        "longest_streak": s.longest,
        "longest_streak_end": s.longest_end.isoformat() if s.longest_end else None,
        "this_month": s.this_month,
        "total": s.total,
        "monthly": s.monthly,
        "points": member.points,
        "last": s.last.isoformat() if s.last else None,
    }


def _chain_dict(chain: Chain, zone: str) -> dict[str, Any]:
    return {
        "title": chain.title,
        "description": list(chain.description),
        "started_by": chain.started_by_name,
        "started_at": chain.started_at.isoformat(),
        "updated_at": chain.updated_at.isoformat(),
        "posts": chain.posts,
        "conflicts": chain.conflicts,
        "entries": [
            {"no": no, "text": text, "added_by": who, "added_at": at}
            for no, text, who, at in export_rows(chain, zone)
        ],
        "removed": [
            {
                "text": e.text,
                "added_by": e.added_by_name,
                "removed_by": e.removed_by_name,
                "removed_at": e.removed_at.isoformat() if e.removed_at else None,
            }
            for e in chain.removed
        ],
        "duplicates": chain.duplicates(),
    }


@dataclass(frozen=True)
class _Sender:
    person_id: int
    name: str
    is_bot: bool


def _senders(group: Group) -> dict[int, _Sender]:
    """Every account of the community: its person and the name the group knows it by."""
    nicknames = dict(
        Membership.objects.filter(group=group)
        .exclude(nickname="")
        .order_by("pk")
        .values_list("account_id", "nickname")
    )
    rows = Account.objects.filter(community_id=group.community_id).values_list(
        "pk", "person_id", "display_name", "person__display_name", "external_id", "is_bot"
    )
    return {
        pk: _Sender(person, nicknames.get(pk) or shown or archived or external, bot)
        for pk, person, shown, archived, external, bot in rows.iterator(chunk_size=CHUNK)
    }


def _load_group(group_id: int) -> tuple[Group, ZoneInfo, CheckinConfig]:
    group = Group.objects.select_related("community").filter(pk=group_id).first()
    if group is None:
        raise ActivitiesError(f"no group with id {group_id}")
    try:
        zone = ZoneInfo(group.community.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ActivitiesError(
            f"community time zone {group.community.time_zone!r} is not a known zone"
        ) from None
    try:
        config = CheckinConfig.model_validate(group.settings.get("checkin") or {})
    except ValidationError as exc:
        raise ActivitiesError(f"group settings 'checkin': {exc.errors()[0]['msg']}") from None
    return group, zone, config


_Row = tuple[str, int | None, datetime, str, str]


def _messages(group: Group, chunk_size: int) -> Iterator[_Row]:
    """The group's messages that were not recalled, oldest first, a chunk at a time."""
    rows = (
        Message.objects.filter(group=group, deleted_at__isnull=True)
        .order_by("at", "pk")
        .values_list("external_id", "sender_id", "at", "kind", "text")
    )
    return rows.iterator(chunk_size=chunk_size)


@dataclass
class _Scan:
    """What one pass over the messages collects."""

    tracker: JielongTracker = field(default_factory=JielongTracker)
    first: dict[int, dict[date, datetime]] = field(default_factory=dict)  # person → day → time
    names: dict[int, str] = field(default_factory=dict)  # person → name at last check-in
    count: int = 0
    last: datetime | None = None


def _scan(group: Group, zone: ZoneInfo, config: CheckinConfig, what: tuple[bool, bool]) -> _Scan:
    checkins, jielong = what
    senders, scan = _senders(group), _Scan()
    for external_id, sender_id, at, kind, text in _messages(group, CHUNK):
        scan.count, scan.last = scan.count + 1, at
        sender = senders.get(sender_id) if sender_id is not None else None
        if sender is None or sender.is_bot:
            continue
        if checkins and is_checkin(kind, text, config):
            scan.first.setdefault(sender.person_id, {}).setdefault(community_day(at, zone), at)
            scan.names[sender.person_id] = sender.name
        if jielong and might_be_jielong(text):
            person = str(sender.person_id)
            scan.tracker.feed(ChainMessage(external_id, person, sender.name, at, text))
    return scan


def _members(scan: _Scan, zone: ZoneInfo, config: CheckinConfig, day: date) -> list[MemberCheckins]:
    members = []
    for person, days in scan.first.items():
        times = tuple(at for d, at in days.items() if d <= day)
        if not times:  # checked in only after ``day``
            continue
        record = streaks(times, zone, day)
        points = total_points(record.days, config)
        members.append(MemberCheckins(person, scan.names[person], times, record, points))
    members.sort(key=lambda m: (-m.streaks.current, -m.streaks.this_month, m.name))
    return members


def read_activities(
    group_id: int, *, checkins: bool = True, jielong: bool = True, as_of: date | None = None
) -> GroupActivities:
    """Check-ins per member (with streaks as of ``as_of``) and 接龙 chains of a stored group.

    ``as_of`` defaults to the community day of the group's last message, so that an
    old export is read as of its own end rather than as of today.
    """
    group, zone, config = _load_group(group_id)
    scan = _scan(group, zone, config, (checkins, jielong))
    day = as_of or (community_day(scan.last, zone) if scan.last else datetime.now(zone).date())
    return GroupActivities(
        group_id=group.pk,
        group_name=group.name,
        zone=str(zone),
        as_of=day,
        messages=scan.count,
        members=_members(scan, zone, config, day),
        chains=scan.tracker.chains,
    )
