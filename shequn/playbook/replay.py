"""Replay: run a group's rules over its stored history and report what they would have done.

The same code as live: replay is the engine (``Engine.plan``, and what
``Engine.carry_out`` does with a connector that records instead of acting:
``ReplayEngine.settle``). Only
three things differ, each an engine seam:

- events come from the store (``replay_history.stored_events``), and are not
  stored again (``store=False``);
- rules see a ``MemoryState`` rebuilt from the events as they pass, so each
  decision is made on the state of that moment, including the rules' own earlier
  decisions (a greeting sent, a warning given); what the community's other groups
  said or had done comes from the store as of that moment (``StoredElsewhere``);
- outcomes go to a ``Recorder`` (``ReplayEngine.record``), not to the audit log,
  the greetings or the job queue: nothing is written.

A long history is replayed by several processes at once, each with a share of
the rules (``replay_workers``); what they recorded adds up to one process's.

Decisions on events before ``since`` are made (they shape the state) but not
reported; events from ``until`` on are not read. Not replayed: what the store
keeps no event of (renames, reactions, deletions, a repeated join that changed
nothing) and time-driven jobs (an unmute when a mute ends).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from shequn.chat.models import Message
from shequn.community.models import Group, Membership
from shequn.connectors.base import action_name
from shequn.connectors.memory import MemoryConnector
from shequn.events import Action, Actor, Event
from shequn.playbook.admission_store import invite_codes
from shequn.playbook.engine import DEFAULT_RULES, Engine, Outcome, Planned
from shequn.playbook.memory_state import MemoryState
from shequn.playbook.replay_elsewhere import StoredElsewhere
from shequn.playbook.replay_history import stored_events
from shequn.playbook.replay_recorder import Recorder, decision
from shequn.playbook.replay_workers import run_in_workers, shares
from shequn.playbook.rules import GroupState, RuleType, configure
from shequn.playbook.state import archive_numbers

log = logging.getLogger(__name__)


class RecordingConnector(MemoryConnector):
    """A connector that performs nothing: it records every action it is asked to perform.

    It claims every capability and refuses nothing, so the engine carries out each
    action as on a platform able to do everything. Nobody feeds it events: replay
    hands the engine the stored ones, and empties ``performed`` after each.
    """

    def __init__(self, platform: str) -> None:
        super().__init__(platform=platform)

    def can(self, action: Action) -> bool:
        return True

    async def perform(self, action: Action) -> None:
        self.performed.append(action)


class ReplayEngine(Engine):
    """The live engine over one group's history: memory for state, a recorder for outcomes."""

    acts_in_store = False  # archive edits and jobs go to the recording connector

    def __init__(
        self, group: Group, memory: MemoryState, recorder: Recorder, rules: Sequence[RuleType]
    ) -> None:
        self.group = group
        self.memory = memory
        self.recorder = recorder
        self.connector = RecordingConnector(group.platform)
        super().__init__(
            group.community, [self.connector], rules, states=self.replay_state, store=False
        )

    def plan(self, event: Event) -> tuple[Group, list[Planned]]:
        """``Engine.plan`` for a stored event: no ingest, the state from memory.

        A replay's settings never change, so its rules are built on the first
        event (``Engine.lineup``), and each event calls only the rules switched on.
        """
        group, state = self.replay_state(event)
        return group, self.run_rules(event, group, state)

    def replay_state(self, event: Event) -> tuple[Group, GroupState]:
        """The group's MemoryState with ``event`` applied, as ingest would have stored it."""
        self.memory.observe(event)
        return self.group, self.memory

    def record(self, group: Group, item: Planned, outcome: str, *args: Any, **kwargs: Any) -> None:
        """Where live audits an outcome: remember it in the state, count it in the report.

        Only a decision the report keeps whole (an example) is built as a ``Decision``;
        the others are counted: a busy rule decides for half the messages of a history.
        """
        action = item.action
        member = getattr(action, "member", None)
        member_id = member.id if isinstance(member, Actor) else item.greets
        recorder, memory = self.recorder, self.memory
        event = recorder.event
        at = event.at if event is not None else memory.clock
        memory.remember(item.rule, action, member_id, outcome, at, item.event_id)
        if item.greets and outcome == Outcome.PERFORMED:
            memory.greet(item.greets)
        if not recorder.reporting:
            return
        key = (item.rule, action_name(action))
        if not recorder.wants(key) and member_id in recorder.members:
            recorder.tally(key, str(outcome), member_id, "")
            return
        name = member.name if isinstance(member, Actor) and member.name else ""
        name = name or memory.display_name(member_id)
        if not recorder.wants(key):
            recorder.tally(key, str(outcome), member_id, name)
            return
        text = str(getattr(action, "text", ""))
        recorder.add(
            decision(event, *key, str(outcome), member_id, name, action.reason, text,
                     item.event_id, at)
        )  # fmt: skip

    def settle(self, group: Group, item: Planned) -> None:
        """Carry out ``item`` as ``Engine.carry_out`` does with the recording connector.

        That connector can do everything and never fails, so only two of carry_out's
        paths remain: a dry run is recorded as such; anything else is performed (the
        connector records it) and recorded as performed. Done here without an event
        loop: driving carry_out on one, each record hopping to a thread
        (``sync_to_async``), cost more than every rule together.
        """
        if item.dry_run:
            self.record(group, item, Outcome.DRY_RUN)
            return
        self.connector.performed.append(item.action)
        self.record(group, item, Outcome.PERFORMED)

    def rule_failed(self, group: Group, name: str, event: Event, exc: Exception) -> None:
        """Where live audits a rule that raised: count it in the report."""
        reason = f"{type(exc).__name__}: {exc}"
        self.recorder.add(
            decision(event, name, "rule", str(Outcome.FAILED), "", "", reason, "", event.event_id)
        )


