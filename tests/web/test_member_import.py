"""Importing members from .xlsx/.csv: preview, apply all or nothing, bad rows, who may.

World (``test_edit.build_world``): A with u1 (#1: big, 上海, 投资人) and u2 (#2: mid,
北京, 教育); alice owns A, bob operates B, dan views A, erin assists A, carol has
no role. Uploads are kept under a temporary data directory.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from shequn.community.actions import grant_staff
from shequn.community.models import AuditLog, Community, Person, Tag
from tests.web.test_edit import EVIL, build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> dict[str, Community]:
    settings.DATA_DIR = tmp_path
    return build_world()


def import_url(c: Community) -> str:
    return f"/communities/{c.pk}/members/import/"


def xlsx(rows: list[list[Any]]) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("members.xlsx", buffer.getvalue())


def csv_file(text: str, encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile("members.csv", text.encode(encoding))


def upload(client: Client, c: Community, f: SimpleUploadedFile) -> Any:
    return client.post(import_url(c), {"file": f})


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(token|digest)" value="([^"]*)"', html))


def stored(tmp: Path) -> list[Path]:
    folder = tmp / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def changed_persons() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="person.update", rule="import"))


def test_round_trip_of_an_exported_file(world: dict[str, Community], tmp_path: Path) -> None:
    alice = client_for("alice")
    content = alice.get(f"/communities/{world['A'].pk}/members.xlsx").content
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    sheet["C2"], sheet["F2"], sheet["D3"] = "中咖", "投资人、导师", "深圳"  # u1 tier+tags, u2 city
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(alice, world["A"], SimpleUploadedFile("edited.xlsx", buffer.getvalue()))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "<td>tier</td><td>big</td><td>mid</td>" in html
    assert "<td>city</td><td>北京</td><td>深圳</td>" in html
    assert "新标签: 导师" in html.replace("：", ": ")
    assert len(stored(tmp_path)) == 2  # the file and its record, server-side
    assert person("u1").tier == "big"  # a preview writes nothing
    applied = alice.post(f"{import_url(world['A'])}apply/", hidden(html))
    assert applied.status_code == 200 and "已更新 2 位成员" in applied.content.decode()
    u1, u2 = person("u1"), person("u2")
    assert u1.tier == "mid" and set(u1.tags.values_list("name", flat=True)) == {"投资人", "导师"}
    assert u2.city == "深圳" and u2.tier == "mid"
    rows = changed_persons()
    assert sorted(r.person_id for r in rows) == sorted([u1.pk, u2.pk])
    assert all(r.user is not None and r.user.username == "alice" for r in rows)
    [summary] = AuditLog.objects.filter(action="archive.import")
    assert summary.details == {"persons": 2} and summary.target == "edited.xlsx"
    assert stored(tmp_path) == []
    again = alice.post(f"{import_url(world['A'])}apply/", hidden(html))
    assert again.status_code == 400 and len(changed_persons()) == 2  # a token works once


def test_csv_by_account_in_gbk_with_empty_cells_clearing(world: dict[str, Community]) -> None:
    text = "platform,account,industry,notes,intro\ntest,u2,,重点跟进,'=不是公式\n"
    alice = client_for("alice")
    html = upload(alice, world["A"], csv_file(text, "gb18030")).content.decode()
    assert "<td>industry</td><td>教育</td><td>—</td>" in html
    alice.post(f"{import_url(world['A'])}apply/", hidden(html))
    u2 = person("u2")
    assert (u2.industry, u2.notes, u2.intro) == ("", "重点跟进", "=不是公式")
    assert u2.city == "北京"  # a column absent is left alone


def test_bad_rows_are_listed_and_nothing_applied(
    world: dict[str, Community], tmp_path: Path
) -> None:
    rows = [
        ["number", "tier", "city"],
        [1, "mid", "杭州"],  # fine on its own
        [2, "legendary", ""],  # unknown tier
        [99, "big", ""],  # unknown member number
        ["", "", "成都"],  # no key
        [1, "big", ""],  # u1 twice
    ]
    response = upload(client_for("alice"), world["A"], xlsx(rows))
    html = response.content.decode()
    assert response.status_code == 400
    errors = dict(re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td></tr>', html))
    assert set(errors) == {"3", "4", "5", "6"}
    assert "legendary" in errors["3"] and "#99" in errors["4"]
    assert "number" in errors["5"] and "第 2 行" in errors["6"]
    assert 'name="token"' not in html and stored(tmp_path) == []
    assert person("u1").city == "上海" and changed_persons() == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (["number", "colour"], "colour"),
        (["tier", "city"], "number"),
        (["number", "tier", "Tier"], "tier"),
    ],
    ids=["unknown-column", "no-key", "twice"],
)
def test_a_wrong_header_refuses_the_file(
    world: dict[str, Community], header: list[str], reason: str
) -> None:
    response = upload(client_for("alice"), world["A"], xlsx([header, [1, "x", "y"]]))
    html = response.content.decode()
    assert response.status_code == 400 and reason in html and 'class="error"' in html
    assert changed_persons() == []


@pytest.mark.parametrize(
    "f",
    [
        SimpleUploadedFile("members.txt", b"number\n1\n"),
        SimpleUploadedFile("members.xlsx", b"not a zip at all"),
        SimpleUploadedFile("members.csv", b""),
    ],
    ids=["extension", "broken-xlsx", "empty"],
)
def test_unreadable_files_are_refused(world: dict[str, Community], f: SimpleUploadedFile) -> None:
    response = upload(client_for("alice"), world["A"], f)
    assert response.status_code == 400 and 'class="error' in response.content.decode()


def test_the_kept_file_is_not_trusted_from_the_client(
    world: dict[str, Community], tmp_path: Path
) -> None:
    alice = client_for("alice")
    html = upload(alice, world["A"], csv_file("number,tier\n1,ordinary\n")).content.decode()
    form = hidden(html)
    apply = f"{import_url(world['A'])}apply/"
    assert alice.post(apply, {**form, "token": "../../etc/passwd"}).status_code == 400
    frank = User.objects.create_user("frank")
    grant_staff(frank, world["A"], "owner", by="test")
    other = Client()
    other.force_login(frank)
    assert other.post(apply, form).status_code == 400  # not frank's upload
    data = next(p for p in stored(tmp_path) if p.suffix == ".data")
    data.write_bytes(b"number,tier\n2,big\n")  # changed on disk: the hash no longer matches
    assert alice.post(apply, form).status_code == 400
    assert changed_persons() == [] and person("u1").tier == "big"


def test_a_change_since_the_preview_asks_again(world: dict[str, Community]) -> None:
    alice = client_for("alice")
    html = upload(alice, world["A"], csv_file("number,city\n1,杭州\n")).content.decode()
    Person.objects.filter(pk=person("u1").pk).update(city="苏州")
    response = alice.post(f"{import_url(world['A'])}apply/", hidden(html))
    assert response.status_code == 409 and "苏州" in response.content.decode()
    assert person("u1").city == "苏州" and changed_persons() == []
    retry = alice.post(f"{import_url(world['A'])}apply/", hidden(response.content.decode()))
    assert retry.status_code == 200 and person("u1").city == "杭州"


def test_who_may_import(world: dict[str, Community]) -> None:
    for name, status in [("dan", 403), ("erin", 403), ("bob", 404), ("carol", 404)]:
        client = client_for(name)
        assert client.get(import_url(world["A"])).status_code == status, name
        f = csv_file("number,tier\n1,mid\n")
        assert upload(client, world["A"], f).status_code == status, name
        assert client.post(f"{import_url(world['A'])}apply/", {}).status_code == status, name
    response = Client().get(import_url(world["A"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client_for("bob").get(import_url(world["B"])).status_code == 200
    assert person("u1").tier == "big"


def test_preview_escapes_cells(world: dict[str, Community]) -> None:
    html = upload(client_for("alice"), world["A"], csv_file(f"number,city\n1,x\n2,{EVIL}\n"))
    text = html.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and EVIL not in text


def test_new_tags_are_named(world: dict[str, Community]) -> None:
    html = upload(client_for("alice"), world["A"], csv_file("number,tags\n2,投资人，新标签\n"))
    text = html.content.decode()
    assert "(新建: 新标签)" in text and "新标签: 新标签" in text.replace("：", ": ")
    assert not Tag.objects.filter(name="新标签").exists()
