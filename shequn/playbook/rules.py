"""The Rule contract (DESIGN.md, "Rule"): event and group state in, actions out.

A rule is a class built from its pydantic config (read from ``Group.settings[name]``)
whose instances are callables ``(event, state) -> list[Action]``. Rules are pure:
no database, no network, no clock; everything they may look at comes through
``GroupState``, which the engine (or a test) provides. That is what makes
replay and tests easy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from shequn.events import Action, Actor, Event, MemberJoined, MemberLeft
from shequn.playbook.admission_view import AdmissionView
from shequn.playbook.surveys_view import SurveyView

#: The roles a rule may exempt (the community's MemberRole values other than "member").
ExemptRole = Literal["owner", "admin", "assistant", "monitor", "kol"]


class RuleConfig(BaseModel):
    """What every rule's config has: off unless switched on, a dry-run switch, exempt roles.

    ``exempt_roles``: members holding one of these roles in the group are left
    alone by the rule (it checks with ``exempt``).
    """

    model_config = ConfigDict(extra="ignore")

    enabled: bool = False
    dry_run: bool = False
    exempt_roles: list[ExemptRole] = Field(default_factory=list)


class GroupState(Protocol):
    """What a rule may know about the group an event happened in."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...

    def member_count(self) -> int:
        """Accounts currently in the group."""
        ...

    def greeted(self, member_id: str) -> bool:
        """Whether the platform account ``member_id`` was already welcomed here."""
        ...

    def display_name(self, member_id: str) -> str:
        """The name the group knows the account by ("" when unknown)."""
        ...

    def role(self, member_id: str) -> str:
        """The account's role in the group ("member" by default; "" when never in it)."""
        ...

    # --- moderation (shequn.playbook.moderation): times are events' ``at``, never a clock ---

    def joined_at(self, member_id: str) -> datetime | None:
        """When the account first joined this group (its earliest known join); None if unknown."""
        ...

    def message_count(
        self, member_id: str, since: datetime | None, until: datetime, exclude: str = ""
    ) -> int:
        """How many messages the account posted here with since <= at <= until.

        ``since`` None counts from the beginning; the message ``exclude`` (an
        event id, usually the one being judged) is never counted.
        """
        ...

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        """How many other groups of this community have a message of exactly ``text``.

        Counted: messages by anyone with since <= at <= until; this group never counts.
        """
        ...

    def strikes(self, rule: str, member_id: str) -> int:
        """How many Warn, Mute and Remove actions ``rule`` took on the account in this group.

        Performed and dry-run ones count, and so do ones that failed for good
        (the platform cannot mute); undone ones and passing failures do not.
        """
        ...

    def blacklisted(self, rule: str, member_id: str) -> bool:
        """Whether ``rule`` removed the account from any group of this community (this one too).

        Performed and dry-run removals count; failed and undone ones do not.
        """
        ...

    # --- admission (shequn.playbook.admission) ---

    def admission(self, member_id: str) -> AdmissionView | None:
        """The account's latest admission request in this group (None: it never had one)."""
        ...

    def admission_queue(self, status: str) -> tuple[Actor, ...]:
        """Accounts whose latest request here has ``status``, oldest request first."""
        ...

    def in_group(self, member_id: str) -> bool:
        """Whether the account is in the group now (an open stay)."""
        ...

    def invite_code_owner(self, code: str) -> str:
        """The name of the member whose active invite code ``code`` is ("" when none is)."""
        ...

    # --- entry ritual and chat windows (shequn.playbook.ritual, shequn.playbook.windows) ---

    def member_number(self, member_id: str) -> int | None:
        """The account's member number (编号) in the archive; None when it has none."""
        ...

    def time_zone(self) -> str:
        """The community's IANA time zone (e.g. Asia/Shanghai), for hours and days."""
        ...

    def replied_to(self, rule: str, member_id: str, since: datetime, until: datetime) -> int:
        """How many of the account's messages here with since <= at <= until ``rule`` answered.

        Counted: Reply actions of ``rule`` (performed or dry-run) to those messages.
        """
        ...

    # --- dynamic elimination (shequn.playbook.elimination) ---

    def open_notice(self, member_id: str) -> bool:
        """Whether the account has an open elimination notice in this group."""
        ...

    # --- follow-up surveys (shequn.playbook.surveys) ---

    def open_survey(self, member_id: str) -> SurveyView | None:
        """The account's open survey response in this group, oldest first (None: none open)."""
        ...

    # --- check-in and points (shequn.playbook.checkin_rule, shequn.playbook.points) ---

    def checkin_times(self, member_id: str, until: datetime, exclude: str = "") -> list[datetime]:
        """When the account checked in here (messages the group's ``checkin`` settings
        recognise) with at <= until, oldest first; the message ``exclude`` never counts."""
        ...

    def inviter(self, member_id: str) -> Actor | None:
        """Who invited the account into its latest stay here (None when unknown)."""
        ...


class Rule(Protocol):
    """A configured rule: call it with an event and the group state."""

    name: ClassVar[str]

    @property
    def config(self) -> RuleConfig: ...

    def __call__(self, event: Event, state: GroupState) -> list[Action]: ...


class RuleType(Protocol):
    """A rule class: its name, its config model, and how to build it from that config.

    ``greets``: a performed action of this rule answering a MemberJoined counts as
    welcoming that member, and the engine remembers it for ``GroupState.greeted``.
    """

    name: str
    Config: type[RuleConfig]
    greets: bool

    def __call__(self, config: Any) -> Rule: ...


def configure(rule_type: RuleType, settings: Mapping[str, Any]) -> Rule:
    """Build ``rule_type`` from its section of a group's settings (defaults when absent)."""
    section = settings.get(rule_type.name) or {}
    return rule_type(rule_type.Config.model_validate(section))


_ABOUT_MEMBER = (MemberJoined, MemberLeft)  # a tuple: isinstance takes it faster than a union


def subject(event: Event) -> Actor | None:
    """The member an event is about: who joined or left, else who acted."""
    if isinstance(event, _ABOUT_MEMBER):
        return event.member
    return event.actor


def exempt(config: RuleConfig, event: Event, state: GroupState) -> bool:
    """Whether the event's member holds a role the rule's config exempts."""
    roles = config.exempt_roles
    if not roles:
        return False
    # ``subject`` inlined: every rule asks this of every event.
    member = event.member if isinstance(event, _ABOUT_MEMBER) else event.actor
    return member is not None and state.role(member.id) in roles
