"""The rewards pages of a community (奖励规则): rules, their grants and leaderboards.

Anyone with a role in the community reads them; operators and owners (the
"moderate" power, as for a group's rules) create and change rules and ask for a
sweep now. Saves go through ``community.reward_actions`` (audited under the
user); grants are made only by the sweep (``playbook.rewards``), which the
engine runs hourly, so the console and the scheduler can never grant twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequn.community.models import Community
from shequn.community.permissions import can, visible_communities
from shequn.community.reward_actions import RULE_FIELDS, save_rule
from shequn.community.reward_models import RewardGrant, RewardRule
from shequn.playbook.models import Job
from shequn.playbook.rewards import KIND, request_sweep
from shequn.playbook.rewards_board import BoardRow, board, rule_saved
from shequn.web.profile import require
from shequn.web.rewards_forms import RewardRuleForm

POWER = "moderate"
GRANTS_SHOWN = 100


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def boards(community: Community) -> list[tuple[RewardRule, list[BoardRow]]]:
    """Every active rule with its leaderboard now."""
    rules = RewardRule.objects.filter(community=community, active=True).select_related("community")
    now = timezone.now()
    return [(rule, board(rule, now)) for rule in rules]


def _page(
    request: HttpRequest, community: Community, form: RewardRuleForm | None, status: int = 200
) -> HttpResponse:
    may = can(request.user, POWER, community)
    grants = RewardGrant.objects.filter(rule__community=community).select_related("rule", "person")
    pending = Job.objects.filter(
        kind=KIND, state=Job.State.PENDING, payload__community=community.pk
    )
    context: dict[str, Any] = {
        "community": community,
        "rules": RewardRule.objects.filter(community=community).select_related(
            "notify_group", "leaderboard_group"
        ),
        "grants": grants[:GRANTS_SHOWN],
        "boards": boards(community),
        "next_sweep": pending.order_by("due_at").values_list("due_at", flat=True).first(),
        "can_edit": may,
        "form": form or (RewardRuleForm(community) if may else None),
    }
    return render(request, "web/rewards.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rewards_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """GET: the rules, recent grants and leaderboards; POST: create a rule ("moderate")."""
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    if request.method == "GET":
        return _page(request, community, None)
    require(request.user, POWER, community)
    form = RewardRuleForm(community, request.POST)
    if not form.is_valid():
        return _page(request, community, form, status=400)
    fields = {name: form.cleaned_data[name] for name in RULE_FIELDS}
    rule = save_rule(community, None, fields, user=_user(request), by="console")
    rule_saved(rule, timezone.now())
    messages.success(request, _("Reward rule %(name)s created.") % {"name": rule.name})
    return redirect("community_rewards", community.pk)


@login_required
@require_http_methods(["GET", "POST"])
def reward_rule_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    """GET: one rule, its form, grants and leaderboard; POST: save its changes ("moderate")."""
    rules = RewardRule.objects.filter(community__in=visible_communities(request.user))
    rule = get_object_or_404(rules.select_related("community"), pk=rule_id)
    community = rule.community
    may = can(request.user, POWER, community)
    form = RewardRuleForm.of(rule) if may else None
    status = 200
    if request.method == "POST":
        require(request.user, POWER, community)
        form = RewardRuleForm(community, request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in RULE_FIELDS}
            save_rule(community, rule, fields, user=_user(request), by="console")
            rule_saved(rule, timezone.now())
            messages.success(request, _("Reward rule saved."))
            return redirect("reward_rule", rule.pk)
        status = 400
    context = {
        "community": community,
        "rule": rule,
        "form": form,
        "can_edit": may,
        "grants": rule.grants.select_related("person")[:GRANTS_SHOWN],
        "board": board(rule, timezone.now()),
    }
    return render(request, "web/rewards_rule.html", context, status=status)


@login_required
@require_POST
def rewards_run_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Ask the engine to evaluate the community's rules now ("moderate")."""
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    require(request.user, POWER, community)
    if request_sweep(community, _user(request)) is None:
        messages.error(request, _("No active reward rule: nothing to evaluate."))
    else:
        messages.success(
            request, _("A sweep is queued; the engine (shequn run) carries it out shortly.")
        )
    return redirect("community_rewards", community.pk)
