"""The 接龙 pages: a group's chains (found in its messages and started here) with their
latest state, the form that starts one, and each chain's export as CSV and .xlsx.

Anyone with a role in the community reads them. Showing a page first brings the
group's chains up to date with its messages (``jielong_actions.refresh`` reads
only what arrived since). Starting a chain needs the "greet" power (it posts in
the group, like an invitation to a silent member); the opening is posted by the
engine (a job), and the request is audited with the user. Exports are audited
too: their rows name members.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shequn.community.models import Group
from shequn.community.permissions import can, visible_groups
from shequn.playbook import jielong_actions as act
from shequn.playbook.jielong_actions import ENTRY_MAX, TITLE_MAX
from shequn.playbook.jielong_models import JielongChain
from shequn.playbook.jielong_store import chain_from
from shequn.spreadsheet import safe_cell
from shequn.web.profile import require

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("Description (time, place; one per line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    first = forms.CharField(label=gettext_lazy("First entry (1.)"), max_length=ENTRY_MAX)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _chain(request: HttpRequest, chain_id: int) -> JielongChain:
    """A chain of a group the user sees (404 otherwise)."""
    found = JielongChain.objects.select_related("group__community", "job")
    return get_object_or_404(found.filter(group__in=visible_groups(request.user)), pk=chain_id)


def _start(request: HttpRequest, group: Group, form: StartForm) -> JielongChain | None:
    """The chain started, or None with the errors on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return act.start_from_console(
            group, data["title"], data["description"], data["first"], _user(request)
        )
    except act.JielongError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def group_jielong_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """The group's chains, latest first; for those who may post, the form that starts one."""
    group = get_object_or_404(visible_groups(request.user).select_related("community"), pk=group_id)
    may = can(request.user, "greet", group.community)
    form, status = StartForm(initial={"first": _default_first(request)}), 200
    if request.method == "POST":
        require(request.user, "greet", group.community)
        form = StartForm(request.POST)
        chain = _start(request, group, form)
        if chain is not None:
            return redirect("jielong", chain_id=chain.pk)
        status = 400
    act.refresh(group)
    chains = JielongChain.objects.filter(group=group).order_by("-updated_at", "-pk")
    context = {"group": group, "community": group.community, "chains": chains,
               "form": form if may else None}  # fmt: skip
    return render(request, "web/jielong_list.html", context, status=status)


def _default_first(request: HttpRequest) -> str:
    user = _user(request)
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@login_required
@require_GET
def jielong_view(request: HttpRequest, chain_id: int) -> HttpResponse:
    """One chain: its entries with who added each and when, edits, removed entries."""
    row = _chain(request, chain_id)
    act.refresh(row.group)
    row.refresh_from_db()
    chain = chain_from(row)
    context = {
        "group": row.group, "community": row.group.community, "row": row,
        "entries": chain.entries, "removed": chain.removed, "duplicates": chain.duplicates(),
    }  # fmt: skip
    return render(request, "web/jielong.html", context)


def header() -> list[str]:
    """The export's column names, in the user's language."""
    return [pgettext("jielong entry", "No."), _("Entry"), _("Added by"), _("Added at"),
            _("Edited at"), _("Edited by")]  # fmt: skip


def rows(row: JielongChain) -> Iterator[list[str | int]]:
    """The chain's entries as export rows (times in the community's zone), formula-safe."""
    zone = ZoneInfo(row.group.community.time_zone)
    for number, entry in enumerate(chain_from(row).entries, 1):
        edited = (
            entry.edited_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if entry.edited_at else ""
        )
        added = entry.added_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        yield [number, safe_cell(entry.text), safe_cell(entry.added_by_name), added, edited,
               safe_cell(entry.edited_by_name)]  # fmt: skip


def _filename(row: JielongChain, ext: str) -> str:
    return f'attachment; filename="jielong-{row.pk}.{ext}"'


@login_required
@require_GET
def jielong_csv_view(request: HttpRequest, chain_id: int) -> HttpResponse:
    """The chain as CSV (UTF-8 with BOM, so spreadsheets read Chinese); audited."""
    row = _chain(request, chain_id)
    act.refresh(row.group)
    row.refresh_from_db()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header())
    written = 0
    for line in rows(row):
        writer.writerow(line)
        written += 1
    act.record_export(row, _user(request), "csv", written)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(row, "csv")
    return response


def _xml_safe(value: str | int) -> str | int:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


@login_required
@require_GET
def jielong_xlsx_view(request: HttpRequest, chain_id: int) -> HttpResponse:
    """The chain as an .xlsx workbook with one sheet (the CSV's cells); audited."""
    row = _chain(request, chain_id)
    act.refresh(row.group)
    row.refresh_from_db()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("jielong")
    sheet.append(header())
    written = 0
    for line in rows(row):
        sheet.append([_xml_safe(value) for value in line])
        written += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    act.record_export(row, _user(request), "xlsx", written)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _filename(row, "xlsx")
    return response
