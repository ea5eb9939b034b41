"""Merging two members into one from the profile, and undoing it exactly.

World (``test_edit.build_world``): community A with u1 and u2 (u1 big, 上海, 投资人;
u2 mid, 北京, 教育), community B with b1; alice owns A, bob operates B, dan views
A, erin assists A, carol has no role.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.actions import add_link, add_person_record, record_tie, update_person
from shequn.community.models import (
    Account,
    AuditLog,
    Community,
    Link,
    Membership,
    Person,
    PersonMerge,
    PersonRecord,
)
from tests.store.factories import T0, joined, message
from tests.web.test_edit import EVIL, build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"


@pytest.fixture
def world() -> dict[str, Community]:
    """build_world plus u3 in A (a tie to u2, a note) and b2 in B."""
    w = build_world()
    ingest([joined(10, "u3"), message(11, who="u3")], w["A"])
    ingest([message(12, who="b2", group="gb")], w["B"])
    u2, u3 = person("u2"), person("u3")
    update_person(u2, by="test", notes="老朋友", intro="做教育", tags=["教育", "北京帮"])
    record_tie(u2, u3, "phone", "交换过电话", user=None, by="test")
    add_person_record(u2, "interview", "聊过一次", T0, user=None, by="test")
    return w


def merge_url(p: Person, query: str = "") -> str:
    return f"/members/{p.pk}/merge/{query}"


def state(*persons: Person) -> dict[str, Any]:
    """Everything a merge touches, as plain values, to compare before and after."""
    ids = [p.pk for p in persons]
    rows = Person.objects.filter(pk__in=ids).order_by("pk")
    fields = ["number", "display_name", "intro", "needs", "offers", "city", "industry"]
    return {
        "persons": [
            (p.pk, *(getattr(p, f) for f in [*fields, "tier", "notes", "created_at"])) for p in rows
        ],
        "tags": {p.pk: sorted(p.tags.values_list("name", flat=True)) for p in rows},
        "accounts": sorted(Account.objects.values_list("pk", "person_id")),
        "records": sorted(PersonRecord.objects.values_list("pk", "person_id", "text")),
        "links": sorted(
            Link.objects.values_list("pk", "person_a_id", "person_b_id", "dimension", "note")
        ),
        "audit": sorted(
            AuditLog.objects.exclude(action__startswith="person.merge").values_list(
                "pk", "person_id"
            )
        ),
    }


def test_alice_previews_then_merges(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    alice = client_for("alice")
    preview = alice.get(merge_url(u1, f"?other={u2.number}"))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert f'name="other_id" value="{u2.pk}"' in html and "做教育" in html
    assert Person.objects.filter(pk=u2.pk).exists()  # a preview writes nothing
    response = alice.post(merge_url(u1), {"other_id": u2.pk})
    assert response.status_code == 302 and response["Location"] == f"/members/{u1.pk}/"
    assert not Person.objects.filter(pk=u2.pk).exists()
    u1.refresh_from_db()
    assert {a.external_id for a in u1.accounts.all()} == {"u1", "u2"}
    assert Membership.objects.filter(account__person=u1).count() == 2
    assert Message.objects.filter(sender__person=u1).count() == 1
    assert set(u1.tags.values_list("name", flat=True)) == {"投资人", "教育", "北京帮"}
    assert (u1.tier, u1.city, u1.intro, u1.notes) == ("big", "上海", "做教育", "老朋友")
    assert [(t.other.number, t.link.note) for t in _ties(u1)] == [
        (person("u3").number, "交换过电话")
    ]
    assert PersonRecord.objects.get().person_id == u1.pk
    [entry] = AuditLog.objects.filter(action="person.merge")
    assert entry.user is not None and entry.user.username == "alice"
    assert entry.person_id == u1.pk and entry.details["merged_number"] == u2.number
    profile = alice.get(f"/members/{u1.pk}/").content.decode()
    merge = PersonMerge.objects.get()
    assert f'action="/merges/{merge.pk}/undo/"' in profile


def _ties(p: Person) -> list[Any]:
    from shequn.web.member_queries import ties

    return ties(p)


def test_undo_gives_both_persons_back_exactly(world: dict[str, Community]) -> None:
    u1, u2, u3 = person("u1"), person("u2"), person("u3")
    add_link(u1, u2, "met_offline", "operator", T0)  # a tie between the two: dropped
    add_link(u1, u3, "phone", "operator", T0)  # clashes with u2's phone tie to u3
    update_person(u1, by="test", notes="先认识")
    before = state(u1, u2, u3)
    alice = client_for("alice")
    assert alice.post(merge_url(u1), {"other_id": u2.pk}).status_code == 302
    assert Link.objects.filter(person_a=u1, person_b=u3).count() == 1
    merge = PersonMerge.objects.get()
    response = alice.post(f"/merges/{merge.pk}/undo/")
    assert response.status_code == 302 and response["Location"] == f"/members/{u2.pk}/"
    assert state(u1, u2, u3) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by is not None
    [entry] = AuditLog.objects.filter(action="person.merge_undo")
    assert entry.user == User.objects.get(username="alice") and entry.person_id == u1.pk
    assert alice.post(f"/merges/{merge.pk}/undo/").status_code == 409  # once only


def test_later_edits_survive_undo(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    alice = client_for("alice")
    alice.post(merge_url(u1), {"other_id": u2.pk})
    update_person(Person.objects.get(pk=u1.pk), by="test", intro="后来改的")
    alice.post(f"/merges/{PersonMerge.objects.get().pk}/undo/")
    assert Person.objects.get(pk=u1.pk).intro == "后来改的"
    assert Person.objects.get(pk=u2.pk).intro == "做教育"


def test_undo_goes_in_reverse_order(world: dict[str, Community]) -> None:
    u1, u2, u3 = person("u1"), person("u2"), person("u3")
    before = state(u1, u2, u3)
    alice = client_for("alice")
    alice.post(merge_url(u1), {"other_id": u2.pk})
    alice.post(merge_url(u1), {"other_id": u3.pk})
    first, second = PersonMerge.objects.order_by("pk")
    refused = alice.post(f"/merges/{first.pk}/undo/")
    assert refused.status_code == 409 and "先撤销" in refused.content.decode()
    assert alice.post(f"/merges/{second.pk}/undo/").status_code == 302
    assert alice.post(f"/merges/{first.pk}/undo/").status_code == 302
    assert state(u1, u2, u3) == before


def test_undo_refused_when_the_number_was_reused(world: dict[str, Community]) -> None:
    u1, u3 = person("u1"), person("u3")
    alice = client_for("alice")
    alice.post(merge_url(u1), {"other_id": u3.pk})  # u3 has the highest number
    ingest([message(20, who="u4")], world["A"])  # the newcomer gets u3's number
    assert person("u4").number == u3.number
    response = alice.post(f"/merges/{PersonMerge.objects.get().pk}/undo/")
    assert response.status_code == 409 and f"#{u3.number}" in response.content.decode()
    assert not Person.objects.filter(pk=u3.pk).exists()
    assert PersonMerge.objects.get().undone_at is None


@pytest.mark.parametrize(
    ("query", "reason"),
    [("?other=999", "没有编号为 #999 的成员"), ("?other=abc", "编号"), ("?other=", "编号")],
    ids=["unknown", "not-a-number", "empty"],
)
def test_bad_numbers_are_named(world: dict[str, Community], query: str, reason: str) -> None:
    response = client_for("alice").get(merge_url(person("u1"), query))
    assert response.status_code == 400 and reason in response.content.decode()


def test_merging_with_itself_or_across_communities_is_refused(
    world: dict[str, Community],
) -> None:
    u1 = person("u1")
    alice = client_for("alice")
    assert alice.get(merge_url(u1, f"?other={u1.number}")).status_code == 400
    assert alice.post(merge_url(u1), {"other_id": u1.pk}).status_code == 409
    assert alice.post(merge_url(u1), {"other_id": person("b1").pk}).status_code == 404
    assert not PersonMerge.objects.exists() and Person.objects.count() == 5


def test_who_may_merge(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    for name, status in [("dan", 403), ("erin", 403), ("bob", 404), ("carol", 404)]:
        client = client_for(name)
        assert client.get(merge_url(u1, f"?other={u2.number}")).status_code == status, name
        assert client.post(merge_url(u1), {"other_id": u2.pk}).status_code == status, name
    response = Client().post(merge_url(u1), {"other_id": u2.pk})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    b1, b2 = person("b1"), person("b2")
    assert client_for("bob").post(merge_url(b1), {"other_id": b2.pk}).status_code == 302
    merge = PersonMerge.objects.get()
    for name, status in [("alice", 404), ("carol", 404)]:
        assert client_for(name).post(f"/merges/{merge.pk}/undo/").status_code == status
    assert not PersonMerge.objects.get().undone_at
    assert not AuditLog.objects.filter(action="person.merge", community=world["A"]).exists()


def test_only_editors_see_the_merge_form(world: dict[str, Community]) -> None:
    url = f"/members/{person('u1').pk}/"
    assert 'name="other" inputmode' in client_for("alice").get(url).content.decode()
    for name in ("dan", "erin"):
        assert 'name="other" inputmode' not in client_for(name).get(url).content.decode()


def test_markup_in_names_is_escaped(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    Person.objects.filter(pk=u2.pk).update(display_name=EVIL_NICK, intro=EVIL)
    alice = client_for("alice")
    html = alice.get(merge_url(u1, f"?other={u2.number}")).content.decode()
    assert EVIL_NICK not in html and EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    alice.post(merge_url(u1), {"other_id": u2.pk})
    profile = alice.get(f"/members/{u1.pk}/").content.decode()
    assert EVIL_NICK not in profile and "&lt;img src=x onerror=alert(1)&gt;" in profile


def test_profile_timeline_lists_the_merge(world: dict[str, Community]) -> None:
    u1, u2 = person("u1"), person("u2")
    alice = client_for("alice")
    alice.post(merge_url(u1), {"other_id": u2.pk})
    html = alice.get(f"/members/{u1.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "person.merge" in timeline and "alice" in timeline
