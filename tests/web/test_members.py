"""Member archive pages: who may open them, what the filters keep, and that output is escaped."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shequn.chat.ingest import ingest
from shequn.community.actions import add_link, get_or_create_community, grant_staff, update_person
from shequn.community.models import Account, Community, Group, Person
from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted
from tests.store.factories import T0, joined, message

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"


def evil_join() -> MemberJoined:
    """u9 joins ten days after the others under a nickname that is markup."""
    member = Actor(id="u9", name=EVIL_NICK)
    return MemberJoined(
        platform="test",
        group="g1",
        event_id="j9",
        at=T0 + timedelta(days=10),
        actor=member,
        member=member,
        how=JoinHow.LINK,
    )


def spoke_yesterday(who: str) -> MessagePosted:
    """A message a day old, so its sender is not silent for a week."""
    return MessagePosted(
        platform="test",
        group="g1",
        group_name="测试群",
        event_id="recent",
        at=timezone.now() - timedelta(days=1),
        actor=Actor(id=who, name=f"成员{who}"),
        text="最近的消息",
    )


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


@pytest.fixture
def world() -> dict[str, Community]:
    """Community A (u1 invites u2; u9 joins later; u3 only in g2) and community B."""
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    events = [
        joined(1, "u1"),
        joined(2, "u2", inviter="u1"),
        evil_join(),
        message(3, who="u1"),
        message(4, who="u2", text=EVIL_TEXT),
        message(5, who="u3", group="g2"),
        spoke_yesterday("u1"),
    ]
    ingest(events, a)
    ingest([message(1, who="b1", group="gb")], b)
    p1, p2 = person("u1"), person("u2")
    update_person(p1, by="test", tier="big", city="上海", intro="做早期投资", tags=["投资人"])
    update_person(p2, by="test", tier="mid", industry="教育", tags=["创业者"])
    add_link(p1, p2, "met_offline", "operator", T0)
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    return {"A": a, "B": b}


def client_for(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    return client


def list_url(community: Community, query: str = "") -> str:
    return f"/communities/{community.pk}/members/{query}"


def listed(html: str) -> set[int]:
    """Ids of the persons linked from a list page."""
    return {int(pk) for pk in re.findall(r'href="/members/(\d+)/"', html)}


def listing(world: dict[str, Community], query: str = "") -> set[int]:
    response = client_for("alice").get(list_url(world["A"], query))
    assert response.status_code == 200
    return listed(response.content.decode())


@pytest.mark.parametrize("username", ["alice", "dan"])
def test_staff_of_a_see_its_list_and_profiles(world: dict[str, Community], username: str) -> None:
    client = client_for(username)
    html = client.get(list_url(world["A"])).content.decode()
    assert {person(u).pk for u in ("u1", "u2", "u3", "u9")} <= listed(html)
    assert "群友档案" in html
    assert client.get(f"/members/{person('u1').pk}/").status_code == 200


def test_bob_sees_b_but_not_a(world: dict[str, Community]) -> None:
    bob = client_for("bob")
    assert bob.get(list_url(world["A"])).status_code == 404
    assert bob.get(f"/members/{person('u1').pk}/").status_code == 404
    assert bob.get(list_url(world["B"])).status_code == 200
    assert bob.get(f"/members/{person('b1').pk}/").status_code == 200


def test_carol_and_anonymous_see_nothing(world: dict[str, Community]) -> None:
    carol = client_for("carol")
    assert carol.get(list_url(world["A"])).status_code == 404
    assert carol.get(f"/members/{person('u1').pk}/").status_code == 404
    for url in (list_url(world["A"]), f"/members/{person('u1').pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db(transaction=True)  # the overview reads reports on a 2nd connection
def test_home_links_to_member_list(world: dict[str, Community]) -> None:
    html = client_for("alice").get("/").content.decode()
    assert f'href="{list_url(world["A"])}"' in html and "群友档案" in html


def test_filters_narrow_the_list(world: dict[str, Community]) -> None:
    p1, p2, p3, p9 = (person(u).pk for u in ("u1", "u2", "u3", "u9"))
    g2 = Group.objects.get(external_id="g2").pk
    assert listing(world, "?q=早期投资") == {p1}
    assert p2 in listing(world, f"?q={person('u2').number}")
    assert listing(world, "?tier=big") == {p1}
    assert listing(world, "?tag=创业者") == {p2}
    assert listing(world, "?city=上海") == {p1}
    assert listing(world, "?industry=教育") == {p2}
    assert listing(world, f"?group={g2}") == {p3}
    assert listing(world, "?silent=7") == {p2, p3, p9}
    assert listing(world, "?joined_after=2026-03-05") == {p9}
    assert listing(world, "?joined_after=2026-03-01&joined_before=2026-03-02") == {p1, p2}
    assert listing(world, "?tier=big&tag=创业者") == set()


def test_bad_filter_values_are_ignored(world: dict[str, Community]) -> None:
    everyone = listing(world)
    assert listing(world, "?silent=abc&joined_after=nope&tier=king&group=x") == everyone


def test_pagination(world: dict[str, Community]) -> None:
    ingest([message(100 + i, who=f"x{i}", group="g3") for i in range(60)], world["A"])
    total = Person.objects.filter(community=world["A"]).count()
    client = client_for("alice")
    first = client.get(list_url(world["A"])).content.decode()
    second = client.get(list_url(world["A"], "?page=2")).content.decode()
    assert len(listed(first)) == 50 and len(listed(second)) == total - 50
    assert not listed(first) & listed(second)
    assert "?page=2" in first


def test_list_queries_do_not_grow_with_members(
    world: dict[str, Community], django_assert_max_num_queries: object
) -> None:
    client = client_for("alice")
    # 15 (16 with "silent"): the archive's version (3, the key of the cached ids), the ids,
    # the page's persons by key, and their last message times: one each, after pagination.
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        client.get(list_url(world["A"]))
    ingest([message(100 + i, who=f"x{i}", group="g3") for i in range(60)], world["A"])
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        client.get(list_url(world["A"], "?page=2&tag=投资人&silent=1"))
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        client.get(list_url(world["A"]))


def test_markup_is_escaped(world: dict[str, Community]) -> None:
    client = client_for("alice")
    evil = client.get(f"/members/{person('u9').pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in evil and EVIL_NICK not in evil
    listed_html = client.get(list_url(world["A"])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in listed_html and EVIL_NICK not in listed_html
    said = client.get(f"/members/{person('u2').pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in said and EVIL_TEXT not in said


def test_profile_shows_history_with_inviter_and_tie(world: dict[str, Community]) -> None:
    p1, p2 = person("u1"), person("u2")
    html = client_for("dan").get(f"/members/{p2.pk}/").content.decode()
    assert f'<a href="/members/{p1.pk}/">{p1.display_name}</a>' in html  # inviter
    assert "<td>邀请</td>" in html and "<td>g1</td>" in html  # how they joined, which group
    assert "线下见面" in html and "operator" in html  # the tie
    assert "2026-03-01 20:02" in html  # joined at 12:02 UTC, shown in Asia/Shanghai
    assert "创业者" in html and "中咖" in html


def test_page_last_message_times_match_the_annotation(world: dict[str, Community]) -> None:
    """The list page reads last message times after pagination, for its rows only; they are
    the same as the (slower) per-row annotation the API and exports use."""
    from shequn.web.member_queries import MemberFilters, last_message_times, member_list

    ingest([message(20, who="u3", group="g1"), message(21, who="u1", group="g2")], world["A"])
    annotated = list(member_list(world["A"], MemberFilters()))
    expected = {p.pk: p.last_message_at for p in annotated if p.last_message_at is not None}
    plain = list(member_list(world["A"], MemberFilters(), last_message=False))
    assert last_message_times(world["A"], plain) == expected
    assert person("u1").pk in expected and person("u9").pk not in expected  # u9 never spoke
    assert last_message_times(world["A"], []) == {}
    html = client_for("alice").get(list_url(world["A"])).content.decode()
    local = timezone.localtime(expected[person("u1").pk], timezone.get_default_timezone())
    assert local.strftime("%Y-%m-%d %H:%M") in html


def test_cached_list_follows_messages_and_edits(world: dict[str, Community]) -> None:
    """The filtered ids are cached; a message, a join or an audited edit shows at once."""
    silent = {person("u2").pk, person("u9").pk}
    assert listing(world, "?silent=3") >= silent
    spoke = dataclasses.replace(spoke_yesterday("u2"), event_id="recent-u2")
    ingest([spoke], world["A"])  # u2 speaks: no longer silent
    assert person("u2").pk not in listing(world, "?silent=3")
    assert person("u9").pk in listing(world, "?silent=3")
    assert person("u9").pk not in listing(world, "?tier=big")
    update_person(person("u9"), by="test", tier="big")  # audited: a new version
    assert person("u9").pk in listing(world, "?tier=big")
    ingest([joined(30, "u30")], world["A"])  # a newcomer appears in the plain list
    assert person("u30").pk in listing(world)