def stored_roles(group: Group) -> dict[str, str]:
    """Each account's role in its latest stay in ``group`` (roles are not events)."""
    rows = (
        Membership.objects.filter(group=group)
        .order_by("pk")
        .values_list("account__external_id", "role")
    )
    return dict(rows.iterator())


def replay(
    group: Group,
    settings: Mapping[str, Any],
    since: datetime | None = None,
    until: datetime | None = None,
    rules: Sequence[RuleType] = DEFAULT_RULES,
    keep: bool = False,
    workers: int | None = None,
) -> Recorder:
    """Run ``rules`` configured by ``settings`` over ``group``'s history; what they decided.

    ``workers``: processes to share the rules among (``replay_workers``); None lets
    the machine and the history's length decide; 1 replays in this process.
    """

    def replay_share(share: Sequence[RuleType]) -> Recorder:
        return replay_rules(group, settings, since, until, share, keep)

    parts = shares(rules, lambda rule: _active(rule, settings), workers,
                   lambda: _length(group, until))  # fmt: skip
    if len(parts) < 2:
        return replay_share(rules)
    return run_in_workers(parts, replay_share, rules)


def replay_rules(
    group: Group,
    settings: Mapping[str, Any],
    since: datetime | None,
    until: datetime | None,
    rules: Sequence[RuleType],
    keep: bool,
) -> Recorder:
    """``replay`` in this process."""
    elsewhere = StoredElsewhere(group)
    memory = MemoryState(
        group.name, group.kind, settings, roles=stored_roles(group), elsewhere=elsewhere,
        numbers=archive_numbers(group), time_zone=group.community.time_zone,
        codes=invite_codes(group),
    )  # fmt: skip
    recorder = Recorder(since=since, keep=keep)
    engine = ReplayEngine(group, memory, recorder, rules)
    events = stored_events(group, until)
    try:
        run(engine, events)
    finally:
        events.close()
        elsewhere.close()
    recorder.event = None  # the last event: nobody's business once done (nor a worker's to send)
    return recorder


def _active(rule: RuleType, settings: Mapping[str, Any]) -> bool:
    """Whether ``rule`` decides anything in this replay (a rule whose settings fail does)."""
    try:
        return configure(rule, settings).config.enabled
    except Exception:
        return True


def _length(group: Group, until: datetime | None) -> int:
    """The number of stored messages to replay."""
    messages = Message.objects.filter(group=group)
    if until is not None:
        messages = messages.filter(at__lt=until)
    return messages.count()


def run(engine: ReplayEngine, events: Iterator[Event]) -> None:
    """Hand each event to the engine, as live; carry out what its rules return."""
    start, plan, settle = engine.recorder.start, engine.plan, engine.settle
    performed = engine.connector.performed
    for event in events:
        start(event)
        group, items = plan(event)
        for item in items:
            settle(group, item)
        performed.clear()
