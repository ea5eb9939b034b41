"""Check-ins and 接龙 chains recognised while ``shequn import`` streams events into the store.

An operator who imports a group's history should see its chains and check-ins
without running a second command. ``ImportRecognition.tee`` passes the events on
to ``ingest`` unchanged and, on the way, feeds each member's message to the same
recognisers as ``shequn activities`` (``checkin.is_checkin`` with the group's
settings, ``jielong.JielongTracker``), so nothing is read back from the store.

Nothing is read from the database while the events stream either (``ingest``
writes on a second thread meanwhile): the chains of the community's groups and
how far each group was read are loaded first (two queries), so that a chain
spanning two exports stays one chain. Then, per group:

- messages after what was read are fed to its chains; ``finish`` (after the
  file's ingest committed) stores what changed and marks the group read up to the
  import's last message — unless the group has stored messages not read yet from
  before the import's first (live ones, or imported before), when its chains are
  read from the store instead (``jielong_actions.refresh``);
- messages at or before it are either already stored (the same export again:
  nothing to do) or history older than what was read (an earlier export imported
  later): the recogniser cannot go back, so the group's found chains are read
  again from the start (``jielong_actions.reset``, then ``refresh``);
- a recalled chain post has its group's chains read again from the store too,
  which leaves recalled messages out.

Check-ins are counted for the import's summary only: the store already tells a
check-in from its message with the group's current keywords (``checkin_store``),
so a second record would only go stale when an operator changes them. Bots'
messages are not recognised, as in ``shequn activities``; a member is the
platform account (``Actor.id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from shequn.chat.models import Message
from shequn.community.models import Community, Group
from shequn.events import Event, MessageDeleted, MessagePosted
from shequn.playbook import jielong_actions
from shequn.playbook.checkin import CheckinConfig, community_day, is_checkin
from shequn.playbook.jielong import ChainMessage
from shequn.playbook.jielong_post import LATER_NUMBERED, LEADS, might_be_jielong
from shequn.playbook.jielong_store import (
    ResumedTracker,
    resume_all,
    scanned_all,
    unread_before,
)

GroupKey = tuple[str, str]  # (platform, external id)
CHECKED_LIMIT = 4096  # texts remembered per group; most check-ins repeat far fewer


def quick_look(probe: re.Pattern[str]) -> re.Pattern[str]:
    """A check-in keyword (``probe``) or a later line starting with a number, in one search.

    A text that does not start with one of ``LEADS`` and in which this finds
    nothing is neither a check-in (``is_checkin`` starts with ``probe``) nor a 接龙
    line (``might_be_jielong``). Every alternative starts with one plain character
    (``probe``'s do), so the search skips between those in C.
    """
    return re.compile(f"{probe.pattern}|{LATER_NUMBERED}")


@dataclass
class _GroupScan:
    """What the stream showed of one group."""

    config: CheckinConfig
    tracker: ResumedTracker = field(default_factory=ResumedTracker)
    through: datetime | None = None  # what was read of the group before the import
    older: datetime | None = None  # the import's first message at or before ``through``
    days: dict[str, set[date]] = field(default_factory=dict)  # account → check-in days
    posts: set[str] = field(default_factory=set)  # ids of messages that changed a chain
    first: datetime | None = None
    last: datetime | None = None
    recalled: bool = False
    checked: dict[tuple[str, str], bool] = field(default_factory=dict)  # (kind, text) → check-in

    def __post_init__(self) -> None:
        self.look = quick_look(self.config.probe)

    def is_checkin(self, kind: str, text: str) -> bool:
        """``is_checkin`` with the group's settings, remembered: members check in in few words."""
        key = (kind, text)
        found = self.checked.get(key)
        if found is None:
            if len(self.checked) >= CHECKED_LIMIT:
                self.checked.clear()
            found = self.checked[key] = is_checkin(kind, text, self.config)
        return found


@dataclass(frozen=True)
class Recognised:
    """What an import recognised: check-ins (member days), members, chains stored or changed."""

    checkins: int = 0
    checkin_members: int = 0
    chains: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "checkins": self.checkins,
            "checkin_members": self.checkin_members,
            "jielong_chains": self.chains,
        }


