"""The home page's overview: traffic lights, size bands, sorting, and the summary cache."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from shequn.analytics.report import build
from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Community, Group
from shequn.demo.load import load_demo
from shequn.web.overview import cache_key, group_summary
from tests.store.factories import message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

HIKE, FANS, SOCIAL = "demo-hike@chatroom", "demo-fans@chatroom", "demo-social@chatroom"


@pytest.fixture
def demo() -> dict[str, Group]:
    load_demo()
    User.objects.create_superuser("root", password="pw-root-1")
    return {g.external_id: g for g in Group.objects.all()}


def home(query: str = "", username: str = "root", password: str = "pw-root-1") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=username, password=password)
    response = client.get(f"/{query}")
    assert response.status_code == 200
    return response.content.decode()


def order(html: str) -> list[int]:
    """Group ids in the order their rows appear."""
    return [int(n) for n in re.findall(r'<tr data-group="(\d+)"', html)]


def light(html: str, group: Group) -> str:
    found = re.search(rf'<tr data-group="{group.pk}" data-light="(\w+)"', html)
    assert found is not None
    return found.group(1)


def test_groups_needing_attention_come_first(demo: dict[str, Group]) -> None:
    html = home()
    hike, fans, social = demo[HIKE], demo[FANS], demo[SOCIAL]
    assert light(html, hike) == "red" and light(html, fans) == "red"
    assert light(html, social) == "green"
    ids = order(html)
    assert ids.index(hike.pk) < ids.index(social.pk)
    assert ids.index(fans.pk) < ids.index(social.pk)
    lights = [light(html, Group.objects.get(pk=pk)) for pk in ids]
    rank = {"red": 0, "amber": 1, "green": 2, "none": 3}
    assert [rank[x] for x in lights] == sorted(rank[x] for x in lights)
    # the fan group is big, and its band and finding title are in Chinese
    assert "超大群" in html or "大群" in html
    assert "规模" in html and "活跃占比" in html


def test_finding_titles_follow_the_language(demo: dict[str, Group]) -> None:
    summary = group_summary(demo[HIKE])
    assert summary.verdict == "red" and summary.code == "dead_group"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="root", password="pw-root-1")
    html = client.get("/").content.decode()
    assert summary.title("en") in html and summary.title("zh-hans") not in html
    assert summary.title("zh-hans") in home()


def test_sort_by_name(demo: dict[str, Group]) -> None:
    html = home("?sort=name")
    names = [Group.objects.get(pk=pk).name for pk in order(html)]
    assert names == sorted(names)
    assert order(home("?sort=nonsense")) == order(home())


def test_sort_by_members(demo: dict[str, Group]) -> None:
    html = home("?sort=members")
    members = [
        int(n) for n in re.findall(r'<td class="num">(\d+)</td>\s*<td class="num">\d+</td>', html)
    ]
    assert len(members) == len(demo) and members == sorted(members, reverse=True)


def test_summary_is_cached_and_invalidated_by_a_new_message(
    demo: dict[str, Group], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = build.report_for_group

    def counting(group_id: int, *args: Any) -> build.Report:
        calls.append(group_id)
        return real(group_id, *args)

    monkeypatch.setattr(build, "report_for_group", counting)
    social = demo[SOCIAL]
    home()
    assert sorted(calls) == sorted(g.pk for g in demo.values())
    key = cache_key(social)
    assert key is not None and cache.get(key) is not None

    calls.clear()
    home()
    assert calls == []

    community = Community.objects.get(pk=social.community_id)
    new = dataclasses.replace(message(1, group=social.external_id), platform=social.platform)
    ingest([new], community)
    assert cache_key(social) != key
    home()
    assert calls == [social.pk]


def test_group_without_messages_shows_a_dash_and_sorts_last() -> None:
    community = get_or_create_community("社群")
    ingest([message(1, group="talk"), message(2, group="talk")], community)
    empty = Group.objects.create(
        community=community, platform="test", external_id="quiet", name="安静群"
    )
    User.objects.create_superuser("root", password="pw-root-1")
    html = home()
    assert order(html)[-1] == empty.pk and light(html, empty) == "none"
    assert order(home("?sort=name"))[-1] == empty.pk


def test_outsider_sees_no_groups(demo: dict[str, Group]) -> None:
    User.objects.create_user("outsider", password="pw-outsider-1")
    other = get_or_create_community("别人的社群")
    staff = User.objects.create_user("staff", password="pw-staff-1")
    grant_staff(staff, other, "viewer", by="test")
    assert order(home(username="outsider", password="pw-outsider-1")) == []
    assert order(home(username="staff", password="pw-staff-1")) == []


def test_joins_and_leaves_change_the_cache_key() -> None:
    from datetime import timedelta

    from shequn.events import MemberLeft
    from tests.store.factories import T0, joined

    community = get_or_create_community("社群")
    ingest([message(1, group="g1")], community)
    group = Group.objects.get(external_id="g1")
    before = cache_key(group)
    ingest([joined(2, "u2")], community)
    after_join = cache_key(group)
    member = joined(3, "u2").member
    left = MemberLeft(
        platform="test",
        group="g1",
        event_id="l4",
        at=T0 + timedelta(minutes=4),
        actor=member,
        member=member,
    )
    ingest([left], community)
    after_leave = cache_key(group)
    assert len({before, after_join, after_leave}) == 3


def test_message_counts_come_with_the_cached_summary(demo: dict[str, Group]) -> None:
    """The overview counts a group's messages once per data version (kept in the summary),
    reads every group's version in one go, and shows the new count after a new message."""
    from shequn.chat.models import Message
    from shequn.web.queries import data_version, group_rows

    communities = list(Community.objects.all())
    rows = group_rows(communities)
    assert {r.group.pk: r.version for r in rows} == {g.pk: data_version(g) for g in demo.values()}
    social = demo[SOCIAL]
    stored = Message.objects.filter(group=social).count()

    def shown() -> int:
        cells = r'<td class="num">\d+</td>\s*<td class="num">(\d+)</td>'  # members, messages
        found = re.search(rf'<tr data-group="{social.pk}".*?{cells}', home(), re.S)
        assert found is not None
        return int(found.group(1))

    assert shown() == stored
    new = dataclasses.replace(message(1, group=social.external_id), platform=social.platform)
    ingest([new], Community.objects.get(pk=social.community_id))
    assert shown() == stored + 1
