"""Fixtures for the browser tests: committed data, a live server and a watched Chromium page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from playwright.sync_api import sync_playwright

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff, update_person
from shequn.community.models import Account, Group
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SCREENSHOTS,
    Session,
    World,
    chat,
    screenshot_name,
)


@pytest.fixture
def world(transactional_db: None, settings: Any) -> Iterator[World]:
    """Community A (alice owner, dan viewer) with one group g1; B (bob operator); carol: none.

    Committed (the live server reads from its own thread), with a fast password
    hasher so that signing in costs milliseconds, and an empty cache either side.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest(chat(), a)
    persons = {acc.external_id: acc.person_id for acc in Account.objects.filter(community=a)}
    u1 = Account.objects.get(community=a, external_id="u1").person
    update_person(u1, by="test", tier="big", city="上海", tags=["投资人"])
    u2 = Account.objects.get(community=a, external_id="u2").person
    update_person(u2, by="test", tier="mid", industry="教育", tags=["创业者"])
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name, password=PASSWORD), community, role, by="test")
    User.objects.create_user("carol", password=PASSWORD)
    group = Group.objects.get(community=a, external_id="g1")
    yield World(community_a=a.pk, community_b=b.pk, group=group.pk, persons=persons)
    cache.clear()


@pytest.fixture
def session(world: World, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Session]:
    """A fresh Chromium page (Chinese browser locale) on the live server; screenshot at the end.

    Started after ``world`` and stopped before the database is flushed (see harness).
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium and fonts-wqy-zenhei")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # No connection of this thread may stay open while the server reads analytics
    # through connectorx on SQLite: see test_store_threads.py (a bug, worked around here).
    connection.close()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
                accept_downloads=True,
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            current = Session(page=page, base_url=live_server.url, world=world)
            current.watch()
            yield current
            page.screenshot(
                path=str(SCREENSHOTS / screenshot_name(request.node.name)), full_page=True
            )
        finally:
            browser.close()
