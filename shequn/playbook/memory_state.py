"""MemoryState: a GroupState held in memory, rebuilt from a group's events as they pass.

Replay runs the live engine over stored history; the rules must see at each
event what they would have seen live at that moment, not today's store. So
the replay keeps this state beside the engine:

- ``observe(event)`` applies an event the way ingest stores it (stays opened
  and closed, names, who said something when), before the rules see it, as live;
- ``remember(...)`` and ``greet(...)`` apply what the engine did with a rule's
  action, as live the audit log and the greetings table do.

So a rule's memory of its own decisions (greeted, strikes, removals) is what it
decided earlier in the same replay. What other groups of the community said or
had done comes from ``elsewhere`` (the store, as of the event's time); without
it the group is taken to be alone. Roles are not events: they are given up
front (the roles the store holds now).

Memory grows with members, not messages, bar 8 bytes per message for the
times each member spoke (``message_count`` must count any window).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shequn.events import (
    Action,
    Actor,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    MessagePosted,
    Reply,
)
from shequn.playbook.admission_memory import AdmissionMemory
from shequn.playbook.admission_view import AdmissionView
from shequn.playbook.checkin import is_checkin
from shequn.playbook.checkin_rule import CheckinRuleConfig, config_from
from shequn.playbook.micros import EPOCH, micros
from shequn.playbook.surveys_view import SurveyView

#: The actions that count as a strike (as StoreState counts them), and the outcomes that count.
STRIKES = frozenset({"Warn", "Mute", "Remove"})
DECIDED = frozenset({"performed", "dry_run"})
#: The zone of a community when the replay names none (the product's default).
DEFAULT_ZONE = "Asia/Shanghai"


class Elsewhere(Protocol):
    """What the community's other groups say, as of a moment (the store, for a replay)."""

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        """How many other groups have a message of exactly ``text`` with since <= at <= until."""
        ...

    def removed(self, rule: str, member_id: str, until: datetime) -> bool:
        """Whether ``rule`` removed the account from another group by ``until``."""
        ...


@dataclass(slots=True)
class Stay:
    """One stay of an account in the group, as ingest records it."""

    joined_at: datetime | None = None
    left_at: datetime | None = None
    left: bool = False
    nickname: str = ""


@dataclass(slots=True)
class Said:
    """When an account spoke here (microseconds since the epoch, in order) and its last message."""

    times: array[int] = field(default_factory=lambda: array("q"))
    last_id: str = ""


@dataclass(frozen=True, slots=True)
class Remembered:
    """An action the engine carried out (or dry-ran) for a rule, on a member."""

    rule: str
    action: str
    outcome: str
    at: datetime
    event_id: str


