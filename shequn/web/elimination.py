"""Dynamic elimination (动态淘汰) of a group in the console: the dry-run preview and its buttons.

The page shows, without changing anything, what a sweep would do now: who would
be removed today (grace over, still under the policy) and who would get a notice,
each with the rule, days silent, check-ins and tier; then the notices in their
grace period and the latest outcomes. Any role in the community may look;
running a sweep and readmitting a removed member need the "moderate" power
(operators and owners). A sweep is run by enqueueing an ``eliminate`` job, so the
running engine performs it through its connectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook.elimination import Verdict
from shequn.playbook.elimination_actions import ReadmitError, readmit, request_sweep
from shequn.playbook.elimination_store import (
    EliminationError,
    SweepPlan,
    load_policy,
    plan_sweep,
)
from shequn.playbook.models import EliminationNotice
from shequn.web.profile import require

HISTORY = 50


@dataclass(frozen=True)
class Row:
    """One member on the preview: the verdict's figures and, when noticed, the notice."""

    verdict: Verdict
    notice: EliminationNotice | None = None
    removal_at: datetime | None = None


def _group(request: HttpRequest, group_id: int) -> Group:
    """A group the user may see (404 otherwise: its existence is not revealed)."""
    return get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran
    return user


def _rows(plan: SweepPlan) -> tuple[list[Row], list[Row]]:
    """Who would be removed today, and who would be told now (removal after the grace period)."""
    due = [Row(verdict, notice) for notice, verdict in plan.due]
    new = [Row(verdict, None, plan.deadline) for _account, verdict in plan.new]
    return due, new


@login_required
@require_GET
def elimination_view(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    require(request.user, "view", group.community)
    context: dict[str, object] = {
        "group": group,
        "community": group.community,
        "may_run": can(request.user, "moderate", group.community),
        "history": EliminationNotice.objects.filter(group=group)
        .exclude(state=EliminationNotice.State.OPEN)
        .select_related("account")
        .order_by("-noticed_at", "-pk")[:HISTORY],
    }
    try:
        plan = plan_sweep(group.pk, timezone.now())
    except EliminationError as error:
        context["error"] = str(error)
        return render(request, "web/elimination.html", context)
    due, new = _rows(plan)
    context.update(plan=plan, config=plan.config, due=due, new=new, open=plan.open)
    return render(request, "web/elimination.html", context)


@login_required
@require_POST
def elimination_run_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Enqueue a sweep of the group now; the running engine performs it."""
    group = _group(request, group_id)
    require(request.user, "moderate", group.community)
    try:
        config, _zone = load_policy(group)
    except EliminationError as error:
        messages.error(request, str(error))
        return redirect("group_elimination", group_id=group.pk)
    if not config.enabled:
        messages.error(request, _("Dynamic elimination is off for this group: nothing to run."))
    elif request_sweep(group, _user(request)) is None:
        messages.info(request, _("A sweep is already scheduled; it runs at its time."))
    else:
        messages.success(request, _("Sweep scheduled: the engine runs it within a minute."))
    return redirect("group_elimination", group_id=group.pk)


@login_required
@require_POST
def elimination_readmit_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Undo an elimination: the operators are asked to invite the member back; audited."""
    group = _group(request, group_id)
    require(request.user, "moderate", group.community)
    raw = request.POST.get("notice", "")
    notices = EliminationNotice.objects.filter(group=group).select_related("group__community")
    notice = get_object_or_404(notices, pk=int(raw)) if raw.isdigit() else None
    if notice is None:
        return HttpResponse(_("Missing field 'notice': the id of a notice."), status=400)
    try:
        readmit(notice, _user(request))
    except ReadmitError:
        return HttpResponse(_("This notice has no removal to undo."), status=409)
    messages.success(request, _("Readmission requested: the operators are asked to invite back."))
    return redirect("group_elimination", group_id=group.pk)
