"""The growth page in real Chromium: the referral tree is drawn, an invite code gets its poster.

Uses the browser suite's live server and page (``tests.browser.conftest``) with a
world of its own: u1 brings u2, u3 and u9 (whose nickname is markup), u2 brings u4.
Ends with no dialog, no script error and no console error (a CSP violation is one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Account, Group
from shequn.events import Actor, JoinHow, MemberJoined
from tests.browser.conftest import session
from tests.browser.harness import EVIL_NICK, PASSWORD, T0, Session, World, chat, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
__all__ = ["session"]  # the browser suite's page fixture, on this module's world
BROUGHT = {"u2": "u1", "u3": "u1", "u9": "u1", "u4": "u2"}


def joins() -> list[MemberJoined]:
    """The chat's members join again in a second group g2, this time brought by each other."""
    out = []
    for n, who in enumerate(["u1", *BROUGHT]):
        by = BROUGHT.get(who)
        member = Actor(id=who, name=EVIL_NICK if who == "u9" else f"成员{who}")
        inviter = Actor(id=by, name=f"成员{by}") if by else None
        out.append(MemberJoined(platform="test", group="g2", event_id=f"g2-{who}",
                                at=T0 - timedelta(days=5, minutes=-n), actor=inviter or member,
                                member=member, how=JoinHow.INVITE if by else JoinHow.LINK,
                                inviter=inviter))  # fmt: skip
    return out


@pytest.fixture
def world(transactional_db: None, settings: Any) -> Iterator[World]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest([*joins(), *chat()], a)
    grant_staff(User.objects.create_user("alice", password=PASSWORD), a, "owner", by="test")
    persons = {acc.external_id: acc.person_id for acc in Account.objects.filter(community=a)}
    group = Group.objects.get(community=a, external_id="g1")
    yield World(community_a=a.pk, community_b=b.pk, group=group.pk, persons=persons)
    cache.clear()


def test_growth_page_draws_the_tree_and_makes_a_poster(session: Session) -> None:
    page, world = session.page, session.world
    session.sign_in()
    page.goto(session.url(f"/communities/{world.community_a}/growth/"))
    tree = page.locator("#tree [data-figure][data-drawn='1'] svg.main-svg").first
    tree.wait_for(state="visible")
    assert page.locator("#tree g.slice").count() == 5  # u1, u2, u3, u9, u4
    labels = page.locator("#tree").inner_text()
    assert "成员u1" in labels and EVIL_NICK in labels  # markup shown as text, never run
    assert page.locator("#inviters tbody tr").count() == 2
    page.fill("#codes input[name=number]", "1")
    page.fill("#codes input[name=campaign]", "春季裂变")
    page.locator("#codes button[type=submit]").click()
    poster = page.locator("#poster")
    poster.wait_for(state="visible")
    assert "春季裂变" in poster.inner_text() and "诚邀你加入" in poster.inner_text()
    session.assert_clean()
