"""CSV export of a community's member archive, with the same filters as the list.

UTF-8 with a byte-order mark so that Excel opens Chinese text correctly. Cells
that a spreadsheet would read as a formula are prefixed with an apostrophe.
Each export is written to the audit log. ``archive_rows`` is shared with the
.xlsx export (``shequn.web.xlsx``), so both files have the same columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from shequn.community.actions import record_archive_export
from shequn.community.models import Community
from shequn.community.permissions import can, visible_communities
from shequn.spreadsheet import safe_cell
from shequn.web.member_queries import MemberFilters, current_groups, member_list, parse_filters

HEADER = [
    "number",
    "name",
    "tier",
    "city",
    "industry",
    "tags",
    "intro",
    "needs",
    "offers",
    "groups",
]


def filters_used(filters: MemberFilters) -> dict[str, Any]:
    """The filters that narrow the export, as JSON-ready values (for the audit row)."""
    return {
        key: value if isinstance(value, str | int) else str(value)
        for key, value in asdict(filters).items()
        if value not in ("", None)
    }


def archive_rows(community: Community, filters: MemberFilters) -> Iterator[list[str | int]]:
    """The export's rows (without the header), formula-safe, in member-number order."""
    for person in member_list(community, filters):
        yield [
            person.number,
            safe_cell(person.display_name),
            person.tier,
            safe_cell(person.city),
            safe_cell(person.industry),
            safe_cell("、".join(t.name for t in person.tags.all())),
            safe_cell(person.intro),
            safe_cell(person.needs),
            safe_cell(person.offers),
            safe_cell("、".join(g.name for g in current_groups(person))),
        ]


def exportable(request: HttpRequest, community_id: int) -> tuple[Community, User, MemberFilters]:
    """The community (404 unless the user may view it), the user and the list's filters."""
    community = get_object_or_404(visible_communities(request.user), pk=community_id)
    if not can(request.user, "view", community):
        raise Http404
    user = request.user
    assert isinstance(user, User)
    return community, user, parse_filters(request.GET)


@login_required
def member_export_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The filtered archive as CSV (UTF-8 with BOM); audited."""
    community, user, filters = exportable(request, community_id)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    rows = 0
    for row in archive_rows(community, filters):
        writer.writerow(row)
        rows += 1
    record_archive_export(community, user, filters_used(filters), rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="members-{community.pk}.csv"'
    return response
