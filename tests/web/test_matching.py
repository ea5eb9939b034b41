"""The matching pages and API: who sees what, one-click introductions, opt-outs, escaping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import (
    create_api_token,
    get_or_create_community,
    grant_staff,
    update_person,
)
from shequn.community.models import Account, AuditLog, Group, Person
from shequn.playbook import matching_actions as act
from shequn.playbook.matching_models import Introduction, MatchingOptOut
from shequn.playbook.matching_profiles import forget
from shequn.playbook.models import Job
from tests.store.factories import T0, joined, message

# Profiles are read through their own connection: the rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<script>alert(1)</script>"


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    """Community A, group g1: u1 needs 清关, u2 offers it, u3 asked an (evil) question."""
    forget()
    a = get_or_create_community("社群A")
    events = [joined(1, "u1"), joined(2, "u2"), joined(3, "u3")]
    ingest([*events, message(4, who="u3", text=f"请问谁懂清关？{EVIL}")], a)
    update_person(person("u1"), by="test", needs=f"找清关渠道{EVIL}")
    update_person(person("u2"), by="test", offers="跨境电商物流，清关报关")
    group = Group.objects.get(external_id="g1")
    sender = Account.objects.get(external_id="u3")
    question = act.note_question(group, "m4", sender, f"请问谁懂清关？{EVIL}", T0)
    picked = [act.Suggested(person("u2").pk, 1.5, "王磊 offers 清关")]
    act.record_suggestions(
        question, picked, "notice", dry_run=False, now=T0 + timedelta(minutes=30)
    )
    for name, role in [("alice", "owner"), ("dan", "viewer"), ("erin", "assistant")]:
        grant_staff(User.objects.create_user(name), a, role, by="test")
    yield {"group": group, "community": a}
    forget()


def login(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_the_group_page_shows_questions_suggestions_and_matches_escaped(
    world: dict[str, Any],
) -> None:
    response = login("dan").get(f"/groups/{world['group'].pk}/matching/")
    assert response.status_code == 200
    page = response.content.decode()
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "请问谁懂清关" in page and "王磊 offers 清关" in page
    assert 'id="needs"' in page and "找清关渠道" in page
    assert "group_matching_introduce" not in page and "/matching/introduce/" not in page  # viewer


def test_an_operator_introduces_two_members_in_one_click(world: dict[str, Any]) -> None:
    group = world["group"]
    url = f"/groups/{group.pk}/matching/introduce/"
    body = {"person_a": person("u1").pk, "person_b": person("u2").pk, "need": "清关"}
    assert login("dan").post(url, body).status_code == 403
    response = login("erin").post(url, {**body, "dimension": "collaborated"})
    assert response.status_code == 302
    intro = Introduction.objects.get()
    assert (intro.dimension, intro.status, intro.created_by.username) == (  # type: ignore[union-attr]
        "collaborated", "pending", "erin",
    )  # fmt: skip
    assert Job.objects.filter(kind="matching_intro", payload__introduction=intro.pk).exists()
    row = AuditLog.objects.get(action="matching.introduce")
    assert row.user is not None and row.user.username == "erin"
    bad = login("erin").post(url, {**body, "person_b": 999999})
    assert bad.status_code == 400 and "person_a" in bad.content.decode()
    bad = login("erin").post(url, {**body, "text": "{secret}"})
    assert bad.status_code == 400 and "{name}" in bad.content.decode()
    assert Introduction.objects.count() == 1


def test_acceptance_by_both_records_the_tie(world: dict[str, Any]) -> None:
    group = world["group"]
    intro = act.introduce(
        group, person("u1"), person("u2"), need="", reason="", text="{name}",
        dimension="friend", user=None, by="test",
    )  # fmt: skip
    act.mark_delivered(intro, True, T0)
    url = f"/groups/{group.pk}/matching/accept/"
    client = login("alice")
    assert (
        client.post(url, {"introduction": intro.pk, "person": person("u3").pk}).status_code == 400
    )
    for who in ("u1", "u2"):
        assert (
            client.post(url, {"introduction": intro.pk, "person": person(who).pk}).status_code
            == 302
        )
    intro.refresh_from_db()
    assert intro.status == "accepted" and intro.tie is not None and intro.tie.source == "matching"


def test_the_member_page_shows_the_profile_with_evidence_and_the_opt_out(
    world: dict[str, Any],
) -> None:
    u2 = person("u2")
    page = login("dan").get(f"/members/{u2.pk}/matching/").content.decode()
    assert "跨境电商物流" in page and "offers" in page
    u1_page = login("dan").get(f"/members/{person('u1').pk}/matching/").content.decode()
    assert "&lt;script&gt;" in u1_page and EVIL not in u1_page
    assert f"/members/{u2.pk}/matching/" in u1_page  # u2 meets u1's need
    url = f"/members/{u2.pk}/matching/opt-out/"
    assert login("erin").post(url, {"opt_out": "1"}).status_code == 403  # assistants may not
    assert login("alice").post(url, {"opt_out": "yes"}).status_code == 400
    assert login("alice").post(url, {"opt_out": "1"}).status_code == 302
    assert MatchingOptOut.objects.filter(person=u2).exists()
    assert AuditLog.objects.filter(action="matching.opt_out", person=u2).count() == 1
    u1_page = login("dan").get(f"/members/{person('u1').pk}/matching/").content.decode()
    assert f"/members/{u2.pk}/matching/" not in u1_page


def test_the_api_gives_profiles_questions_and_the_digest(world: dict[str, Any]) -> None:
    token = create_api_token(User.objects.get(username="dan"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    profile = client.get(f"/api/members/{person('u1').pk}/matching").json()
    assert profile["needs"].startswith("找清关渠道") and not profile["opted_out"]
    assert profile["matches"][0]["person_id"] == person("u2").pk
    assert profile["matches"][0]["evidence"][0]["source"] == "offers"
    questions = client.get(f"/api/groups/{world['group'].pk}/questions").json()
    [q] = questions["items"]
    assert q["text"].endswith(EVIL) and q["asker_person_id"] == person("u3").pk
    assert q["suggestions"][0]["outcome"] == "pending" and q["suggestions"][0]["via"] == "notice"
    group = client.get(f"/api/groups/{world['group'].pk}/matching").json()
    assert group["figures"]["questions"] == 0  # the question is from T0, outside 30 days
    assert group["needs"][0]["person_id"] == person("u1").pk


def test_the_api_introduces_after_checking_the_role(world: dict[str, Any]) -> None:
    url = f"/api/groups/{world['group'].pk}/introductions"
    body = {"person_a": person("u1").pk, "person_b": person("u2").pk, "need": "清关"}
    tokens = {n: create_api_token(User.objects.get(username=n)) for n in ("dan", "erin")}

    def post(who: str, data: dict[str, Any]) -> Any:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")
        return client.post(url, data, content_type="application/json")

    assert post("dan", body).status_code == 403
    assert post("erin", {**body, "person_b": 999999}).status_code == 422
    assert "dimension" in post("erin", {**body, "dimension": "phone"}).json()["detail"]
    made = post("erin", body)
    assert made.status_code == 200 and made.json()["status"] == "pending"
    intro = Introduction.objects.get()
    assert intro.created_by is not None and intro.created_by.username == "erin"
    assert AuditLog.objects.get(action="matching.introduce").rule == "api"
