""".xlsx export of the member archive: the CSV's columns, rows and filters, formula-safe.

World (``test_edit.build_world``): A with u1 (big, 上海, 投资人) and u2 (mid, 北京,
教育); alice owns A, bob operates B, dan views A, carol has no role.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shequn.community.actions import update_person
from shequn.community.models import AuditLog, Community
from shequn.web.xlsx import XLSX_TYPE
from tests.web.test_edit import build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def xlsx_url(community: Community, query: str = "") -> str:
    return f"/communities/{community.pk}/members.xlsx{query}"


def sheet_rows(content: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def as_text(rows: list[list[object]]) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in rows]


@pytest.mark.parametrize("query", ["", "?city=上海", "?tier=mid", "?tag=投资人&q=成员"])
def test_same_rows_as_the_csv(world: dict[str, Community], query: str) -> None:
    dan = client_for("dan")
    response = dan.get(xlsx_url(world["A"], query))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert f'filename="members-{world["A"].pk}.xlsx"' in response["Content-Disposition"]
    csv_content = dan.get(f"/communities/{world['A'].pk}/members.csv{query}").content
    csv_rows = list(csv.reader(io.StringIO(csv_content.decode("utf-8-sig"))))
    assert as_text(sheet_rows(response.content)) == csv_rows


def test_filtered_export_is_audited(world: dict[str, Community]) -> None:
    rows = sheet_rows(client_for("dan").get(xlsx_url(world["A"], "?city=上海")).content)
    assert rows[0][:4] == ["number", "name", "tier", "city"]
    assert len(rows) == 2 and rows[1][2:4] == ["big", "上海"] and rows[1][5] == "投资人"
    assert isinstance(rows[1][0], int)
    [entry] = AuditLog.objects.filter(action="archive.export")
    assert entry.user is not None and entry.user.username == "dan"
    assert entry.details == {"filters": {"city": "上海"}, "rows": 1, "format": "xlsx"}


def test_formulas_are_text_and_control_characters_dropped(world: dict[str, Community]) -> None:
    update_person(person("u2"), by="test", intro="=HYPERLINK(1)", needs="@SUM(A1)", offers="a\x07b")
    content = client_for("alice").get(xlsx_url(world["A"], "?city=北京")).content
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    intro, needs, offers = sheet["G2"], sheet["H2"], sheet["I2"]
    assert (intro.value, intro.data_type) == ("'=HYPERLINK(1)", "s")
    assert (needs.value, needs.data_type) == ("'@SUM(A1)", "s")
    assert offers.value == "ab"


def test_outsiders_get_404(world: dict[str, Community]) -> None:
    assert client_for("carol").get(xlsx_url(world["A"])).status_code == 404
    assert client_for("bob").get(xlsx_url(world["A"])).status_code == 404
    response = Client().get(xlsx_url(world["A"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not AuditLog.objects.filter(action="archive.export").exists()


def test_member_list_links_both_exports(world: dict[str, Community]) -> None:
    html = client_for("dan").get(f"/communities/{world['A'].pk}/members/?city=上海").content
    text = html.decode()
    assert f'href="/communities/{world["A"].pk}/members.xlsx?city=' in text
    assert "导出 Excel" in text and "导入成员" not in text  # a viewer may not import
    assert (
        "导入成员"
        in client_for("alice").get(f"/communities/{world['A'].pk}/members/").content.decode()
    )