def _config(settings: object) -> CheckinConfig:
    section = settings.get("checkin") if isinstance(settings, dict) else None
    try:
        return CheckinConfig.model_validate(section or {})
    except ValidationError:
        return CheckinConfig()  # as the live rule reads bad settings: the defaults


class ImportRecognition:
    """Recognises check-ins and chains in an event stream bound for ``ingest``."""

    def __init__(self, community: Community) -> None:
        """Load the chains of the community's groups and how far each was read (two queries)."""
        self.community = community
        try:
            self.zone = ZoneInfo(community.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        trackers, read = resume_all(community.pk), scanned_all(community.pk)
        rows = Group.objects.filter(community=community).values_list(
            "pk", "platform", "external_id", "settings"
        )
        #: The groups that existed before the import, resumed where they were read to.
        self.known = {
            (platform, external_id): _GroupScan(
                _config(settings), trackers.get(pk) or ResumedTracker(), read.get(pk)
            )
            for pk, platform, external_id, settings in rows
        }
        self.groups: dict[GroupKey, _GroupScan] = {}

    def tee(self, events: Iterable[Event]) -> Iterator[Event]:
        """``events`` unchanged, each member's message recognised on the way.

        Most messages are neither a check-in nor a 接龙 line: they are let go here
        after one quick look, without a call (the tee sees every event of an import).
        """
        groups = self.groups
        for event in events:
            if isinstance(event, MessagePosted):
                key = (event.platform, event.group)
                scan = groups.get(key) or self._scan(key)
                at, text = event.at, event.text
                if scan.through is not None and at <= scan.through:  # read before
                    scan.older = at if scan.older is None else min(at, scan.older)
                else:
                    scan.first, scan.last = scan.first or at, at
                    # One search: a keyword, or a line after the first starting with a number.
                    if text and (text[0] in LEADS or scan.look.search(text) is not None):
                        self._message(scan, event)
            elif isinstance(event, MessageDeleted):
                seen = groups.get((event.platform, event.group))
                if seen is not None and event.message_id in seen.posts:
                    seen.recalled = True
            yield event

    def _scan(self, key: GroupKey) -> _GroupScan:
        scan = self.groups[key] = self.known.get(key) or _GroupScan(CheckinConfig())
        return scan

    def _message(self, scan: _GroupScan, event: MessagePosted) -> None:
        """Recognise a message that the quick look did not let go, unless a bot sent it."""
        actor, at, text = event.actor, event.at, event.text
        if actor is None or actor.is_bot:
            return
        if scan.is_checkin(event.kind, text):
            scan.days.setdefault(actor.id, set()).add(community_day(at, self.zone))
        if might_be_jielong(text):
            message = ChainMessage(event.event_id, actor.id, actor.name or actor.id, at, text)
            if scan.tracker.feed(message) is not None:
                scan.posts.add(event.event_id)

    def finish(self, batch_id: int | None) -> Recognised:
        """Store what was recognised (after the file's ingest committed); the figures."""
        chains = 0
        for (platform, external_id), scan in self.groups.items():
            group = Group.objects.filter(
                community=self.community, platform=platform, external_id=external_id
            ).first()
            if group is None:  # nothing of the group was stored
                continue
            chains += self._store(group, scan, batch_id)
        days = [len(d) for scan in self.groups.values() for d in scan.days.values()]
        return Recognised(checkins=sum(days), checkin_members=len(days), chains=chains)

    def _store(self, group: Group, scan: _GroupScan, batch_id: int | None) -> int:
        if scan.recalled or _added_before(group, batch_id, scan.older, scan.through):
            jielong_actions.reset(group)
            return jielong_actions.refresh(group)
        if scan.first is None or scan.last is None:  # nothing after what was read
            return 0
        if unread_before(group, scan.through, scan.first):
            return jielong_actions.refresh(group)  # what the tee saw comes after those
        return jielong_actions.save(group, scan.tracker, scan.last)


def _added_before(
    group: Group, batch_id: int | None, first: datetime | None, through: datetime | None
) -> bool:
    """Whether the import stored messages of ``group`` at or before ``through`` (a backfill)."""
    if first is None or through is None or first > through:
        return False
    if batch_id is None:  # cannot tell this import's rows from others': read again
        return True
    older = Message.objects.filter(group=group, at__gte=first, at__lte=through)
    return older.filter(batch_id=batch_id).exists()
