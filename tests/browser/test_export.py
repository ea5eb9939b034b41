"""Exporting the member archive from the list page in Chromium, and reading the file back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from tests.browser.harness import EVIL_NICK, Session, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


def download(session: Session, link_href_prefix: str) -> Path:
    """Click the list page's link whose address starts with the prefix; the saved file."""
    link = session.page.locator(f"a[href^='{link_href_prefix}']").first
    with session.page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert path is not None
    return Path(path)


def open_filtered_list(session: Session, query: str) -> None:
    session.sign_in()
    session.page.goto(session.url(f"/communities/{session.world.community_a}/members/{query}"))


def test_csv_export_reads_back(session: Session) -> None:
    world = session.world
    open_filtered_list(session, "")
    session.page.get_by_role("link", name="导出 CSV").wait_for()
    path = download(session, f"/communities/{world.community_a}/members.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    header, *rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert header[:3] == ["number", "name", "tier"]
    by_name = {r[1]: r for r in rows}
    assert set(by_name) == {f"成员u{i}" for i in range(1, 9)} | {EVIL_NICK}
    assert by_name["成员u1"][2:4] == ["big", "上海"] and by_name["成员u1"][5] == "投资人"
    # The export follows the list's filters.
    session.page.goto(session.url(f"/communities/{world.community_a}/members/?tier=mid"))
    path = download(session, f"/communities/{world.community_a}/members.csv")
    _, *rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[1] for r in rows] == ["成员u2"]
    session.assert_clean()


def xlsx_export_path(community_id: int) -> str | None:
    """The .xlsx export's address: its own URL name, else the CSV view with ?format=xlsx."""
    try:
        return reverse("member_export_xlsx", args=[community_id])
    except NoReverseMatch:
        return None


def test_xlsx_export_reads_back(session: Session) -> None:
    world = session.world
    path_prefix = xlsx_export_path(world.community_a)
    if path_prefix is None:
        pytest.skip("xlsx export not built yet")
    open_filtered_list(session, "")
    path = download(session, path_prefix)
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    rows = [
        [("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    header, *body = rows
    name_col = next(
        i for i, h in enumerate(header) if h.lower() in {"name", "姓名", "名字", "昵称"}
    )
    names = {r[name_col] for r in body}
    assert names == {f"成员u{i}" for i in range(1, 9)} | {EVIL_NICK}
    assert any("上海" in r and "投资人" in "".join(r) for r in body)
    session.assert_clean()
