"""The 接龙 pages: chains found in the messages and started here, the start form, the exports
read back (CSV and .xlsx, formula-safe), the API; chat text escaped everywhere.

World (``test_edit.build_world``): community A (Asia/Shanghai) with group g1 and
members u1, u2; alice owns A, erin assists A, dan views A, bob operates B.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shequn.chat.ingest import ingest
from shequn.community.actions import create_api_token
from shequn.community.models import AuditLog, Community, Group
from shequn.playbook.jielong_models import JielongChain
from shequn.playbook.models import Job
from tests.store.factories import message
from tests.web.test_edit import EVIL, build_world, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.store]

CHAIN = "#接龙 周六爬山\n1. 张三"


@pytest.fixture
def world() -> dict[str, Community]:
    world = build_world()
    ingest(
        [
            message(10, who="u1", text=CHAIN),
            message(11, who="u2", text=f'{CHAIN}\n2. =HYPERLINK("x")'),
            message(12, who="u1", text=f'{CHAIN}\n2. =HYPERLINK("x")\n3. {EVIL}'),
        ],
        world["A"],
    )
    return world


def g1() -> Group:
    return Group.objects.get(external_id="g1")


def test_the_page_shows_chains_found_in_the_messages(world: dict[str, Community]) -> None:
    page = client_for("dan").get(f"/groups/{g1().pk}/jielong/")
    assert page.status_code == 200
    chain = JielongChain.objects.get()
    assert chain.origin == "found" and len(chain.entries) == 3
    html = page.content.decode()
    assert f'href="/jielong/{chain.pk}/"' in html and 'id="jielong-form"' not in html  # a viewer
    detail = client_for("dan").get(f"/jielong/{chain.pk}/").content.decode()
    assert EVIL not in detail and "&lt;script&gt;" in detail
    assert "成员u2" in detail and "2026-03-01 20:11" in detail  # who joined, when (Shanghai)


def test_an_assistant_starts_a_chain_from_the_console(world: dict[str, Community]) -> None:
    form = {"title": f"读书会 {EVIL}", "description": "周三 19:00\n线上", "first": "erin"}
    response = client_for("erin").post(f"/groups/{g1().pk}/jielong/", form)
    chain = JielongChain.objects.get(origin="started")
    assert response.status_code == 302 and response["Location"] == f"/jielong/{chain.pk}/"
    assert chain.job is not None and chain.job.kind == "jielong_open"
    assert Job.objects.get(pk=chain.job.pk).payload["text"] == (
        f"#接龙 读书会 {EVIL}\n周三 19:00\n线上\n1. erin"
    )
    audit = AuditLog.objects.get(action="JielongStart")
    assert audit.user is not None and audit.user.username == "erin"
    listing = client_for("erin").get(f"/groups/{g1().pk}/jielong/").content.decode()
    assert EVIL not in listing and 'id="jielong-form"' in listing


@pytest.mark.parametrize(("field", "value"), [("title", ""), ("first", ""), ("title", "长" * 201)])
def test_a_bad_start_is_refused_on_its_field(
    world: dict[str, Community], field: str, value: str
) -> None:
    form = {"title": "读书会", "description": "", "first": "erin", field: value}
    response = client_for("erin").post(f"/groups/{g1().pk}/jielong/", form)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not JielongChain.objects.filter(origin="started").exists() and not Job.objects.exists()


def test_csv_export_reads_back_formula_safe(world: dict[str, Community]) -> None:
    client_for("dan").get(f"/groups/{g1().pk}/jielong/")
    chain = JielongChain.objects.get()
    response = client_for("dan").get(f"/jielong/{chain.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["序号", "内容", "添加人", "添加时间"]
    assert [r[:3] for r in rows[1:]] == [
        ["1", "张三", "成员u1"], ["2", "'=HYPERLINK(\"x\")", "成员u2"], ["3", EVIL, "成员u1"],
    ]  # fmt: skip
    assert rows[1][3] == "2026-03-01 20:10"
    assert AuditLog.objects.get(action="JielongExport").details == {"format": "csv", "rows": 3}


def test_xlsx_export_reads_back_formula_safe(world: dict[str, Community]) -> None:
    client_for("dan").get(f"/groups/{g1().pk}/jielong/")
    chain = JielongChain.objects.get()
    response = client_for("dan").get(f"/jielong/{chain.pk}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:4] == [1, "张三", "成员u1", "2026-03-01 20:10"]
    assert values[2][1] == '\'=HYPERLINK("x")' and sheet["B3"].data_type == "s"
    assert len(values) == 4


def test_the_api_lists_chains_with_their_entries(world: dict[str, Community]) -> None:
    from django.contrib.auth.models import User

    token = create_api_token(User.objects.get(username="dan"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    chains = api.get(f"/api/groups/{g1().pk}/jielong").json()
    assert [c["title"] for c in chains] == ["#接龙 周六爬山"]
    assert [(e["no"], e["text"], e["added_by"]) for e in chains[0]["entries"]] == [
        (1, "张三", "成员u1"), (2, '=HYPERLINK("x")', "成员u2"), (3, EVIL, "成员u1"),
    ]  # fmt: skip
