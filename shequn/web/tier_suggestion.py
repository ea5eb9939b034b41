"""The profile's suggested tier: its evidence from the store, its reasons in words,
and the one-click "accept" that writes it to the archive.

The suggestion itself is ``shequn.analytics.tier.suggest_tier`` (pure). Its evidence
is read here: each current group's standing from the group's cached health report
(the ``structure`` metric, the same one ``shequn report`` shows; cached under the
group's data version, see ``shequn.web.overview``), the member's message count and
their recorded ties to other members (chat-inferred ``interaction`` links left out:
they are chat, not a tie outside it). Accepting goes through
``shequn.community.actions.update_person``, so the audit row names the user and the
rule ``tier_suggestion``.

The profile loads this section after the page (htmx), because on a cold cache it
computes the reports of the member's groups (seconds for a group of a million
messages); the overview and group pages then reuse them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.analytics.metrics.structure import EVIDENCE_TOP
from shequn.analytics.tier import (
    GroupStanding,
    Reason,
    TierSuggestion,
    standing_from_structure,
    suggestion_for,
)
from shequn.chat.models import Message
from shequn.community.actions import update_person
from shequn.community.models import Group, Link, LinkDimension, Person, Tier
from shequn.community.permissions import User as AnyUser
from shequn.community.permissions import can
from shequn.web.overview import cached_report
from shequn.web.queries import data_version

log = logging.getLogger(__name__)
RULE = "tier_suggestion"


def _standing(group: Group, person: Person) -> GroupStanding | None:
    """The person's standing in the group's cached report; None without messages or report."""
    version = data_version(group)
    if version is None:
        return None
    try:
        result = cached_report(group, version).results.get("structure")
    except Exception:  # a failing report leaves the rest of the profile standing
        log.exception("report of group %s failed for the tier suggestion", group.pk)
        return None
    if result is None:
        return None
    return standing_from_structure(
        group.name, result.value, result.evidence, person.pk, EVIDENCE_TOP
    )


def tie_count(person: Person) -> int:
    """Distinct members tied to the person by a recorded (not chat-inferred) link."""
    links = Link.objects.filter(Q(person_a=person) | Q(person_b=person)).exclude(
        dimension=LinkDimension.INTERACTION
    )
    pairs = links.values_list("person_a_id", "person_b_id")
    return len({b if a == person.pk else a for a, b in pairs})


def suggestion(person: Person) -> TierSuggestion:
    """The tier the person's groups, messages and ties suggest, with the reasons."""
    groups = Group.objects.filter(
        community_id=person.community_id,
        memberships__account__person=person,
        memberships__left_how="",
    ).distinct()
    standings = [s for g in groups.order_by("name") if (s := _standing(g, person))]
    group_ids = Group.objects.filter(community_id=person.community_id).values("pk")
    messages = Message.objects.filter(group_id__in=group_ids, sender__person=person).count()
    return suggestion_for(messages, tie_count(person), standings)


def _tier_name(tier: str | None) -> str:
    return str(Tier(tier).label) if tier in Tier.values else "—"


def reason_text(reason: Reason) -> str:
    """One reason in the user's language."""
    f = {**reason.figures}
    if "tier" in f:
        f["tier"] = _tier_name(f["tier"])
    if f.get("share") is not None:
        f["share"] = round(f["share"] * 100)
    texts = {
        "soul_figure": _("Soul figure of %(group)s: %(share)s%% of its speakers turn to them."),
        "group_rank": _(
            "In %(group)s: %(tier)s, #%(rank)s of %(members)s by influence; "
            "%(replies)s replies and %(mentions)s mentions received, from %(reach)s people."
        ),
        "nobody_turns_to": _("In %(group)s: nobody has replied to or mentioned them yet."),
        "beyond_ranking": _(
            "In %(group)s: not among the most influential of its %(members)s members."
        ),
        "ties": _("Tied to %(ties)s members outside the chat (%(needed)s or more make mid tier)."),
        "ties_few": _("Tied to %(ties)s members outside the chat."),
        "silent": _("Has not spoken in any group."),
        "messages": _("%(messages)s messages (volume alone never raises a tier)."),
    }
    return texts[reason.code] % f if reason.code in texts else reason.code


def suggestion_context(user: AnyUser, person: Person) -> dict[str, Any]:
    """The profile's suggested-tier section: tier, reasons, and whether "accept" is offered."""
    found = suggestion(person)
    return {
        "person": person,
        "suggested_tier": found.tier,
        "suggested_label": _tier_name(found.tier),
        "suggested_reasons": [reason_text(r) for r in found.reasons],
        "can_accept": can(user, "edit", person.community) and person.tier != found.tier,
    }


@login_required
@require_GET
def tier_suggestion_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """The profile's suggested-tier section, loaded after the page (htmx ``load``) so
    that the profile never waits for a group's report."""
    from shequn.web.profile import person_for

    person = person_for(request.user, person_id)
    context = {"community": person.community, **suggestion_context(request.user, person)}
    return render(request, "web/_tier_suggestion.html", context)


@login_required
@require_POST
def tier_accept_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Set the member's tier to the suggestion named in the form ("edit" power; audited).

    The form names the tier the user saw; when the suggestion has changed since, nothing
    is written and the profile comes back showing the new one (409), so a click never
    accepts something the user did not see. Success redirects to the profile.
    """
    from shequn.web.profile import person_for, profile_context

    person = person_for(request.user, person_id)
    if not can(request.user, "edit", person.community):
        raise PermissionDenied
    seen = request.POST.get("tier", "")
    if seen not in Tier.values:
        return HttpResponse(_("tier: expected one of big, mid, ordinary."), status=400)
    context = suggestion_context(request.user, person)
    if context["suggested_tier"] != seen:
        page = {**profile_context(request.user, person), **context, "stale": True}
        return render(request, "web/person.html", page, status=409)
    user = request.user
    assert isinstance(user, User)
    update_person(person, by=RULE, user=user, tier=seen)
    # A whole-page reload, not an htmx swap: the card's stored tier changes too.
    return redirect("person", person_id=person.pk)


__all__ = [
    "reason_text",
    "suggestion",
    "suggestion_context",
    "tie_count",
    "tier_accept_view",
    "tier_suggestion_view",
]
