"""A community's growth page (裂变): the referral tree, fission quality, fraud review, invite codes.

Anyone with a role in the community reads the page. Operators and owners
("moderate") put the current fraud signals on the review list and mark flags
reviewed or dismissed; those who may edit the archive ("edit") create a
member's invite code for a campaign and get its poster text. Writes go through
``community.referral_actions`` and ``community.admission_actions`` (audited).
The score's formula is ``shequn.analytics.growth.quality``'s, shown on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shequn.analytics.growth.load import read_growth
from shequn.analytics.growth.poster import poster_text
from shequn.analytics.growth.summary import Growth, summarise
from shequn.community.admission_actions import create_invite_code
from shequn.community.models import Community, InviteCode, JoinHow, Person
from shequn.community.permissions import can, visible_communities
from shequn.community.referral_actions import record_flags, review_flag
from shequn.community.referral_models import FraudFlag, FraudStatus
from shequn.web.growth_chart import tree_figure
from shequn.web.views import chart_assets

ROWS_SHOWN = 100
WORST = 10
CODES_SHOWN = 50


class CodeForm(forms.Form):
    number = forms.IntegerField(label=gettext_lazy("Member number"), min_value=1)
    campaign = forms.CharField(label=gettext_lazy("Campaign"), max_length=64, required=False)


class ReviewForm(forms.Form):
    flag = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(
        choices=[
            (FraudStatus.REVIEWED, gettext_lazy("Reviewed")),
            (FraudStatus.DISMISSED, gettext_lazy("Dismiss")),
        ]
    )
    note = forms.CharField(max_length=500, required=False)


def community_for(request: HttpRequest, community_id: int) -> Community:
    """A community the user has a role in (404 otherwise, revealing nothing)."""
    return get_object_or_404(visible_communities(request.user), pk=community_id)


def community_growth(community: Community) -> Growth:
    """The community's fission figures now (the page, the API and the scan share them)."""
    return summarise(read_growth(community.pk))


def _poster(community: Community, code: str) -> dict[str, str] | None:
    found = InviteCode.objects.filter(community=community, code=code.strip().upper())
    invite = found.select_related("owner").first()
    if invite is None:
        return None
    owner = invite.owner
    text = poster_text(community.name, owner.display_name, owner.number, invite.code,
                       invite.campaign)  # fmt: skip
    return {"code": invite.code, "zh": text.zh, "en": text.en}


def page_context(request: HttpRequest, community: Community, **extra: Any) -> dict[str, Any]:
    growth = community_growth(community)
    table, channels = growth.inviter_table, dict(JoinHow.choices)
    flags = FraudFlag.objects.filter(community=community).select_related("inviter", "reviewed_by")
    return {
        "community": community,
        "growth": growth,
        "tree": growth.tree_figures(),
        "figure": tree_figure(growth, _("Who brought whom")),
        "assets": chart_assets(),
        "inviters": growth.inviter_table.head(ROWS_SHOWN).to_dicts(),
        # The lowest scores again, on their own: the inviters an operator should look at.
        "worst": table.tail(WORST).reverse().to_dicts() if table.height > WORST else [],
        "campaigns": growth.campaigns,
        "channels": [
            {**row, "label": channels.get(row["join_how"], row["join_how"])}
            for row in growth.channels
        ],
        "flags": flags,
        "codes": InviteCode.objects.filter(community=community).select_related("owner")[
            :CODES_SHOWN
        ],
        "poster": _poster(community, request.GET.get("poster", "")),
        "can_moderate": can(request.user, "moderate", community),
        "can_edit": can(request.user, "edit", community),
        "code_form": CodeForm(),
        **extra,
    }


@login_required
@require_GET
def growth_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The growth page: tree, inviters and campaigns by quality, channels, review list, codes."""
    community = community_for(request, community_id)
    return render(request, "web/growth.html", page_context(request, community))


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


@login_required
@require_POST
def growth_code_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Create an invite code for a member (by archive number) and a campaign; show its poster."""
    community = community_for(request, community_id)
    if not can(request.user, "edit", community):
        raise PermissionDenied
    form = CodeForm(request.POST)
    person = None
    if form.is_valid():
        number = form.cleaned_data["number"]
        person = Person.objects.filter(community=community, number=number).first()
        if person is None:
            form.add_error("number", _("No member has number %(number)s.") % {"number": number})
    if person is None:
        context = page_context(request, community, code_form=form)
        return render(request, "web/growth.html", context, status=400)
    invite = create_invite_code(
        person, campaign=form.cleaned_data["campaign"], user=_user(request), by="web"
    )
    messages.success(request, _("Invite code %(code)s created.") % {"code": invite.code})
    url = redirect("community_growth", community_id=community.pk).url
    return redirect(f"{url}?poster={invite.code}#poster")


@login_required
@require_POST
def growth_scan_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Put the current fraud signals on the review list (operators and owners)."""
    community = community_for(request, community_id)
    if not can(request.user, "moderate", community):
        raise PermissionDenied
    done = record_flags(community, community_growth(community).signals, user=_user(request),
                        by="web")  # fmt: skip
    messages.success(
        request,
        _("Review list updated: %(opened)s new, %(reopened)s reopened, %(updated)s updated.")
        % done,
    )
    return redirect("community_growth", community_id=community.pk)


@login_required
@require_POST
def growth_flag_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """Mark a fraud flag reviewed or dismissed, with a note (operators and owners)."""
    community = community_for(request, community_id)
    if not can(request.user, "moderate", community):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = page_context(request, community, review_errors=form.errors)
        return render(request, "web/growth.html", context, status=400)
    flag = get_object_or_404(FraudFlag, pk=form.cleaned_data["flag"], community=community)
    flag = review_flag(flag, form.cleaned_data["status"], form.cleaned_data["note"],
                       user=_user(request), by="web")  # fmt: skip
    shown = {"status": flag.get_status_display()}
    messages.success(request, _("Flag marked %(status)s.") % shown)
    return redirect("community_growth", community_id=community.pk)
