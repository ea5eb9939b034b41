""".xlsx export of a community's member archive: the CSV's columns, filters and safety.

Written with openpyxl's write-only workbook, which streams rows instead of
building every cell object first. Cells are the CSV export's cells: a text that
a spreadsheet would read as a formula starts with an apostrophe (openpyxl itself
would store a string starting with "=" as a formula). Control characters that
XML cannot hold are dropped. Each export is written to the audit log.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shequn.community.actions import record_archive_export
from shequn.web.export import HEADER, archive_rows, exportable, filters_used

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "members"


def _xml_safe(value: str | int) -> str | int:
    """The value without the control characters an .xlsx file cannot contain."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


@login_required
def member_export_xlsx_view(request: HttpRequest, community_id: int) -> HttpResponse:
    """The filtered archive as an .xlsx workbook with one sheet; audited."""
    community, user, filters = exportable(request, community_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(HEADER)
    rows = 0
    for row in archive_rows(community, filters):
        sheet.append([_xml_safe(value) for value in row])
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    record_archive_export(community, user, filters_used(filters), rows, file_format="xlsx")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="members-{community.pk}.xlsx"'
    return response
