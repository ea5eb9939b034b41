"""The profile's suggested tier: shown with its reasons, accepted in one click (audited),
refused when stale or without the power, and returned by the API's member read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import (
    add_link,
    create_api_token,
    get_or_create_community,
    grant_staff,
)
from shequn.community.models import Account, AuditLog, Person
from tests.store.factories import T0, joined, message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

MEMBERS = 20  # 5% of 20: one big name; the next 20%: four mid


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


@pytest.fixture
def world() -> dict[str, Any]:
    """g1: u1 asks, u2..u20 each answer u1 (so u1 reaches everyone); u21 never speaks.

    u3 has recorded ties (met offline) with five members.
    """
    a = get_or_create_community("社群A")
    events: list[Any] = [joined(i, f"u{i}") for i in range(1, MEMBERS + 2)]
    events.append(message(100, who="u1", text="谁能推荐一个会计？"))
    events += [
        message(100 + i, who=f"u{i}", text="我认识一位", reply_to="m100")
        for i in range(2, MEMBERS + 1)
    ]
    ingest(events, a)
    for i in range(4, 9):
        add_link(person("u3"), person(f"u{i}"), "met_offline", "operator", T0)
    for name, role in [("alice", "owner"), ("dan", "viewer")]:
        grant_staff(User.objects.create_user(name), a, role, by="test")
    User.objects.create_user("carol")
    return {"A": a}


def client_for(username: str, lang: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(User.objects.get(username=username))
    return client


def section(html: str) -> str:
    found = re.search(r'<section class="card" id="tier-suggestion".*?</section>', html, re.S)
    assert found is not None, "no suggested-tier section on the profile"
    return found.group(0)


def profile(who: str, external_id: str, lang: str = "zh-hans") -> str:
    """The suggested-tier section, as the profile page loads it (htmx, after the page)."""
    client = client_for(who, lang)
    page = client.get(f"/members/{person(external_id).pk}/").content.decode()
    lazy = f'hx-get="/members/{person(external_id).pk}/tier/" hx-trigger="load"'
    assert lazy in section(page)  # the profile does not wait for the groups' reports
    response = client.get(f"/members/{person(external_id).pk}/tier/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return section(response.content.decode())


def accept(who: str, external_id: str, tier: str) -> Any:
    url = f"/members/{person(external_id).pk}/tier/accept/"
    return client_for(who).post(url, {"tier": tier})


def test_profile_shows_the_suggestion_and_why(world: dict[str, Any]) -> None:
    html = profile("alice", "u1")
    assert 'data-suggested="big"' in html
    assert "灵魂人物" in html  # the soul figure reason, in Chinese by default
    assert "来自 19 人" in html  # people reached
    assert 'name="tier" value="big"' in html  # the one-click accept
    english = profile("alice", "u1", lang="en")
    assert "Soul figure of" in english and "people" in english


def test_ties_make_mid_and_silence_stays_ordinary(world: dict[str, Any]) -> None:
    assert 'data-suggested="mid"' in profile("alice", "u3")
    silent = profile("alice", "u21")
    assert 'data-suggested="ordinary"' in silent
    assert "没有发过言" in silent


def test_accept_sets_the_tier_and_audits_it(world: dict[str, Any]) -> None:
    response = accept("alice", "u1", "big")
    assert response.status_code == 302
    assert person("u1").tier == "big"
    row = AuditLog.objects.get(action="person.update", person=person("u1"))
    assert row.rule == "tier_suggestion" and row.user is not None
    assert row.user.username == "alice" and row.details["fields"] == ["tier"]
    html = profile("alice", "u1")
    assert 'name="tier"' not in html  # nothing left to accept


def test_a_stale_suggestion_is_not_written(world: dict[str, Any]) -> None:
    response = accept("alice", "u1", "mid")  # the page said big; someone posts mid
    assert response.status_code == 409
    assert person("u1").tier == ""
    assert not AuditLog.objects.filter(action="person.update").exists()
    assert 'data-suggested="big"' in response.content.decode()


def test_bad_tier_is_refused_naming_the_field(world: dict[str, Any]) -> None:
    response = accept("alice", "u1", "huge")
    assert response.status_code == 400 and b"tier" in response.content
    assert person("u1").tier == ""


def test_viewer_sees_the_suggestion_but_may_not_accept(world: dict[str, Any]) -> None:
    html = profile("dan", "u1")
    assert 'data-suggested="big"' in html and 'name="tier"' not in html
    assert accept("dan", "u1", "big").status_code == 403
    assert accept("carol", "u1", "big").status_code == 404
    assert person("u1").tier == ""


def test_api_member_read_carries_the_suggestion(world: dict[str, Any]) -> None:
    token = create_api_token(User.objects.get(username="dan"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get(f"/api/members/{person('u1').pk}").json()
    suggestion = body["tier_suggestion"]
    assert suggestion["tier"] == "big"
    codes = [r["code"] for r in suggestion["reasons"]]
    assert codes[0] == "soul_figure" and "group_rank" in codes
    rank = next(r for r in suggestion["reasons"] if r["code"] == "group_rank")
    assert rank["figures"]["reach"] == MEMBERS - 1
    assert rank["text"]
