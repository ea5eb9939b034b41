"""The Rule contract (DESIGN.md, "Rule"): event and group state in, actions out.

A rule is a class built from its pydantic config (read from ``Group.settings[name]``)
whose instances are callables ``(event, state) -> list[Action]``. Rules are pure:
no database, no network, no clock; everything they may look at comes through
``GroupState``, which the engine (or a test) provides. That is what makes
replay and tests easy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from shequn.events import Action, Event


class RuleConfig(BaseModel):
    """What every rule's config has: off unless switched on, and a dry-run switch."""

    model_config = ConfigDict(extra="ignore")

    enabled: bool = False
    dry_run: bool = False


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
