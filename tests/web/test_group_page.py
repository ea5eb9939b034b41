"""The group page: the report's findings and charts, lurkers, newcomers waiting, joins and leaves.

Reports read the store on a second connection, hence ``transaction=True``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from shequn.analytics.report import build
from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Account, Community, Group
from shequn.events import Actor, Event, JoinHow, MemberJoined, MemberLeft, MessagePosted
from tests.store.factories import T0

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"
NAMES = {"u9": EVIL_NICK}


def actor(who: str) -> Actor:
    return Actor(id=who, name=NAMES.get(who, f"成员{who}"))


def join(day: float, who: str, inviter: str | None = None) -> MemberJoined:
    return MemberJoined(
        platform="test",
        group="g1",
        group_name="测试群",
        event_id=f"j-{who}",
        at=T0 + timedelta(days=day),
        actor=actor(who),
        member=actor(who),
        how=JoinHow.INVITE if inviter else JoinHow.LINK,
        inviter=actor(inviter) if inviter else None,
    )


def say(day: float, who: str, text: str, n: int, reply_to: str | None = None) -> MessagePosted:
    return MessagePosted(
        platform="test",
        group="g1",
        group_name="测试群",
        event_id=f"m{n}",
        at=T0 + timedelta(days=day),
        actor=actor(who),
        text=text,
        reply_to=reply_to,
    )


def history() -> list[Event]:
    """u1, u2 (invited by u1) found the group; u6 joins and never speaks; u7 comes and goes;
    u9 (a nickname that is markup) joins on day 20, speaks, and nobody answers."""
    left = MemberLeft(
        platform="test", group="g1", event_id="l-u7", at=T0 + timedelta(days=16),
        actor=actor("u7"), member=actor("u7"),
    )  # fmt: skip
    return [
        join(0, "u1"),
        join(0.01, "u2", inviter="u1"),
        join(3, "u6", inviter="u2"),
        join(15, "u7"),
        left,
        say(1, "u1", "大家好，欢迎来到测试群", 1),
        say(2, "u2", EVIL_TEXT, 2),
        say(5, "u1", "收到，谢谢分享", 3, reply_to="m2"),
        say(15.5, "u7", "路过", 4),
        join(20, "u9"),
        say(20.1, "u9", "大家好，我是新人", 5),
        say(22, "u1", "周末有人去徒步吗", 6),
    ]


@pytest.fixture
def world() -> dict[str, Any]:
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest(history(), a)
    ingest([dataclasses.replace(say(1, "b1", "B群消息", 1), group="gb")], b)
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    return {"A": a, "B": b, "group": Group.objects.get(community=a, external_id="g1")}


def settle(community: Community, events: list[Event]) -> None:
    """Ingest ``events`` where the next report will read them.

    On SQLite, connectorx (which the report reads through) links its own copy of
    SQLite; in the process that wrote them through Python's sqlite3, that copy does
    not see pages still in the write-ahead log. A checkpoint moves them into the
    database file. (A server is not affected for messages written by another
    process, e.g. an import or a connector.)
    """
    ingest(events, community)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def client_for(username: str, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(username=username))
    return client


def page(world: dict[str, Any], username: str = "alice", language: str = "zh-hans") -> str:
    response = client_for(username, language).get(f"/groups/{world['group'].pk}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    """The HTML of the ``<section id=name>``."""
    start = html.index(f'id="{name}"')
    return html[start : html.index("</section>", start)]


def person_id(external_id: str) -> int:
    return int(Account.objects.get(external_id=external_id).person_id)


def test_staff_of_the_community_see_it_others_get_404(world: dict[str, Any]) -> None:
    url = f"/groups/{world['group'].pk}/"
    assert client_for("alice").get(url).status_code == 200
    assert client_for("dan").get(url).status_code == 200
    assert client_for("bob").get(url).status_code == 404
    assert client_for("carol").get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_report_findings_and_charts_are_the_reports(world: dict[str, Any]) -> None:
    html = page(world)
    report = build.report_for_group(world["group"].pk, None, None)
    assert "群健康报告" in html and 'id="findings"' in html
    for finding in report.findings:
        assert finding.text("zh-hans")[0].replace("'", "&#x27;") in html
    blocks = re.findall(
        r'<script id="(report-figure-\d+)" type="application/json">(.*?)</script>', html
    )
    assert len(blocks) >= 2
    for block_id, body in blocks:
        figure = json.loads(body)
        assert figure["data"] and "layout" in figure
        assert f'data-figure="{block_id}"' in html  # each block has its chart element
    # plotly from the installed package, as a static file of ours; the chart script too.
    assert re.search(r'<script src="/static/plotly/plotly-[\d.]+\.min\.js" defer>', html)
    assert '<script src="/static/report/charts.js" defer>' in html


def test_lurkers_are_the_lurker_metrics(world: dict[str, Any]) -> None:
    lurkers = section(page(world), "lurkers")
    assert f'href="/members/{person_id("u6")}/"' in lurkers  # joined, never spoke
    for spoke in ("u1", "u2", "u9"):
        assert f'href="/members/{person_id(spoke)}/"' not in lurkers
    assert f'href="/members/{person_id("u7")}/"' not in lurkers  # left: nobody's audience


def test_newcomer_nobody_answered_is_waiting(world: dict[str, Any]) -> None:
    waiting = section(page(world), "waiting")
    assert f'href="/members/{person_id("u9")}/"' in waiting
    assert f"?person={person_id('u9')}" in waiting  # to their messages
    assert f'href="/members/{person_id("u2")}/"' not in waiting  # founder, and answered


def test_joins_and_leaves_with_inviters(world: dict[str, Any]) -> None:
    html = page(world)
    joins, leaves = section(html, "joins"), section(html, "leaves")
    u6_row = joins[joins.index(f'href="/members/{person_id("u6")}/"') :].split("</tr>")[0]
    assert "成员u2" in u6_row  # the inviter
    assert joins.index("&lt;img") < joins.index("成员u6")  # newest first: u9 before u6
    assert "成员u7" in leaves and "2026-03-17" in leaves  # shown in Asia/Shanghai


def test_links_to_message_history(world: dict[str, Any]) -> None:
    html = page(world)
    assert f'href="/groups/{world["group"].pk}/messages/"' in html


def test_markup_from_chats_is_escaped(world: dict[str, Any]) -> None:
    html = page(world)
    assert EVIL_NICK not in html and EVIL_TEXT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in section(html, "waiting")
    assert "&lt;img src=x onerror=alert(1)&gt;" in section(html, "joins")


def test_english(world: dict[str, Any]) -> None:
    html = page(world, language="en")
    assert "Group health report" in html and "Lurkers" in html and "Recent joins" in html


def test_cached_until_a_new_message(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = build.report_for_group

    def counting(group_id: int, *args: Any) -> build.Report:
        calls.append(group_id)
        return real(group_id, *args)

    monkeypatch.setattr(build, "report_for_group", counting)
    page(world)
    page(world)
    page(world, language="en")  # the other language reuses the same report
    assert len(calls) == 1
    settle(world["A"], [say(23, "u6", "我终于冒泡了", 7)])
    html = page(world)
    assert len(calls) == 2
    assert f'href="/members/{person_id("u6")}/"' not in section(html, "lurkers")


def test_a_leave_invalidates_too(world: dict[str, Any]) -> None:
    assert f'href="/members/{person_id("u6")}/"' in section(page(world), "lurkers")
    left = MemberLeft(
        platform="test", group="g1", event_id="l-u6", at=T0 + timedelta(days=23),
        actor=actor("u6"), member=actor("u6"),
    )  # fmt: skip
    settle(world["A"], [left])
    html = page(world)
    assert "成员u6" in section(html, "leaves")
    assert f'href="/members/{person_id("u6")}/"' not in section(html, "lurkers")


def test_group_without_messages(world: dict[str, Any]) -> None:
    community: Community = world["A"]
    quiet = Group.objects.create(
        community=community, platform="test", external_id="q", name="安静群"
    )
    response = client_for("alice").get(f"/groups/{quiet.pk}/")
    assert response.status_code == 200
    assert "还没有" in response.content.decode() or "No messages" in response.content.decode()


def test_a_failing_report_leaves_the_rest_of_the_page(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> build.Report:
        raise RuntimeError("analytics is down")

    monkeypatch.setattr(build, "report_for_group", broken)
    html = page(world)
    assert "暂时无法生成健康报告" in html and "Traceback" not in html
    assert "成员u7" in section(html, "leaves")
