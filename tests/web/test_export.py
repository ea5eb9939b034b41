"""CSV export of the member archive: filters, encoding, permissions and the audit row."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from shequn.community.actions import update_person
from shequn.community.models import AuditLog, Community
from tests.web.test_edit import build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def export_url(community: Community, query: str = "") -> str:
    return f"/communities/{community.pk}/members.csv{query}"


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_filtered_export(world: dict[str, Community]) -> None:
    response = client_for("dan").get(export_url(world["A"], "?city=上海"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = rows_of(response.content)
    assert header == [
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
    assert len(rows) == 1
    assert rows[0][2:4] == ["big", "上海"] and rows[0][5] == "投资人"
    assert rows[0][9] != ""  # u1 is in the test group
    [entry] = AuditLog.objects.filter(action="archive.export")
    assert entry.user is not None and entry.user.username == "dan"
    assert entry.details == {"filters": {"city": "上海"}, "rows": 1}


def test_unfiltered_export_has_everyone_and_one_audit_row_each(
    world: dict[str, Community],
) -> None:
    client = client_for("alice")
    for _ in range(2):
        _, *rows = rows_of(client.get(export_url(world["A"])).content)
        assert {r[3] for r in rows} == {"上海", "北京"}
    assert AuditLog.objects.filter(action="archive.export").count() == 2


def test_formula_cells_are_neutralised(world: dict[str, Community]) -> None:
    update_person(person("u2"), by="test", intro="=HYPERLINK(1)")
    _, *rows = rows_of(client_for("alice").get(export_url(world["A"], "?city=北京")).content)
    assert rows[0][6] == "'=HYPERLINK(1)"


def test_outsiders_get_404(world: dict[str, Community]) -> None:
    assert client_for("carol").get(export_url(world["A"])).status_code == 404
    assert client_for("bob").get(export_url(world["A"])).status_code == 404
    response = Client().get(export_url(world["A"]))
    assert response.status_code == 302
    assert not AuditLog.objects.filter(action="archive.export").exists()