class MemoryState:
    """GroupState over one group, kept in memory and fed its events in order."""

    def __init__(
        self,
        name: str,
        kind: str,
        settings: Mapping[str, Any],
        roles: Mapping[str, str] | None = None,
        elsewhere: Elsewhere | None = None,
        numbers: Mapping[str, int] | None = None,
        time_zone: str = DEFAULT_ZONE,
        codes: Mapping[str, str] | None = None,
    ) -> None:
        self._name = name
        self._kind = kind
        self._settings = settings
        self._roles = dict(roles or {})
        self.elsewhere = elsewhere
        self._stays: dict[str, list[Stay]] = {}
        self._present = 0
        self._accounts: dict[str, str] = {}  # platform id → account display name
        self._first_joined: dict[str, datetime] = {}
        self._said: dict[str, Said] = {}
        self._greeted: set[str] = set()
        self._actions: dict[str, list[Remembered]] = {}
        self._strikes: Counter[tuple[str, str]] = Counter()
        self._removed: set[tuple[str, str]] = set()
        self.clock = EPOCH  # the time of the latest event observed
        # entry ritual and chat windows: archive numbers and the zone are given up front
        self._numbers = dict(numbers or {})
        self._zone = time_zone
        self._last_message = ("", "", 0)  # the latest message: its id, author, time
        self._replied: dict[tuple[str, str], array[int]] = {}  # (rule, author) → times
        self.admissions = AdmissionMemory(codes)  # admission requests; invite codes given
        # check-in and points: check-in messages recognised as they pass; stays' inviters
        self._checkins: dict[str, list[tuple[datetime, str]]] = {}
        self._inviters: dict[str, Actor | None] = {}
        self._checkin_config: CheckinRuleConfig | None = None  # read once, when first needed

    # --- GroupState --------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def settings(self) -> Mapping[str, Any]:
        return self._settings

    def member_count(self) -> int:
        """Accounts with an open stay, as StoreState counts them."""
        return self._present

    def greeted(self, member_id: str) -> bool:
        return member_id in self._greeted

    def display_name(self, member_id: str) -> str:
        """The nickname of the latest stay that has one, else the account's name."""
        for stay in reversed(self._stays.get(member_id, ())):
            if stay.nickname:
                return stay.nickname
        return self._accounts.get(member_id, "")

    def role(self, member_id: str) -> str:
        if member_id not in self._stays:
            return ""
        return self._roles.get(member_id, "member")

    def joined_at(self, member_id: str) -> datetime | None:
        """The account's earliest known join here."""
        return self._first_joined.get(member_id)

    def message_count(
        self, member_id: str, since: datetime | None, until: datetime, exclude: str = ""
    ) -> int:
        """Messages of the account here with since <= at <= until, bar ``exclude``.

        ``exclude`` is honoured for the account's latest message (the one being
        judged, as the rules pass it); an older message id is not looked up.
        """
        said = self._said.get(member_id)
        if said is None:
            return 0
        times = said.times
        lo = 0 if since is None else bisect_left(times, micros(since))
        hi = bisect_right(times, micros(until))
        count = hi - lo
        if exclude and exclude == said.last_id and lo <= len(times) - 1 < hi:
            count -= 1
        return max(count, 0)

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        """Other groups with a message of exactly ``text`` then (0 without ``elsewhere``)."""
        if self.elsewhere is None or not text:
            return 0
        return self.elsewhere.same_text_groups(text, since, until)

    def strikes(self, rule: str, member_id: str) -> int:
        """Warn, Mute and Remove actions of ``rule`` on the account here, so far in the replay."""
        return self._strikes[(rule, member_id)]

    def blacklisted(self, rule: str, member_id: str) -> bool:
        """Removed by ``rule`` here earlier in the replay, or from another group by now."""
        if (rule, member_id) in self._removed:
            return True
        return self.elsewhere is not None and self.elsewhere.removed(rule, member_id, self.clock)

    # --- fed by the replay ---------------------------------------------------------

    def observe(self, event: Event) -> None:
        """Apply ``event`` as ingest would store it; call before the rules see it."""
        self.clock = event.at
        if type(event) is MessagePosted:
            actor = event.actor
            if actor is not None:
                self._spoke(actor.id, actor.name, event)
                self._checked_in(actor.id, event)
                self._last_message = (event.event_id, actor.id, micros(event.at))
        elif isinstance(event, MemberJoined):
            self._joined(event)
        elif isinstance(event, MemberLeft):
            self._left(event)
        elif isinstance(event, MemberRenamed):
            self._renamed(event)

    def remember(
        self, rule: str, action: Action, member_id: str, outcome: str, at: datetime, event_id: str
    ) -> None:
        """The engine carried out (``outcome``) ``action`` of ``rule`` concerning ``member_id``."""
        self.admissions.apply(action, str(outcome))
        if isinstance(action, Reply) and outcome in DECIDED:
            self._reply(rule, action)
        if not member_id:
            return
        name = type(action).__name__
        self._actions.setdefault(member_id, []).append(
            Remembered(rule, name, str(outcome), at, event_id)
        )
        if outcome in DECIDED and name in STRIKES:
            self._strikes[(rule, member_id)] += 1
            if name == "Remove":
                self._removed.add((rule, member_id))

    def greet(self, member_id: str) -> None:
        """A greeting of ``member_id`` was really sent."""
        self._greeted.add(member_id)

    def remembered(self, member_id: str) -> list[Remembered]:
        """What was done about ``member_id`` so far in this replay, oldest first."""
        return list(self._actions.get(member_id, ()))

    # --- entry ritual and chat windows (shequn.playbook.ritual, shequn.playbook.windows) ---

    def member_number(self, member_id: str) -> int | None:
        """The archive number given up front (numbers are not events)."""
        return self._numbers.get(member_id)

    def time_zone(self) -> str:
        """The community's time zone, given up front."""
        return self._zone

    def replied_to(self, rule: str, member_id: str, since: datetime, until: datetime) -> int:
        """Replies of ``rule`` to the account's messages in the window, so far in the replay.

        A reply is known by the message it answers when that is the latest
        message observed (the one the rule was judging), as rules reply: so none
        is later than the clock.
        """
        if not (times := self._replied.get((rule, member_id))):
            return 0
        hi = len(times) if until >= self.clock else bisect_right(times, micros(until))
        return hi - bisect_left(times, micros(since))

    def _reply(self, rule: str, action: Reply) -> None:
        message_id, author, at = self._last_message
        if author and action.message_id == message_id:
            self._replied.setdefault((rule, author), array("q")).append(at)

    # --- admission (shequn.playbook.admission) ---------------------------------------

    def admission(self, member_id: str) -> AdmissionView | None:
        """The account's latest admission request, as the replay's actions left it."""
        return self.admissions.view(member_id)

    def admission_queue(self, status: str) -> tuple[Actor, ...]:
        """Accounts whose latest request has ``status``, oldest request first."""
        ids = self.admissions.queue(status)
        return tuple(Actor(id=mid, name=self._accounts.get(mid, "")) for mid in ids)

    def in_group(self, member_id: str) -> bool:
        """Whether the account's latest stay is open."""
        stays = self._stays.get(member_id)
        return stays is not None and bool(stays) and not stays[-1].left

    def invite_code_owner(self, code: str) -> str:
        """The owner's name of invite code ``code`` among the codes given ("" if none)."""
        return self.admissions.code_owner(code)

    # --- elimination and follow-up surveys: a replay sends no notices and no surveys ---

    def open_notice(self, member_id: str) -> bool:
        return False

    def open_survey(self, member_id: str) -> SurveyView | None:
        return None

    # --- check-in and points (shequn.playbook.checkin_rule, shequn.playbook.points) ---

    def checkin_times(self, member_id: str, until: datetime, exclude: str = "") -> list[datetime]:
        """The account's check-in messages observed so far with at <= until, bar ``exclude``."""
        seen = self._checkins.get(member_id, ())
        return [at for at, event_id in seen if at <= until and event_id != exclude]

    def inviter(self, member_id: str) -> Actor | None:
        """Who invited the account into its latest stay (as its join event said)."""
        return self._inviters.get(member_id)

    def _checked_in(self, member_id: str, event: MessagePosted) -> None:
        """Note the message when the group's check-in settings recognise it (as the store does)."""
        config = self._checkin_config
        if config is None:
            config = self._checkin_config = config_from(self._settings)
        if is_checkin(str(event.kind), event.text, config):
            self._checkins.setdefault(member_id, []).append((event.at, event.event_id))

    # --- how ingest keeps stays (shequn.community.membership) ----------------------

    def _account(self, member_id: str, name: str) -> None:
        if member_id not in self._accounts:
            self._accounts[member_id] = name

    def _spoke(self, member_id: str, name: str, event: MessagePosted) -> None:
        if member_id not in self._accounts:
            self._accounts[member_id] = name
        if member_id not in self._stays:  # spoke without a known join: a stay opens
            self._stays[member_id] = [Stay()]
            self._present += 1
        said = self._said.get(member_id)
        if said is None:
            said = self._said[member_id] = Said()
        said.times.append(micros(event.at))
        said.last_id = event.event_id

    def _joined(self, event: MemberJoined) -> None:
        member = event.member
        for actor in (event.actor, event.inviter, member):
            if actor is not None:
                self._account(actor.id, actor.name)
        stays = self._stays.get(member.id)
        latest = stays[-1] if stays else None
        if stays and any(_covers(stay, event.at) for stay in stays):
            return  # a repeated join while in the group
        if latest is not None and not latest.left:
            if latest.joined_at is None:  # seen speaking before the join was known
                latest.joined_at = event.at
                self._first_joined.setdefault(member.id, event.at)
                self._inviters[member.id] = event.inviter
            return
        self._stays.setdefault(member.id, []).append(Stay(joined_at=event.at, nickname=member.name))
        self._inviters[member.id] = event.inviter
        self._first_joined.setdefault(member.id, event.at)
        self._present += 1

    def _left(self, event: MemberLeft) -> None:
        member = event.member
        self._account(member.id, member.name)
        if event.actor is not None:
            self._account(event.actor.id, event.actor.name)
        stays = self._stays.get(member.id)
        latest = stays[-1] if stays else None
        if latest is not None and latest.left:
            return  # left twice without a join between
        if latest is None:  # in the group before the history starts
            latest = Stay(nickname=member.name)
            self._stays[member.id] = [latest]
        else:
            self._present -= 1
        latest.left, latest.left_at = True, event.at

    def _renamed(self, event: MemberRenamed) -> None:
        actor = event.actor
        if actor is None:
            return
        self._account(actor.id, actor.name)
        stays = self._stays.get(actor.id)
        if not stays or stays[-1].nickname == event.new_name:
            return
        stays[-1].nickname = event.new_name
        self._accounts[actor.id] = event.new_name


def _covers(stay: Stay, at: datetime) -> bool:
    start = stay.joined_at
    return start is not None and start <= at and (stay.left_at is None or at < stay.left_at)
