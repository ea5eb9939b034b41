"""In real Chromium: the profile shows the suggested tier beside the stored one, with
reasons; one click accepts it (and the audit log says so); the site has a favicon."""

from __future__ import annotations

import pytest
from playwright.sync_api import Response

from tests.browser.harness import Session, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


def test_profile_suggests_a_tier_and_one_click_accepts_it(session: Session) -> None:
    page, world = session.page, session.world
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    session.sign_in()
    page.goto(session.url(f"/members/{world.persons['u4']}/"))  # a lurker with no stored tier
    box = page.locator("#tier-suggestion[data-suggested]")  # loaded by htmx after the page
    box.wait_for()
    assert box.get_attribute("data-suggested") == "ordinary"
    assert box.get_by_role("heading", name="建议层级").is_visible()
    assert "档案层级: —" in box.inner_text()
    reasons = box.locator("ul.reasons li").all_inner_texts()
    assert "在任何群里都没有发过言。" in reasons
    box.get_by_role("button", name="采纳").click()
    page.wait_for_url(session.url(f"/members/{world.persons['u4']}/"))
    tier_row = page.locator("#person-card table.profile tr", has_text="层级")
    assert tier_row.inner_text().endswith("普通成员")
    page.locator("#tier-suggestion[data-suggested]").wait_for()
    assert page.locator("#tier-suggestion").get_by_role("button", name="采纳").count() == 0
    page.goto(session.url(f"/communities/{world.community_a}/audit/"))
    cells = page.locator("table.audit tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:3] == ["alice", "person.update"] and '"tier"' in cells[6]
    assert failed == []
    session.assert_clean()


def test_favicon_is_served(session: Session) -> None:
    page = session.page
    session.sign_in()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and icon.endswith(".svg")
    linked: Response = page.request.get(session.url(icon))
    assert linked.status == 200 and "svg" in linked.headers["content-type"]
    legacy = page.request.get(session.url("/favicon.ico"))  # what browsers ask for unasked
    assert legacy.status == 200 and legacy.body()[:4] == b"\x00\x00\x01\x00"
    session.assert_clean()
