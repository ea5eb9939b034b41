"""Editing a member from the profile: who may, what is validated, what the audit log says.

Assistants ("note") get a notes-only form; a POST from an assistant that carries
any other archive field (tier, tags, …) is refused with 403 and changes nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff, update_person
from shequn.community.models import Account, AuditLog, Community, Person
from shequn.web.edit import split_tags
from tests.store.factories import joined, message

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL = "<script>alert(1)</script>"


def build_world() -> dict[str, Community]:
    """Community A (u1, u2) and B (b1); alice owns A, bob operates B, dan views A,
    erin assists A, carol has no role."""
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest([joined(1, "u1"), joined(2, "u2"), message(3, who="u1")], a)
    ingest([message(1, who="b1", group="gb")], b)
    update_person(person("u1"), by="test", tier="big", city="上海", tags=["投资人"])
    update_person(person("u2"), by="test", tier="mid", city="北京", industry="教育")
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
        ("erin", a, "assistant"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    return {"A": a, "B": b}


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


def client_for(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    return client


def edit_url(p: Person) -> str:
    return f"/members/{p.pk}/edit/"


def full_form(**changes: str) -> dict[str, str]:
    data = {
        "tier": "big",
        "tags": "投资人",
        "city": "上海",
        "industry": "",
        "intro": "",
        "needs": "",
        "offers": "",
        "notes": "",
    }
    data.update(changes)
    return data


def updates() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="person.update", user__isnull=False))


def test_split_tags_accepts_chinese_commas() -> None:
    assert split_tags("投资人, 创业者，教育、 投资人 ,,") == ["投资人", "创业者", "教育"]


def test_alice_edits_a_member(world: dict[str, Community]) -> None:
    p1 = person("u1")
    alice = client_for("alice")
    response = alice.post(edit_url(p1), full_form(tier="mid", tags="创业者，教育、投资人"))
    assert response.status_code == 302 and response["Location"] == f"/members/{p1.pk}/"
    p1.refresh_from_db()
    assert p1.tier == "mid"
    assert set(p1.tags.values_list("name", flat=True)) == {"创业者", "教育", "投资人"}
    [row] = updates()
    assert row.user is not None and row.user.username == "alice"
    assert row.person_id == p1.pk
    assert row.details["fields"] == ["tier"]
    assert set(row.details["tags"]) == {"创业者", "教育", "投资人"}
    html = alice.get(f"/communities/{world['A'].pk}/audit/").content.decode()
    assert "person.update" in html and "alice" in html and f'href="/members/{p1.pk}/"' in html


def test_profile_shows_form_only_to_those_who_may_edit(world: dict[str, Community]) -> None:
    url = f"/members/{person('u1').pk}/"
    assert 'name="tier"' in client_for("alice").get(url).content.decode()
    dan_html = client_for("dan").get(url).content.decode()
    assert "<form" in dan_html and 'name="notes"' not in dan_html and 'name="tier"' not in dan_html
    erin_html = client_for("erin").get(url).content.decode()
    assert 'name="notes"' in erin_html and 'name="tier"' not in erin_html


def test_viewer_gets_403_and_outsiders_404(world: dict[str, Community]) -> None:
    p1 = person("u1")
    assert client_for("dan").post(edit_url(p1), full_form(tier="mid")).status_code == 403
    assert client_for("bob").post(edit_url(p1), full_form(tier="mid")).status_code == 404
    assert client_for("carol").post(edit_url(p1), full_form(tier="mid")).status_code == 404
    response = Client().post(edit_url(p1), full_form(tier="mid"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    p1.refresh_from_db()
    assert p1.tier == "big" and updates() == []


def test_assistant_changes_notes_but_not_tier(world: dict[str, Community]) -> None:
    p1 = person("u1")
    erin = client_for("erin")
    assert erin.post(edit_url(p1), {"notes": "见过面"}).status_code == 302
    assert erin.post(edit_url(p1), {"notes": "改等级", "tier": "ordinary"}).status_code == 403
    p1.refresh_from_db()
    assert p1.notes == "见过面" and p1.tier == "big"
    [row] = updates()
    assert (
        row.user is not None and row.user.username == "erin" and row.details["fields"] == ["notes"]
    )


@pytest.mark.parametrize(
    "bad",
    [{"tier": "legendary"}, {"city": "城" * 10_000}, {"tags": "x" * 65}],
    ids=["tier", "city", "tag"],
)
def test_bad_input_shows_errors_and_saves_nothing(
    world: dict[str, Community], bad: dict[str, str]
) -> None:
    p1 = person("u1")
    response = client_for("alice").post(edit_url(p1), full_form(notes="不应保存", **bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and 'class="errorlist' in html
    p1.refresh_from_db()
    assert p1.tier == "big" and p1.city == "上海" and p1.notes == ""
    assert updates() == []


def test_htmx_gets_the_card_fragment(world: dict[str, Community]) -> None:
    p1 = person("u1")
    alice = client_for("alice")
    response = alice.post(edit_url(p1), full_form(city="深圳"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="person-card"' in html and "深圳" in html
    assert 'hx-post="' in html
    response = alice.post(edit_url(p1), full_form(tier="legendary"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'class="errorlist' in html
    p1.refresh_from_db()
    assert p1.city == "深圳" and p1.tier == "big"


def test_base_page_loads_htmx_from_static(world: dict[str, Community]) -> None:
    html = client_for("alice").get(f"/members/{person('u1').pk}/").content.decode()
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html


def test_markup_in_tags_and_notes_is_escaped(world: dict[str, Community]) -> None:
    p1 = person("u1")
    alice = client_for("alice")
    assert alice.post(edit_url(p1), full_form(tags=EVIL, notes=EVIL)).status_code == 302
    for url in (f"/members/{p1.pk}/", f"/communities/{world['A'].pk}/audit/"):
        html = alice.get(url).content.decode()
        assert EVIL not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
