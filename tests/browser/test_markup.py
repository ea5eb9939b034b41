"""Untrusted chat text in Chromium: a nickname and a message that are markup show as text.

u9's nickname is ``<img src=x onerror=alert(1)>`` and u2 once said
``<script>alert(1)</script>``. Were either rendered as markup, the image's
error handler or the script would open an alert dialog; the session records
every dialog, uncaught error and console error, and the test fails on any.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.harness import EVIL_NICK, EVIL_TEXT, Session, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
CHART = ".js-plotly-plot .main-svg"


def settle(page: Page) -> None:
    """Wait until the page has loaded everything it asked for (a broken image included)."""
    page.wait_for_load_state("networkidle")


def no_injected_elements(page: Page) -> None:
    assert page.locator("img[src='x']").count() == 0
    scripts = page.locator("script").all_text_contents()
    assert not any("alert(1)" in s for s in scripts)


def test_member_list_and_profiles_show_markup_as_text(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(f"/communities/{world.community_a}/members/"))
    settle(page)
    assert page.locator("table.members").get_by_role("link", name=EVIL_NICK).is_visible()
    no_injected_elements(page)
    page.locator("table.members").get_by_role("link", name=EVIL_NICK).click()
    settle(page)
    assert page.url == session.url(f"/members/{world.persons['u9']}/")
    assert page.locator("h1").inner_text().endswith(EVIL_NICK)
    no_injected_elements(page)
    page.goto(session.url(f"/members/{world.persons['u2']}/"))
    settle(page)
    assert page.locator("table.messages").get_by_text(EVIL_TEXT, exact=True).is_visible()
    no_injected_elements(page)
    session.assert_clean()


def test_group_page_and_report_show_markup_as_text(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(reverse("group", args=[world.group])))
    page.locator(CHART).first.wait_for(state="visible")
    settle(page)
    assert page.get_by_role("link", name=EVIL_NICK).first.is_visible()  # e.g. in recent joins
    no_injected_elements(page)
    page.goto(session.url(reverse("group_report", args=[world.group])))
    page.locator(CHART).first.wait_for(state="visible")
    settle(page)
    no_injected_elements(page)
    session.assert_clean()
