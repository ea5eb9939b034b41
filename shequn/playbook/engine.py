"""The live engine: event → store → rules → actions → connectors and audit log.

``Engine.handle`` first stores the event (through ``ingest``, so live history and
imported history are one), then runs the group's enabled rules in order and
carries out what they return. Every action is written to the audit log with its
rule and reason: performed, dry-run or failed (with the error). A rule that
raises is logged, audited as failed and skipped; the engine goes on. An action
the platform cannot do becomes a Notify to the operators.

Database work runs in Django's sync world (``sync_to_async``); only connector
calls are awaited on the loop, so a slow platform never holds a DB connection.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from shequn.chat.ingest import IngestError, ingest
from shequn.community.actions import audit
from shequn.community.models import Account, AuditLog, Community, Group
from shequn.connectors.base import Connector, ConnectorError, Unsupported, action_name
from shequn.events import Action, Actor, DirectMessage, Event, MemberJoined, Mute, Notify
from shequn.playbook.actions import enqueue
from shequn.playbook.admission import Admission
from shequn.playbook.checkin_rule import CheckinRule
from shequn.playbook.details import describe, error_details
from shequn.playbook.elimination import Elimination
from shequn.playbook.essence import Essence
from shequn.playbook.jielong_rule import JielongRule
from shequn.playbook.meetups import MeetupSignupRule
from shequn.playbook.models import Greeting
from shequn.playbook.moderation.rule import Moderation
from shequn.playbook.points import InvitePoints
from shequn.playbook.ritual import Ritual
from shequn.playbook.routing import Matching
from shequn.playbook.rules import GroupState, Rule, RuleType, configure
from shequn.playbook.state import StoreState
from shequn.playbook.store_actions import StoreHandler, handler_for
from shequn.playbook.surveys import SurveyAnswers
from shequn.playbook.welcome import Welcome
from shequn.playbook.windows import Windows

log = logging.getLogger(__name__)

#: The rules every group may switch on, in the order they run: who may stay first
#: (admission), then what may be posted (moderation), then greeting and the entry
#: ritual, the chat windows, check-ins and points, meetup sign-ups, survey answers,
#: and essence last (it only marks).
DEFAULT_RULES: tuple[RuleType, ...] = (
    Admission, Moderation, Welcome, Ritual, Windows,
    CheckinRule, InvitePoints, MeetupSignupRule, JielongRule, SurveyAnswers, Matching, Essence,
    Elimination,
)  # fmt: skip

Outcome = AuditLog.Outcome
ZERO = timedelta(0)
#: Most distinct rule configurations kept built (one per rule and group, in practice).
MAX_BUILT = 4096

#: Finds an event's group and what rules may know about it: the store when live
#: (``Engine.stored_state``), a MemoryState rebuilt from history when replaying.
StateSource = Callable[[Event], tuple[Group, GroupState] | None]

#: A group's enabled rules in the order they run; None where its settings do not build.
Lineup = tuple[tuple[RuleType, Rule | None], ...]


@dataclass(frozen=True)
class Planned:
    """One action a rule returned, with what the engine needs to carry it out."""

    rule: str
    action: Action
    dry_run: bool
    event_id: str
    greets: str = ""  # the platform id of the member this action welcomes, if any


class Engine:
    """Runs the playbook of one community against the connectors of its platforms."""

    #: Archive edits and jobs (``store_actions``) are done in the store; a replay only records them.
    acts_in_store: bool = True

    def __init__(
        self,
        community: Community,
        connectors: Mapping[str, Connector] | Iterable[Connector],
        rules: Sequence[RuleType] = DEFAULT_RULES,
        *,
        states: StateSource | None = None,
        store: bool = True,
    ) -> None:
        """``states`` gives rules their GroupState (default: read from the store);
        ``store=False`` skips ingesting each event first, for events already stored (replay).
        """
        self.community = community
        if isinstance(connectors, Mapping):
            self.connectors = dict(connectors)
        else:
            self.connectors = {c.platform: c for c in connectors}
        self.rules = tuple(rules)
        self.states: StateSource = states if states is not None else self.stored_state
        self.store = store
        self._configured: dict[tuple[str, int], tuple[Mapping[str, Any], Rule]] = {}
        self._built: dict[tuple[str, bytes], Rule] = {}
        self._lineups: dict[int, tuple[Mapping[str, Any], Lineup]] = {}

    async def handle(self, event: Event) -> list[Action]:
        """Store ``event``, answer it with the group's rules; the actions performed."""
        planned = await sync_to_async(self.plan)(event)
        if planned is None:
            return []
        group, items = planned
        performed: list[Action] = []
        for item in items:
            performed.extend(await self.carry_out(group, item))
        return performed

    def plan(self, event: Event) -> tuple[Group, list[Planned]] | None:
        """Store the event (unless replaying); collect each enabled rule's actions (sync, DB)."""
        if self.store and not isinstance(event, DirectMessage):  # private: never stored
            try:
                ingest([event], self.community)
            except IngestError:
                log.exception("event %s not stored; no rule runs for it", event.event_id)
                return None
        found = self.states(event)
        if found is None:
            return None
        group, state = found
        return group, self.run_rules(event, group, state)

    def run_rules(self, event: Event, group: Group, state: GroupState) -> list[Planned]:
        """What the group's enabled rules want done about ``event``, in rule order.

        A rule that raises (or whose settings do not build) is logged and audited,
        and the others still run.
        """
        items: list[Planned] = []
        for rule_type, rule in self.lineup(state.settings):
            if rule is None:
                items.extend(self._run_rule(rule_type, event, group, state))
                continue
            try:
                actions = rule(event, state)
            except Exception as exc:
                log.exception("rule %s failed on event %s", rule_type.name, event.event_id)
                self.rule_failed(group, rule_type.name, event, exc)
                continue
            if actions:
                items.extend(planned(rule_type, rule, event, actions))
        return items

    def lineup(self, settings: Mapping[str, Any]) -> Lineup:
        """The rules ``settings`` switch on, built (None: a rule whose settings do not build).

        Kept per settings object, as ``_configure`` keeps each rule: most events of a
        group find its lineup with one lookup and call only the rules switched on
        (asking all thirteen whether they were on was a fifth of a live event's time).
        """
        cached = self._lineups.get(id(settings))
        if cached is not None and cached[0] is settings:
            return cached[1]
        built: list[tuple[RuleType, Rule | None]] = []
        for rule_type in self.rules:
            try:
                rule = self._configure(rule_type, settings)
            except Exception:
                built.append((rule_type, None))  # fails again, audited, at each event
                continue
            if rule.config.enabled:
                built.append((rule_type, rule))
        if len(self._lineups) >= MAX_BUILT:
            self._lineups.clear()
        lineup = tuple(built)
        # Kept with its settings object, so that the id cannot be reused meanwhile.
        self._lineups[id(settings)] = (settings, lineup)
        return lineup

    def stored_state(self, event: Event) -> tuple[Group, GroupState] | None:
        """The event's stored group and a StoreState over it (live; sync, DB)."""
        group = Group.objects.filter(
            community=self.community, platform=event.platform, external_id=event.group
        ).first()
        return None if group is None else (group, StoreState(group))

    def _run_rule(
        self, rule_type: RuleType, event: Event, group: Group, state: GroupState
    ) -> list[Planned]:
        """One rule's actions; a rule that fails is logged, audited and yields nothing."""
        name = rule_type.name
        try:
            rule = self._configure(rule_type, state.settings)
            if not rule.config.enabled:
                return []
            actions = rule(event, state)
        except Exception as exc:
            log.exception("rule %s failed on event %s", name, event.event_id)
            self.rule_failed(group, name, event, exc)
            return []
        return planned(rule_type, rule, event, actions)

    def _configure(self, rule_type: RuleType, settings: Mapping[str, Any]) -> Rule:
        """``rule_type`` built from ``settings``; built again only when its section differs.

        Kept first by the settings object: a replay hands the same one for every
        event, and live each group's stays the same until the group is read again
        (``live.GROUP_TTL``), so most events cost a dictionary lookup. A settings
        object not seen yet is matched by the exact text of the rule's section: an
        unchanged setting costs no validation (pydantic's, which was a tenth of
        each event's time), a changed one builds a new rule at once.
        """
        name = rule_type.name
        cached = self._configured.get((name, id(settings)))
        if cached is not None and cached[0] is settings:
            return cached[1]
        key = _section_key(name, settings)
        rule = self._built.get(key) if key is not None else None
        if rule is None:
            rule = configure(rule_type, settings)
            if key is not None:
                self._built[key] = rule
        if len(self._configured) >= MAX_BUILT or len(self._built) > MAX_BUILT:
            self._configured.clear()  # settings objects of groups read long ago
            self._built.clear()
        # The settings object is kept with its rule, so its id cannot be reused meanwhile.
        self._configured[(name, id(settings))] = (settings, rule)
        return rule

    def rule_failed(self, group: Group, name: str, event: Event, exc: Exception) -> None:
        """Audit a rule that raised on ``event`` (sync, DB); a replay counts it instead."""
        details = {"event_id": event.event_id, "error": error_details(exc)}
        audit(
            self.community, "rule", rule=name, group=group, target=event.event_id,
            reason=f"rule {name} raised", outcome=Outcome.FAILED, details=details,
        )  # fmt: skip

    async def carry_out(self, group: Group, item: Planned) -> list[Action]:
        """Perform (or, in dry-run, only record) one action; the actions actually performed."""
        if item.dry_run:
            await sync_to_async(self.record)(group, item, Outcome.DRY_RUN)
            return []
        in_store = handler_for(item.action) if self.acts_in_store else None
        if in_store is not None:
            return await sync_to_async(self._carry_out_in_store)(group, item, in_store)
        connector = self.connectors.get(group.platform)
        try:
            if connector is None:
                raise ConnectorError(f"no connector for {group.platform}", permanent=True)
            if not connector.can(item.action):
                raise Unsupported(f"{group.platform} cannot {action_name(item.action)}")
            await connector.perform(item.action)
        except Unsupported as exc:
            await sync_to_async(self.record)(group, item, Outcome.FAILED, exc)
            return await self._notify_instead(group, item, connector, exc)
        except Exception as exc:
            log.warning("%s of rule %s failed: %s", action_name(item.action), item.rule, exc)
            await sync_to_async(self.record)(group, item, Outcome.FAILED, exc)
            if isinstance(exc, ConnectorError) and exc.permanent and connector is not None:
                # The platform refused (no permission, target gone): the operators must know.
                return await self._notify_instead(group, item, connector, exc)
            return []
        await sync_to_async(self.record)(group, item, Outcome.PERFORMED)
        return [item.action]

    def _carry_out_in_store(
        self, group: Group, item: Planned, handler: StoreHandler
    ) -> list[Action]:
        """Perform an archive edit in the store (sync, DB); audited as performed or failed."""
        try:
            with transaction.atomic():
                handler(group, item.action)
        except Exception as exc:
            log.warning("%s of rule %s failed: %s", action_name(item.action), item.rule, exc)
            self.record(group, item, Outcome.FAILED, exc)
            return []
        self.record(group, item, Outcome.PERFORMED, via="store")
        return [item.action]

    async def _notify_instead(
        self, group: Group, item: Planned, connector: Connector | None, exc: ConnectorError
    ) -> list[Action]:
        """Tell the operators what could not be done (unsupported, or refused by the
        platform, with its reason); through the platform if it can.

        Where the platform cannot notify either (or what failed was itself a
        notice), the audit entry is the notice (operators read it on the dashboard).
        """
        action = item.action
        name = action_name(action)
        member = getattr(action, "member", None)
        whom = f" {member.name or member.id}" if isinstance(member, Actor) else ""
        why = "unsupported" if isinstance(exc, Unsupported) else "refused"
        # What the member should have been told (a warning, a survey question): the
        # operators get it word for word, so that they can pass it on themselves.
        words = getattr(action, "text", "")
        said = f"\n{words}" if words and not isinstance(action, Notify) else ""
        notice = Notify(
            platform=action.platform,
            group=action.group,
            rule=item.rule,
            reason=f"{why}: {name}",
            text=f"{item.rule} wanted {name}{whom} ({action.reason}), but {why}: {exc}" + said,
        )
        planned = dataclasses.replace(item, action=notice, greets="")
        if connector is None or isinstance(action, Notify) or not connector.can(notice):
            await sync_to_async(self.record)(group, planned, Outcome.PERFORMED, via="audit")
            return []
        try:
            await connector.perform(notice)
        except Exception as error:
            await sync_to_async(self.record)(group, planned, Outcome.FAILED, error)
            return []
        await sync_to_async(self.record)(group, planned, Outcome.PERFORMED)
        return [notice]

    def record(
        self,
        group: Group,
        item: Planned,
        outcome: str,
        error: BaseException | None = None,
        via: str = "",
    ) -> None:
        """Audit one action (sync, DB); remember a greeting that was really sent, and
        schedule the end of a mute (an ``unmute`` job) that was really imposed."""
        action = item.action
        details: dict[str, Any] = {"event_id": item.event_id, "action": describe(action)}
        if error is not None:
            details["error"] = error_details(error)
        if via:
            details["via"] = via
        member = getattr(action, "member", None)
        target = member.id if isinstance(member, Actor) else item.greets
        with transaction.atomic():  # one commit for the entry and what it remembers
            audit(
                self.community, action_name(action), rule=item.rule, group=group, target=target,
                reason=action.reason, outcome=outcome, details=details,
            )  # fmt: skip
            if item.greets and outcome == Outcome.PERFORMED:
                self._remember_greeting(group, item)
            performed = outcome == Outcome.PERFORMED
            if performed and isinstance(action, Mute) and action.duration > ZERO:
                lift = {"member": action.member.id, "name": action.member.name, "rule": item.rule}
                enqueue("unmute", timezone.now() + action.duration, lift, group=group)

    def _remember_greeting(self, group: Group, item: Planned) -> None:
        """Note that ``item.greets`` was welcomed in ``group`` (once: the constraint keeps it)."""
        account_id = (
            Account.objects.filter(
                community_id=group.community_id, platform=group.platform, external_id=item.greets
            )
            .values_list("pk", flat=True)
            .first()
        )
        if account_id is not None:
            greeting = Greeting(
                group=group, account_id=account_id, rule=item.rule, event_id=item.event_id
            )
            # One INSERT, not get_or_create's SELECT, savepoint and INSERT.
            Greeting.objects.bulk_create([greeting], ignore_conflicts=True)


def planned(rule_type: RuleType, rule: Rule, event: Event, actions: list[Action]) -> list[Planned]:
    """``actions`` as the engine carries them out: the rule named, the dry-run switch,
    and the member a greeting rule's answer to a join welcomes."""
    greets = event.member.id if rule_type.greets and isinstance(event, MemberJoined) else ""
    name, dry_run = rule_type.name, rule.config.dry_run
    return [
        Planned(
            rule=name,
            action=action if action.rule else dataclasses.replace(action, rule=name),
            dry_run=dry_run,
            event_id=event.event_id,
            greets=greets,
        )
        for action in actions
    ]


def _section_key(name: str, settings: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """The rule's section of ``settings`` as canonical JSON; None when it is not JSON."""
    try:
        return name, orjson.dumps(settings.get(name), option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
