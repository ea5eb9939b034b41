"""The console in real Chromium: sign in, overview, charts, an audited edit, language.

Every test ends with no dialog, no script error and no console error on any page
it opened (a Content-Security-Policy violation is a console error too).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.harness import GROUP_NAME, PASSWORD, Session, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
CHART = ".js-plotly-plot .main-svg"


def test_sign_in_then_overview(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in("alice", "not the password")
    assert page.locator("p.error").inner_text() == "用户名或密码错误。"
    session.sign_in("alice", PASSWORD)
    assert page.url == session.url("/")
    assert page.locator("header .who").inner_text() == "alice"
    section = page.locator("section.card", has_text="社群A")
    assert section.get_by_role("link", name="群友档案").is_visible()
    row = section.locator(f"tr[data-group='{world.group}']")
    assert row.get_by_role("link", name=GROUP_NAME).is_visible()
    assert row.get_attribute("data-light") in {"red", "amber", "green"}
    assert "社群B" not in page.locator("main").inner_text()  # alice has no role in B
    session.assert_clean()


def test_signed_out_visitor_is_sent_to_sign_in(session: Session) -> None:
    session.page.goto(session.url(f"/communities/{session.world.community_a}/members/"))
    assert session.page.url.startswith(session.url("/login/"))
    assert session.page.get_by_role("heading", name="登录").is_visible()
    session.assert_clean()


def test_group_page_draws_its_charts(session: Session) -> None:
    page = session.page
    session.sign_in()
    page.get_by_role("link", name=GROUP_NAME).click()  # from the overview
    page.wait_for_url(session.url(reverse("group", args=[session.world.group])))
    page.locator(CHART).first.wait_for(state="visible")
    assert page.locator(".js-plotly-plot").count() >= 2
    # Drawn, not merely laid out: the first chart has traces with marks in them.
    assert page.locator(".js-plotly-plot").first.locator("g.trace").count() >= 1
    session.assert_clean()


def test_printable_report_draws_its_charts(session: Session) -> None:
    page = session.page
    session.sign_in()
    page.goto(session.url(reverse("group_report", args=[session.world.group])))
    page.locator(CHART).first.wait_for(state="visible")
    assert page.locator(".js-plotly-plot").first.locator("g.trace").count() >= 1
    session.assert_clean()


def test_tier_edit_shows_in_audit_log(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(f"/members/{world.persons['u2']}/"))
    card = page.locator("#person-card")
    assert card.locator("table.profile tr", has_text="层级").inner_text().endswith("中咖")
    card.locator("select[name=tier]").select_option("big")
    card.locator("button[type=submit]").click()
    page.locator("#person-card p.saved").wait_for()  # htmx swapped the card in place
    assert page.url == session.url(f"/members/{world.persons['u2']}/")
    tier_row = page.locator("#person-card table.profile tr", has_text="层级")
    assert tier_row.inner_text().endswith("大咖")
    page.goto(session.url(f"/communities/{world.community_a}/audit/"))
    newest = page.locator("table.audit tbody tr").first
    cells = newest.locator("td").all_inner_texts()
    assert cells[1:3] == ["alice", "person.update"]
    assert cells[3].endswith("成员u2") and '"tier"' in cells[6]
    page.reload()  # and it stays after a reload, i.e. it was stored
    assert page.locator("table.audit tbody tr").first.locator("td").nth(1).inner_text() == "alice"
    session.assert_clean()


def test_switch_to_english_and_back(session: Session) -> None:
    page = session.page
    session.sign_in()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name="退出登录").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url == session.url("/")  # back where the switch was made
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("link", name="Member archive").click()
    page.wait_for_load_state()
    assert "Member archive" in page.locator("h1").inner_text()  # the choice follows the user
    assert page.get_by_role("link", name="Export CSV").is_visible()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert "群友档案" in page.locator("h1").inner_text()
    session.assert_clean()
