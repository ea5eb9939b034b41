"""Member archive pages (群友档案): a community's list and one member's profile.

Read-only (changes are made by the views of ``edit``, ``ties``, ``notes``, ``merge``
and ``member_import``). Which community or person a user may open is decided by
``shequn.community.permissions``; a community or person outside it is a 404,
so that its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from shequn.community.models import Group, Person, Tier
from shequn.community.permissions import can, visible_communities
from shequn.web.member_queries import (
    PAGE_SIZE,
    current_groups,
    last_message_times,
    member_ids,
    parse_filters,
    persons_by_ids,
)
from shequn.web.profile import person_for, profile_context


@dataclass(frozen=True)
class MemberRow:
    """One line of the list: the person, their current groups and last message time."""

    person: Person
    groups: list[Group]
    last_message_at: datetime | None


@login_required
def member_list_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The archive of one community, filtered by GET parameters, 50 a page."""
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    filters = parse_filters(request.GET)
    # The filtered ids are cached (see ``member_ids``); the page reads its 50 by key
    # and their last message times after pagination, for its own rows only.
    page = Paginator(member_ids(community, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = persons_by_ids(list(page.object_list))
    last = last_message_times(community, shown)
    rows = [MemberRow(p, current_groups(p), last.get(p.pk)) for p in shown]
    context = {
        "community": community,
        "filters": filters,
        "page": page,
        "rows": rows,
        "groups": community.groups.order_by("name"),
        "tags": community.tags.order_by("name"),
        "tiers": Tier.choices,
        "can_import": can(request.user, "import", community),
    }
    return render(request, "web/members.html", context)


@login_required
def person_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """One member's profile: archive fields, accounts and merges, stays, ties, notes,
    timeline and latest messages (see ``shequn.web.profile``)."""
    person = person_for(request.user, person_id)
    return render(request, "web/person.html", profile_context(request.user, person))
