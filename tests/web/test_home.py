"""Who sees what on the home page: owner, member of staff elsewhere, outsider."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from tests.store.factories import message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


@pytest.fixture
def two_communities() -> None:
    ours = get_or_create_community("我们的社群")
    theirs = get_or_create_community("别人的社群")
    ingest([message(1, group="ours"), message(2, group="ours")], ours)
    ingest([message(1, group="theirs")], theirs)
    owner = User.objects.create_user("owner", password="pw-owner-1")
    outsider = User.objects.create_user("outsider", password="pw-outsider-1")
    grant_staff(owner, ours, "owner", by="test")
    grant_staff(outsider, theirs, "viewer", by="test")


def page(username: str, password: str, language: str = "zh-hans") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username=username, password=password)
    return client.get("/").content.decode()


def test_owner_sees_own_community_only(two_communities: None) -> None:
    html = page("owner", "pw-owner-1")
    assert "我们的社群" in html and "别人的社群" not in html


def test_outsider_does_not_see_our_groups(two_communities: None) -> None:
    html = page("outsider", "pw-outsider-1")
    assert "别人的社群" in html and "我们的社群" not in html


def test_anonymous_is_sent_to_sign_in(two_communities: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_english_is_available(two_communities: None) -> None:
    html = page("owner", "pw-owner-1", language="en")
    assert "Members" in html and "成员" not in html


def test_group_names_are_escaped() -> None:
    community = get_or_create_community("<b>社群</b>")
    ingest([message(1, group="x")], community)
    User.objects.create_superuser("root", password="pw-root-1")
    html = page("root", "pw-root-1")
    assert "&lt;b&gt;社群&lt;/b&gt;" in html and "<b>社群</b>" not in html


@pytest.mark.django_db(transaction=True)
def test_group_report_only_for_those_who_may_see_the_group(two_communities: None) -> None:
    from shequn.community.models import Group

    ours = Group.objects.get(external_id="ours")
    owner = Client()
    assert owner.login(username="owner", password="pw-owner-1")
    page = owner.get(f"/groups/{ours.pk}/report/")
    assert page.status_code == 200 and "群健康报告" in page.content.decode()
    outsider = Client()
    assert outsider.login(username="outsider", password="pw-outsider-1")
    assert outsider.get(f"/groups/{ours.pk}/report/").status_code == 404
