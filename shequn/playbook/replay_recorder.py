"""What a replay decided: counts per rule and action, a few examples, the members concerned.

A ``Recorder`` is filled by ``ReplayEngine`` as the history passes; replays run
in several workers each fill their own, and ``merge`` adds them up into what one
process replaying every rule would have recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shequn.events import Event, MemberJoined, MemberLeft, MessagePosted
from shequn.playbook.rules import subject

EXAMPLES = 3  # kept per (rule, action)


@dataclass(frozen=True, slots=True)
class Decision:
    """One thing a rule decided during the replay, with the event that led to it."""

    rule: str
    action: str  # the action's name (Send, Warn, …), or "rule" when the rule raised
    outcome: str  # performed (would act), dry_run, or failed (the rule raised)
    member_id: str  # whom the action is on, as the audit log's target ("" for a Delete)
    member_name: str
    reason: str
    event_id: str
    at: datetime
    author_id: str  # whom the event is about: who wrote the message, who joined or left
    author_name: str
    message: str  # the text of the message that led to it ("" for joins and leaves)
    text: str  # what the action would have said, if anything

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": self.action,
            "outcome": self.outcome,
            "member": {"id": self.member_id, "name": self.member_name},
            "author": {"id": self.author_id, "name": self.author_name},
            "reason": self.reason,
            "event_id": self.event_id,
            "at": self.at.isoformat(),
            "message": self.message,
            "text": self.text,
        }


@dataclass
class Recorder:
    """Holds the outcome of a replay: counts, a few examples, the members concerned."""

    since: datetime | None = None
    keep: bool = False  # keep every reported decision in ``decisions`` (tests)
    event: Event | None = None  # the event being replayed
    events: Counter[str] = field(default_factory=Counter)  # reported events by kind
    replayed: int = 0  # every event replayed, reported or not
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[Decision]] = field(default_factory=dict)
    members: dict[str, tuple[str, Counter[tuple[str, str]]]] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    # Where each member's entry and each kept decision came from (``replayed`` then,
    # and the rule), so that workers' recorders merge in the order one process keeps.
    named: dict[str, tuple[int, str]] = field(default_factory=dict)
    seen: list[int] = field(default_factory=list)

    def start(self, event: Event) -> None:
        """``event`` is replayed next."""
        self.event = event
        self.replayed += 1
        if self.reporting:
            self.events[_kind(event)] += 1

    @property
    def reporting(self) -> bool:
        event = self.event
        return event is not None and (self.since is None or event.at >= self.since)

    def add(self, decision: Decision) -> None:
        """Count a decision taken on the current event, when it falls in the window."""
        if not self.reporting:
            return
        key = (decision.rule, decision.action)
        self.tally(key, decision.outcome, decision.member_id, decision.member_name)
        shown = self.examples.setdefault(key, [])
        if len(shown) < EXAMPLES:
            shown.append(decision)
        if self.keep:
            self.decisions.append(decision)
            self.seen.append(self.replayed)

    def wants(self, key: tuple[str, str]) -> bool:
        """Whether a decision of (rule, action) ``key`` is kept whole: an example or ``keep``."""
        return self.keep or len(self.examples.get(key, ())) < EXAMPLES

    def tally(self, key: tuple[str, str], outcome: str, member_id: str, name: str) -> None:
        """Count a decision of (rule, action) ``key`` without keeping it (most of them)."""
        self.counts[(*key, outcome)] += 1
        if member_id:
            entry = self.members.get(member_id)
            if entry is None:
                entry = self.members[member_id] = (name, Counter())
                self.named[member_id] = (self.replayed, key[0])
            entry[1][key] += 1


def decision(
    event: Event | None,
    rule: str,
    action: str,
    outcome: str,
    member_id: str,
    member_name: str,
    reason: str,
    text: str,
    event_id: str,
    at: datetime | None = None,
) -> Decision:
    """A Decision on ``event``, with who it was about and what they said."""
    author = subject(event) if event is not None else None
    return Decision(
        rule=rule,
        action=action,
        outcome=outcome,
        member_id=member_id,
        member_name=member_name,
        reason=reason,
        event_id=event_id,
        at=at if at is not None else event.at if event is not None else datetime.min,
        author_id=author.id if author is not None else "",
        author_name=author.name if author is not None else "",
        message=event.text if isinstance(event, MessagePosted) else "",
        text=text,
    )


def _kind(event: Event) -> str:
    if isinstance(event, MessagePosted):
        return "messages"
    if isinstance(event, MemberJoined):
        return "joins"
    if isinstance(event, MemberLeft):
        return "leaves"
    return "other"
