"""Notes and interviews on the profile, and the activity timeline.

World (``test_edit.build_world``): A with u1, u2 (g1, joined at T0+1 and T0+2
minutes, u1 said one message); alice owns A, bob operates B, dan views A, erin
assists A, carol has no role. Community A's zone is Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.models import AuditLog, Community, Person, PersonRecord
from shequn.events import Actor, LeaveHow, MemberLeft, MessagePosted
from shequn.web.timeline import WEEKS, weekly_messages
from tests.store.factories import T0, message
from tests.web.test_edit import EVIL, build_world, client_for, person

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world() -> dict[str, Community]:
    return build_world()


def said_at(n: int, at: datetime) -> MessagePosted:
    """Message ``n`` by u1 in g1 at ``at``."""
    return replace(message(n, who="u1"), at=at)


def add_url(p: Person) -> str:
    return f"/members/{p.pk}/records/"


def section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    return html[start : html.index("</section>", start)]


def test_erin_adds_a_note_in_place(world: dict[str, Community]) -> None:
    u1 = person("u1")
    erin = client_for("erin")
    data = {"kind": "note", "on": "2026-03-05", "text": "想认识做投资的人"}
    response = erin.post(add_url(u1), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="records"' in html
    assert "想认识做投资的人" in html and "erin" in html and "2026-03-05" in html
    record = PersonRecord.objects.get()
    assert record.author is not None and record.author.username == "erin"
    assert record.at.isoformat() == "2026-03-04T16:00:00+00:00"  # midnight in Shanghai
    [entry] = AuditLog.objects.filter(action="person.record")
    assert entry.user is not None and entry.user.username == "erin"
    assert entry.person_id == u1.pk and entry.details["kind"] == "note"


def test_interviews_are_listed_newest_first(world: dict[str, Community]) -> None:
    u1 = person("u1")
    alice = client_for("alice")
    alice.post(add_url(u1), {"kind": "interview", "on": "2026-01-10", "text": "第一次访谈"})
    response = alice.post(add_url(u1), {"kind": "interview", "on": "2026-04-02", "text": "回访"})
    assert response.status_code == 302 and response["Location"] == f"/members/{u1.pk}/"
    records = section(alice.get(f"/members/{u1.pk}/").content.decode(), "records")
    assert records.index("回访") < records.index("第一次访谈") and "访谈" in records


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "note", "on": "2026-03-05", "text": "   "}, "text"),
        ({"kind": "gossip", "on": "2026-03-05", "text": "x"}, "kind"),
        ({"kind": "note", "on": "2026-13-45", "text": "x"}, "on"),
        ({"kind": "note", "on": "2026-03-05", "text": "长" * 5001}, "text"),
    ],
    ids=["empty", "kind", "date", "long"],
)
def test_bad_input_saves_nothing(
    world: dict[str, Community], data: dict[str, str], field: str
) -> None:
    u1 = person("u1")
    response = client_for("alice").post(add_url(u1), data)
    html = response.content.decode()
    assert response.status_code == 400 and 'class="errorlist' in html
    assert f'id="id_{field}"' in html
    assert not PersonRecord.objects.exists()
    assert not AuditLog.objects.filter(action="person.record").exists()


def test_who_may_add(world: dict[str, Community]) -> None:
    u1 = person("u1")
    data = {"kind": "note", "on": "2026-03-05", "text": "备注"}
    for name, status in [("dan", 403), ("bob", 404), ("carol", 404)]:
        assert client_for(name).post(add_url(u1), data).status_code == status, name
    response = Client().post(add_url(u1), data)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not PersonRecord.objects.exists()
    dan_html = client_for("dan").get(f"/members/{u1.pk}/").content.decode()
    assert 'name="text"' not in dan_html


def test_note_text_is_escaped(world: dict[str, Community]) -> None:
    u1 = person("u1")
    alice = client_for("alice")
    alice.post(add_url(u1), {"kind": "note", "on": "2026-03-05", "text": EVIL})
    html = alice.get(f"/members/{u1.pk}/").content.decode()
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_timeline_counts_messages_per_week(world: dict[str, Community]) -> None:
    week = timedelta(weeks=1)
    later = [said_at(100 + i, T0 + 2 * week + timedelta(hours=i)) for i in range(3)]
    ingest(later, world["A"])
    spark = weekly_messages(person("u1"))
    assert spark is not None and len(spark.bars) == WEEKS
    assert [b.count for b in spark.bars[-3:]] == [1, 0, 3]
    assert spark.total == 4 and spark.peak == 3
    assert spark.bars[-1].height == spark.height and spark.bars[-2].height == 0
    assert spark.bars[-1].start.isoformat() == "2026-03-09"  # a Monday, Shanghai time
    assert weekly_messages(person("u2")) is None


def test_timeline_shows_stays_and_staff_actions(world: dict[str, Community]) -> None:
    u2 = person("u2")
    left = MemberLeft(
        platform="test",
        group="g1",
        event_id="l2",
        at=T0 + timedelta(days=3),
        actor=Actor(id="u2"),
        member=Actor(id="u2"),
        how=LeaveHow.LEFT,
    )
    ingest([left], world["A"])
    alice = client_for("alice")
    alice.post(add_url(u2), {"kind": "note", "on": "2026-03-05", "text": "退群前聊过"})
    timeline = section(alice.get(f"/members/{u2.pk}/").content.decode(), "timeline")
    assert "person.record" in timeline and "alice" in timeline
    assert "入群" in timeline and "2026-03-01 20:02" in timeline  # joined, Shanghai time
    assert "2026-03-04 20:00" in timeline  # left
    assert timeline.index("person.record") < timeline.index("2026-03-04 20:00")


def test_profile_queries_stay_bounded(
    world: dict[str, Community], django_assert_max_num_queries: object
) -> None:
    u1 = person("u1")
    alice = client_for("alice")
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        alice.get(f"/members/{u1.pk}/")
    many = [said_at(200 + i, T0 + timedelta(days=i)) for i in range(60)]
    ingest(many, world["A"])
    for i in range(20):
        alice.post(add_url(u1), {"kind": "note", "on": "2026-03-05", "text": f"备注{i}"})
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        alice.get(f"/members/{u1.pk}/")
