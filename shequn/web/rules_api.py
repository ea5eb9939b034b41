"""The rules API: a group's rule settings, read and replaced, validated by each rule's model.

Mounted on the shared NinjaAPI (``shequn.web.api``), so the bearer token and the
404/403/422 conventions are the same: any role in the community reads, the
"moderate" power (operators, owners) writes, outsiders get 404. A PUT replaces
the rule's whole section (absent fields take their defaults); a field the
model does not know is refused (most likely a typo), as is any value the model
rejects: 422 with one entry per problem, ``loc`` naming the field. Saves go
through ``set_rule_settings``, audited under the token's user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Body, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook.actions import set_rule_settings
from shequn.playbook.catalog import RuleSettings, all_rule_settings, find_rule, rule_settings
from shequn.playbook.rules import RuleConfig, RuleType
from shequn.web.rules import CHANGE_POWER, rule_title
from shequn.web.rules_errors import message_for

router = Router(tags=["rules"])


class RuleOut(Schema):
    """One rule's settings in a group, defaults filled in, and the JSON schema of its config.

    ``problem``: why the stored settings could not be used ("" when they could);
    ``settings`` then holds the defaults.
    """

    name: str
    title: str
    enabled: bool
    dry_run: bool
    settings: dict[str, Any]
    config_schema: dict[str, Any]
    problem: str = ""

    @staticmethod
    def of(found: RuleSettings) -> RuleOut:
        return RuleOut(
            name=found.rule.name,
            title=rule_title(found.rule),
            enabled=found.config.enabled,
            dry_run=found.config.dry_run,
            settings=found.values,
            config_schema=found.rule.Config.model_json_schema(),
            problem=found.problem,
        )


def _user(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - auth runs before every view
        raise HttpError(401, "Unauthorized")
    return user


def _group(request: HttpRequest, group_id: int) -> Group:
    group = get_object_or_404(
        visible_groups(_user(request)).select_related("community"), pk=group_id
    )
    if not can(_user(request), "view", group.community):
        raise Http404
    return group


def _rule(name: str) -> RuleType:
    rule = find_rule(name)
    if rule is None:
        raise Http404
    return rule


@router.get("/groups/{group_id}/rules", response=list[RuleOut])
def list_rules(request: HttpRequest, group_id: int) -> list[RuleOut]:
    """Every configurable rule of the group, in the order the engine runs them."""
    group = _group(request, group_id)
    return [RuleOut.of(found) for found in all_rule_settings(group.settings or {})]


@router.get("/groups/{group_id}/rules/{name}", response=RuleOut)
def get_rule(request: HttpRequest, group_id: int, name: str) -> RuleOut:
    """One rule's settings (404 for a rule name that is not configurable)."""
    group = _group(request, group_id)
    return RuleOut.of(rule_settings(group.settings or {}, _rule(name)))


@router.put("/groups/{group_id}/rules/{name}", response=RuleOut)
def put_rule(
    request: HttpRequest, group_id: int, name: str, payload: Body[dict[str, Any]]
) -> RuleOut:
    """Replace one rule's settings (power "moderate"); 422 naming each field that is wrong."""
    user = _user(request)
    group = _group(request, group_id)
    rule = _rule(name)
    if not can(user, CHANGE_POWER, group.community):
        raise HttpError(403, f'your role in this community lacks the "{CHANGE_POWER}" power')
    config = _validated(rule, payload)
    set_rule_settings(group, rule, config, user=user, by="api")
    return RuleOut.of(rule_settings(group.settings, rule))


def _validated(rule: RuleType, payload: dict[str, Any]) -> RuleConfig:
    """The payload as ``rule``'s config, or a 422 listing every problem."""
    errors: list[dict[str, Any]] = [
        {"loc": ["body", key], "type": "extra_forbidden", "msg": "unknown setting"}
        for key in sorted(set(payload) - set(rule.Config.model_fields))
    ]
    try:
        config = rule.Config.model_validate(payload)
    except ValidationError as exc:
        config = None
        errors += [
            {
                "loc": ["body", *error["loc"]],
                "type": error["type"],
                "msg": error["msg"],
                "message": message_for(error),
            }
            for error in exc.errors()
        ]
    for error in errors:
        error.setdefault("message", message_for(error))
    if errors or config is None:
        raise NinjaValidationError(errors)
    return config
