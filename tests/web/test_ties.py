"""Ties on the profile: record, list, delete (audited, by role), and ties inferred from chat.

World (``test_edit.build_world``): A with u1, u2; B with b1; alice owns A, bob
operates B, dan views A, erin assists A, carol has no role.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import create_api_token
from shequn.community.models import AuditLog, Community, Link, Person
from shequn.events import Actor, MessagePosted
from shequn.web.inferred_ties import inferred_ties
from tests.store.factories import T0, message
from tests.web.test_edit import EVIL, build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def add_url(p: Person) -> str:
    return f"/members/{p.pk}/ties/"


def form(other: Person, dimension: str = "phone", note: str = "留了电话") -> dict[str, str]:
    return {"other": str(other.number), "dimension": dimension, "note": note}


def test_alice_records_a_tie_seen_from_both_ends(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    alice = client_for("alice")
    response = alice.post(add_url(u1), form(u2))
    assert response.status_code == 302 and response["Location"] == f"/members/{u1.pk}/"
    link = Link.objects.get()
    assert (link.dimension, link.source, link.note) == ("phone", "operator", "留了电话")
    assert link.recorded_by is not None and link.recorded_by.username == "alice"
    for p, other in ((u1, u2), (u2, u1)):
        html = alice.get(f"/members/{p.pk}/").content.decode()
        ties = html[html.index('id="ties"') : html.index('id="inferred-ties"')]
        assert "交换电话" in ties and "留了电话" in ties and f"#{other.number}" in ties
    [entry] = AuditLog.objects.filter(action="tie.add")
    assert entry.user is not None and entry.user.username == "alice"
    assert entry.person_id == u1.pk and entry.details["other"] == u2.pk


def test_recording_again_keeps_one_tie(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    alice = client_for("alice")
    alice.post(add_url(u1), form(u2, note="第一次"))
    alice.post(add_url(u2), form(u1, note="第二次"))
    assert [link.note for link in Link.objects.all()] == ["第二次"]


def test_htmx_gets_the_ties_section(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    erin = client_for("erin")  # an assistant may record ties
    response = erin.post(add_url(u1), form(u2, dimension="met_offline"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="ties"' in html
    assert "线下见面" in html and f"#{u2.number}" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"other": "999", "dimension": "phone"}, "999"),
        ({"other": "abc", "dimension": "phone"}, "other"),
        ({"other": "SELF", "dimension": "phone"}, "另一位"),
        ({"other": "OTHER", "dimension": "interaction"}, "dimension"),
        ({"other": "OTHER", "dimension": "phone", "note": "长" * 1001}, "note"),
    ],
    ids=["unknown-number", "not-a-number", "self", "derived-dimension", "long-note"],
)
def test_bad_input_is_named_and_nothing_saved(
    world: dict[str, Community], data: dict[str, str], field: str
) -> None:
    u1, u2 = person("u1"), person("u2")
    numbers = {"SELF": str(u1.number), "OTHER": str(u2.number)}
    data = {**data, "other": numbers.get(data["other"], data["other"])}
    alice = client_for("alice")
    response = alice.post(add_url(u1), data)
    html = response.content.decode()
    assert response.status_code == 400 and 'class="errorlist' in html and field in html
    htmx = alice.post(add_url(u1), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="errorlist' in htmx and "<html" not in htmx
    assert not Link.objects.exists() and not AuditLog.objects.filter(action="tie.add").exists()


def test_who_may_record_and_delete(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    for name, status in [("dan", 403), ("bob", 404), ("carol", 404)]:
        assert client_for(name).post(add_url(u1), form(u2)).status_code == status, name
    response = Client().post(add_url(u1), form(u2))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Link.objects.exists()
    client_for("alice").post(add_url(u1), form(u2))
    link = Link.objects.get()
    delete = f"/members/{u1.pk}/ties/{link.pk}/delete/"
    for name, status in [("dan", 403), ("bob", 404), ("carol", 404)]:
        assert client_for(name).post(delete).status_code == status, name
    assert client_for("dan").get(f"/members/{u1.pk}/").status_code == 200
    dan_html = client_for("dan").get(f"/members/{u1.pk}/").content.decode()
    assert f"/ties/{link.pk}/delete/" not in dan_html and 'name="dimension"' not in dan_html
    assert Link.objects.exists()


def test_delete_a_tie(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    erin = client_for("erin")
    erin.post(add_url(u1), form(u2))
    link = Link.objects.get()
    ingest([message(9, who="u5")], world["A"])
    stranger = person("u5")
    assert erin.post(f"/members/{stranger.pk}/ties/{link.pk}/delete/").status_code == 404
    response = erin.post(f"/members/{u2.pk}/ties/{link.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="ties"' in response.content.decode()
    assert not Link.objects.exists()
    [entry] = AuditLog.objects.filter(action="tie.delete")
    assert entry.user is not None and entry.user.username == "erin"
    assert entry.person_id == u2.pk and entry.details["other"] == u1.pk


def test_markup_in_notes_and_names_is_escaped(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    Person.objects.filter(pk=u2.pk).update(display_name=EVIL_NICK)
    alice = client_for("alice")
    alice.post(add_url(u1), form(u2, note=EVIL))
    html = alice.get(f"/members/{u1.pk}/").content.decode()
    assert EVIL not in html and EVIL_NICK not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_api_records_a_tie_with_the_page_rules(world: dict[str, Community]) -> None:
    from django.contrib.auth.models import User

    u1, u2 = person("u1"), person("u2")

    def post(name: str, body: dict[str, str], other: Person = u2) -> int:
        token = create_api_token(User.objects.get(username=name))
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        url = f"/api/members/{u1.pk}/ties/{other.pk}"
        return client.post(url, body, content_type="application/json").status_code

    assert post("dan", {"dimension": "phone"}) == 403
    assert post("bob", {"dimension": "phone"}) == 404
    assert post("alice", {"dimension": "interaction"}) == 422
    assert post("alice", {"dimension": "phone"}, other=u1) == 422
    assert post("alice", {"dimension": "phone"}, other=person("b1")) == 404
    assert not Link.objects.exists()
    assert post("erin", {"dimension": "collaborated", "note": "一起做过项目"}) == 200
    token = create_api_token(User.objects.get(username="dan"))
    listed = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/members/{u2.pk}/ties").json()
    assert [(t["person_id"], t["dimension"]) for t in listed] == [(u1.pk, "collaborated")]
    [entry] = AuditLog.objects.filter(action="tie.add")
    assert entry.rule == "api" and entry.user is not None and entry.user.username == "erin"


def said(n: int, who: str, day: int, **extra: object) -> MessagePosted:
    """Message ``n`` by ``who`` on day ``day`` after T0 (replies and mentions in ``extra``)."""
    fields: dict[str, object] = {"text": f"第{n}句", **extra}
    return MessagePosted(
        platform="test",
        group="g1",
        group_name="测试群",
        event_id=f"c{n}",
        at=T0 + timedelta(days=day, minutes=n),
        actor=Actor(id=who, name=f"成员{who}"),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.django_db(transaction=True)  # analytics reads the store on its own connection
def test_ties_inferred_from_chat(world: dict[str, Community]) -> None:
    """u1 and u2 reply to each other on two days (an exit-test tie); u3 replies to u1 once."""
    chat = [
        said(1, "u1", 1),
        said(2, "u2", 1, reply_to="c1"),
        said(3, "u1", 2, reply_to="c2"),
        said(4, "u2", 2, reply_to="c3"),
        said(5, "u3", 3, reply_to="c4", text="回复u2"),
        said(6, "u3", 5, reply_to="c1"),
    ]
    ingest(chat, world["A"])
    u1, u2, u3 = person("u1"), person("u2"), person("u3")
    found = {t.other.pk: t for t in inferred_ties(u1)}
    assert set(found) == {u2.pk, u3.pk}
    assert (found[u2.pk].to_them, found[u2.pk].from_them, found[u2.pk].tie) == (1, 2, True)
    assert (found[u3.pk].to_them, found[u3.pk].from_them, found[u3.pk].tie) == (0, 1, False)
    html = client_for("dan").get(f"/members/{u1.pk}/ties/inferred/").content.decode()
    assert "<html" in html and f'href="/members/{u2.pk}/"' in html
    fragment = (
        client_for("dan")
        .get(f"/members/{u1.pk}/ties/inferred/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in fragment and f'href="/members/{u3.pk}/"' in fragment
    assert client_for("bob").get(f"/members/{u1.pk}/ties/inferred/").status_code == 404
    assert client_for("carol").get(f"/members/{u1.pk}/ties/inferred/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_inferred_ties_are_cached_until_a_new_message(world: dict[str, Community]) -> None:
    ingest([said(1, "u1", 1), said(2, "u2", 1, reply_to="c1")], world["A"])
    u1 = person("u1")
    assert [t.from_them for t in inferred_ties(u1)] == [1]
    keys = len(cache._cache)  # type: ignore[attr-defined]
    assert [t.from_them for t in inferred_ties(u1)] == [1]
    assert len(cache._cache) == keys  # type: ignore[attr-defined]  # served from the cache
    ingest([said(3, "u2", 2, reply_to="c1")], world["A"])
    assert [t.from_them for t in inferred_ties(u1)] == [2]
