"""Rules written for tests: a base carrying the Rule plumbing, and a rule that raises."""

from __future__ import annotations

from typing import ClassVar

from shequn.events import Action, Event
from shequn.playbook.rules import GroupState, RuleConfig


class KitRule:
    """A test rule with the plain RuleConfig; a subclass names itself and writes ``__call__``."""

    name: ClassVar[str] = "kit"
    Config: ClassVar[type[RuleConfig]] = RuleConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: RuleConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        return []


class Boom(KitRule):
    """A rule that raises on every event."""

    name: ClassVar[str] = "boom"

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        raise RuntimeError("boom")
