"""The rules an operator may configure per group, and each one's settings as stored.

The console's "规则" page and the API (``/api/groups/{id}/rules``) are built from
this list alone: every rule in it is shown and edited through its pydantic
``Config``, with no code of its own in the web layer. A new rule family appears
there once its class is added to ``configurable_rules``.

A rule's config fields may carry ``title`` and ``description`` (translated in
the console through gettext) and ``json_schema_extra={"widget": "textarea"}``
(or ``"lines"``, ``"checkboxes"``, ``"json"``) to pick a form widget other than
the one its type suggests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shequn.playbook.engine import DEFAULT_RULES
from shequn.playbook.rules import RuleConfig, RuleType


def configurable_rules() -> tuple[RuleType, ...]:
    """Every rule family a group may switch on: the engine's, in the order it runs them
    (elimination among them: it acts in a sweep, but takes appeals as they arrive)."""
    return DEFAULT_RULES


def find_rule(name: str) -> RuleType | None:
    """The configurable rule called ``name``; None when there is none."""
    return next((rule for rule in configurable_rules() if rule.name == name), None)


@dataclass(frozen=True)
class RuleSettings:
    """One rule's settings in one group.

    ``config``: the stored section validated, defaults filled in (the defaults
    alone when nothing is stored or what is stored does not validate);
    ``stored``: the section as stored (empty when absent); ``problem``: why the
    stored section could not be used ("" when it could); the rule then runs with
    nothing until someone saves it again (the engine fails it on every event).
    """

    rule: RuleType
    config: RuleConfig
    stored: dict[str, Any]
    problem: str = ""

    @property
    def values(self) -> dict[str, Any]:
        """The settings as JSON-ready data, defaults included."""
        return self.config.model_dump(mode="json")


def rule_settings(settings: Mapping[str, Any], rule: RuleType) -> RuleSettings:
    """``rule``'s section of a group's ``settings``, validated by its Config."""
    raw = settings.get(rule.name)
    stored = dict(raw) if isinstance(raw, Mapping) else {}
    if raw is not None and not isinstance(raw, Mapping):
        return RuleSettings(rule, rule.Config(), stored, f"expected an object, got {raw!r}")
    try:
        return RuleSettings(rule, rule.Config.model_validate(stored), stored)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or rule.name
        return RuleSettings(rule, rule.Config(), stored, f"{where}: {error['msg']}")


def all_rule_settings(settings: Mapping[str, Any]) -> list[RuleSettings]:
    """Every configurable rule's settings in a group, in running order."""
    return [rule_settings(settings, rule) for rule in configurable_rules()]
