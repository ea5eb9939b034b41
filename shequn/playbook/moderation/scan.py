"""Running the moderation rule over a stream of events without a database.

``scan`` keeps in memory what the store would know (joins, who said what
when, the rule's own earlier decisions) across all the groups of one
community, feeds the events to the rule in order, and returns its decisions,
as a dry run would. It serves the real-data and demo checks and any offline
preview ("what would moderation have done to this export?"); the live engine
and the replay use their own states.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shequn.events import (
    Action,
    Actor,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Mute,
    Remove,
    Warn,
)
from shequn.playbook.admission_view import AdmissionView
from shequn.playbook.moderation.rule import Moderation, ModerationConfig
from shequn.playbook.surveys_view import SurveyView

Key = tuple[str, str]  # (group, member)


@dataclass
class Memory:
    """What the store would hold about one community's groups, for GroupState."""

    roles: Mapping[Key, str] = field(default_factory=dict)
    joins: dict[Key, datetime] = field(default_factory=dict)
    present: set[Key] = field(default_factory=set)
    times: defaultdict[Key, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    ids: defaultdict[Key, dict[str, datetime]] = field(default_factory=lambda: defaultdict(dict))
    texts: defaultdict[str, list[tuple[datetime, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    strikes: Counter[Key] = field(default_factory=Counter)
    removed: set[str] = field(default_factory=set)

    def observe(self, event: Event) -> None:
        """Store ``event`` as ingest would (call before the rule sees it)."""
        if isinstance(event, MessagePosted) and event.actor is not None:
            key = (event.group, event.actor.id)
            self.present.add(key)
            if event.event_id not in self.ids[key]:
                self.ids[key][event.event_id] = event.at
                times = self.times[key]
                times.insert(bisect_right(times, event.at), event.at)
                self.texts[event.text].append((event.at, event.group))
        elif isinstance(event, MemberJoined):
            key = (event.group, event.member.id)
            self.joins.setdefault(key, event.at)
            self.present.add(key)
        elif isinstance(event, MemberLeft):
            self.present.discard((event.group, event.member.id))

    def record(self, group: str, action: Action) -> None:
        """Remember a decision of the rule, as the audit log would."""
        if isinstance(action, Warn | Mute | Remove):
            self.strikes[(group, action.member.id)] += 1
            if isinstance(action, Remove):
                self.removed.add(action.member.id)


@dataclass
class MemoryGroup:
    """GroupState of one group over a ``Memory``."""

    memory: Memory
    group: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    kind: str = "social"

    def member_count(self) -> int:
        return sum(1 for group, _member in self.memory.present if group == self.group)

    def greeted(self, member_id: str) -> bool:
        return False

    def display_name(self, member_id: str) -> str:
        return ""

    def role(self, member_id: str) -> str:
        key = (self.group, member_id)
        if key not in self.memory.present and key not in self.memory.roles:
            return ""
        return self.memory.roles.get(key, "member")

    def joined_at(self, member_id: str) -> datetime | None:
        return self.memory.joins.get((self.group, member_id))

    def message_count(
        self, member_id: str, since: datetime | None, until: datetime, exclude: str = ""
    ) -> int:
        key = (self.group, member_id)
        times = self.memory.times.get(key, [])
        low = 0 if since is None else bisect_left(times, since)
        count = bisect_right(times, until) - low
        at = self.memory.ids[key].get(exclude) if exclude else None
        if at is not None and (since is None or since <= at) and at <= until:
            count -= 1
        return count

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        posts = self.memory.texts.get(text, ())
        return len({g for at, g in posts if g != self.group and since <= at <= until})

    def strikes(self, rule: str, member_id: str) -> int:
        return self.memory.strikes[(self.group, member_id)] if rule == Moderation.name else 0

    def blacklisted(self, rule: str, member_id: str) -> bool:
        return rule == Moderation.name and member_id in self.memory.removed

    # --- entry ritual and chat windows: unknown to a moderation scan ---

    def member_number(self, member_id: str) -> int | None:
        return None

    def time_zone(self) -> str:
        return "UTC"

    def replied_to(self, rule: str, member_id: str, since: datetime, until: datetime) -> int:
        return 0

    # --- admission: unknown to a moderation scan (everyone seen is taken as in the group) ---

    def admission(self, member_id: str) -> AdmissionView | None:
        return None

    def admission_queue(self, status: str) -> tuple[Actor, ...]:
        return ()

    def in_group(self, member_id: str) -> bool:
        return True

    def invite_code_owner(self, code: str) -> str:
        return ""

    def open_notice(self, member_id: str) -> bool:
        return False

    # --- follow-up surveys: unknown to a moderation scan ---

    def open_survey(self, member_id: str) -> SurveyView | None:
        return None

    # --- check-in and points: unknown to a moderation scan ---

    def checkin_times(self, member_id: str, until: datetime, exclude: str = "") -> list[datetime]:
        return []

    def inviter(self, member_id: str) -> Actor | None:
        return None


@dataclass(frozen=True)
class Decision:
    """What the rule answered to one event."""

    event: Event
    actions: tuple[Action, ...]

    @property
    def reason(self) -> str:
        return self.actions[-1].reason if self.actions else ""


def scan(
    events: Iterable[Event],
    config: ModerationConfig | None = None,
    roles: Mapping[Key, str] | None = None,
) -> list[Decision]:
    """The rule's decisions on ``events`` (in order; one community), as a dry run.

    ``roles`` maps (group, member id) to a role, for the exempt roles.
    """
    rule = Moderation(config or ModerationConfig(enabled=True))
    memory = Memory(roles=dict(roles or {}))
    states: dict[str, MemoryGroup] = {}
    decisions: list[Decision] = []
    for event in events:
        memory.observe(event)
        state = states.get(event.group)
        if state is None:
            state = states[event.group] = MemoryGroup(memory, event.group, name=event.group_name)
        actions = rule(event, state)
        if actions:
            for action in actions:
                memory.record(event.group, action)
            decisions.append(Decision(event, tuple(actions)))
    return decisions
