"""The funnel page and API show the analytics' numbers to anyone in the community, 404 outside.

The world is ``tests/analytics/test_funnel_store.build_funnel_world`` (joined 4, free 3,
trial 1, paid 2); alice owns it, dan views it, bob has a role elsewhere only.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shequn.analytics.funnel_load import community_funnel
from shequn.community.actions import create_api_token, get_or_create_community, grant_staff
from shequn.community.models import Community, Person
from tests.analytics.test_funnel_store import build_funnel_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def community() -> Community:
    found = build_funnel_world()
    other = get_or_create_community("别的社群")
    for name, where, role in (("alice", found, "owner"), ("dan", found, "viewer"),
                              ("bob", other, "operator")):  # fmt: skip
        grant_staff(User.objects.create_user(name), where, role, by="test")
    return found


def _page(who: str, url: str) -> Any:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=who))
    return client.get(url)


def test_the_page_shows_the_funnel_with_names_escaped(community: Community) -> None:
    Person.objects.filter(accounts__external_id="u1").update(display_name=EVIL)
    response = _page("dan", f"/communities/{community.pk}/funnel/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="funnel-cohorts"' in text and "<td>2026-03</td>" in text
    assert '<td class="num">4</td><td class="num">3</td><td class="num">1</td>' in text
    assert EVIL not in text and "&lt;script&gt;" in text  # u1 is u2's inviter
    assert "按批次（首次入群月份）" in text and "种子成员" in text  # Chinese by default
    assert _page("bob", f"/communities/{community.pk}/funnel/").status_code == 404


def test_a_community_without_a_free_group_is_told_how_to_get_one(community: Community) -> None:
    community.groups.filter(kind="free").update(kind="social")
    text = _page("alice", f"/communities/{community.pk}/funnel/").content.decode()
    assert "funnel-cohorts" not in text and "funnel-totals" not in text


def test_the_api_gives_the_same_numbers(community: Community) -> None:
    token = create_api_token(User.objects.get(username="dan"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = api.get(f"/api/communities/{community.pk}/funnel").json()
    expected = community_funnel(community.pk, timezone.now()).as_dict()
    for table in ("cohorts", "by_tier", "by_activity", "by_inviter", "by_time", "seeds"):
        assert body[table] == expected[table], table
    assert body["totals"]["paid"] == 2
    early = api.get(f"/api/communities/{community.pk}/funnel?at=2026-03-05T00:00:00Z").json()
    assert early["totals"]["paid"] == 0 and early["totals"]["free"] == 3
    bob = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(User.objects.get(username='bob'))}")
    assert bob.get(f"/api/communities/{community.pk}/funnel").status_code == 404
