"""A group's rules (规则): the list of rule families and a form per rule, built from its Config.

Every rule of ``shequn.playbook.catalog.configurable_rules`` is listed (on or
off, dry-run, exempt roles, the settings that differ from the defaults) and
has a form generated from its pydantic model (``rules_fields``). Any role in
the community may read them; operators and owners (the "moderate" power) may
change them; outsiders get a 404. A save goes through
``shequn.playbook.actions.set_rule_settings``, which audits the section before
and after. Only rule sections are ever shown: a group's other settings (its
connector's, with tokens in them) never reach these pages.

Without JavaScript the form is an ordinary POST followed by a redirect; with
htmx it is saved in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods
from pydantic import BaseModel

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook.actions import set_rule_settings
from shequn.playbook.catalog import RuleSettings, all_rule_settings, find_rule, rule_settings
from shequn.playbook.rules import RuleConfig, RuleType
from shequn.web.rules_fields import Errors, FormData, initial_data, validate
from shequn.web.rules_widgets import choice_label, error_summary, form_fields, label_of

#: The power that may change a group's rules: operators and owners have it.
CHANGE_POWER = "moderate"
#: Fields every rule has, shown in their own columns rather than in the summary.
COMMON = frozenset(RuleConfig.model_fields)
_SUMMARY_TEXT = 40


def rule_title(rule: RuleType) -> str:
    """A rule's name for people: its ``title`` if it has one, else its name in words; translated."""
    title = getattr(rule, "title", "") or rule.name.replace("_", " ").capitalize()
    return gettext(title)


@dataclass(frozen=True)
class RuleRow:
    """One line of the rules list."""

    name: str
    title: str
    config: RuleConfig
    exempt: list[str]
    summary: list[tuple[str, str]]
    problem: str


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        shown = ", ".join(str(v) for v in value[:3])
        return shown + (f" … (+{len(value) - 3})" if len(value) > 3 else "")
    if isinstance(value, dict):
        return _short([f"{k}={v}" for k, v in value.items()])
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text if len(text) <= _SUMMARY_TEXT else text[: _SUMMARY_TEXT - 1] + "…"


def summary(config: RuleConfig) -> list[tuple[str, str]]:
    """(label, value) of each setting that differs from the rule's defaults."""
    model = type(config)
    values, defaults = config.model_dump(mode="json"), model().model_dump(mode="json")
    return [
        (label_of(name, info), _short(values[name]))
        for name, info in model.model_fields.items()
        if name not in COMMON and values.get(name) != defaults.get(name)
    ]


def _row(found: RuleSettings) -> RuleRow:
    config = found.config
    return RuleRow(
        name=found.rule.name,
        title=rule_title(found.rule),
        config=config,
        exempt=[choice_label(role) for role in config.exempt_roles],
        summary=summary(config),
        problem=found.problem,
    )


def _group(request: HttpRequest, group_id: int) -> Group:
    """The group if the user has a role in its community, else 404."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    if not can(request.user, "view", group.community):
        raise Http404
    return group


@login_required
@require_GET
def rules_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Every configurable rule of the group: on/off, dry-run, exempt roles, changed settings."""
    group = _group(request, group_id)
    context = {
        "group": group,
        "community": group.community,
        "rows": [_row(found) for found in all_rule_settings(group.settings or {})],
        "can_change": can(request.user, CHANGE_POWER, group.community),
    }
    return render(request, "web/rules.html", context)


def _form_context(
    request: HttpRequest,
    group: Group,
    found: RuleSettings,
    data: FormData,
    errors: Errors | None = None,
    general: list[str] | None = None,
) -> dict[str, Any]:
    model: type[BaseModel] = found.rule.Config
    fields = form_fields(model, data, errors or {})
    return {
        "group": group,
        "community": group.community,
        "rule_name": found.rule.name,
        "title": rule_title(found.rule),
        "fields": fields,
        "error_summary": error_summary(fields),
        "general_errors": general or [],
        "has_errors": bool(errors or general),
        "problem": found.problem,
        "can_change": can(request.user, CHANGE_POWER, group.community),
    }


@login_required
@require_http_methods(["GET", "POST"])
def rule_view(request: HttpRequest, group_id: int, rule: str) -> HttpResponse:
    """One rule's form: read by any role, saved by operators and owners (403 for others)."""
    group = _group(request, group_id)
    rule_type = find_rule(rule)
    if rule_type is None:
        raise Http404
    found = rule_settings(group.settings or {}, rule_type)
    htmx = bool(getattr(request, "htmx", False))
    if request.method != "POST":
        context = _form_context(request, group, found, initial_data(found.config))
        return render(request, "web/rule.html", context)
    if not can(request.user, CHANGE_POWER, group.community):
        raise PermissionDenied
    data = {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"}
    config, errors, general = validate(rule_type.Config, data)
    if config is None:
        context = _form_context(request, group, found, data, errors, general)
        if htmx:  # htmx swaps 200 responses only; the errors are in the form
            return render(request, "web/_rule_form.html", context)
        return render(request, "web/rule.html", context, status=400)
    user = request.user
    assert isinstance(user, User)
    assert isinstance(config, RuleConfig)
    changed = set_rule_settings(group, rule_type, config, user=user, by="web")
    note = gettext("Saved.") if changed else gettext("Nothing changed.")
    if htmx:
        found = rule_settings(group.settings, rule_type)
        context = _form_context(request, group, found, initial_data(found.config))
        return render(request, "web/_rule_form.html", {**context, "saved": note})
    messages.success(request, note)
    return redirect("group_rule", group_id=group.pk, rule=rule_type.name)
