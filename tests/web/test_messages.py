"""The message history: newest first, keyset pages, search, reply targets, escaping, htmx."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Group
from shequn.events import Actor, MessagePosted
from shequn.web.messages import PAGE_SIZE, decode_cursor, encode_cursor
from tests.store.factories import T0

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"
TOTAL = PAGE_SIZE * 2 + 7


def say(n: int, who: str, text: str, *, reply_to: str | None = None, group: str = "g1") -> Any:
    return MessagePosted(
        platform="test",
        group=group,
        group_name="测试群",
        event_id=f"m{n}",
        # Every third message shares its time with the one before: ties are cut by id.
        at=T0 + timedelta(minutes=n - (n % 3 == 0)),
        actor=Actor(id=who, name=EVIL_NICK if who == "u9" else f"成员{who}"),
        text=text,
        reply_to=reply_to,
    )


@pytest.fixture
def world() -> dict[str, Any]:
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    events = [say(n, f"u{n % 3 + 1}", f"消息{n:03d}") for n in range(1, TOTAL - 2)]
    events.append(say(TOTAL - 2, "u9", EVIL_TEXT))
    events.append(say(TOTAL - 1, "u2", "回复那条可疑消息", reply_to=f"m{TOTAL - 2}"))
    events.append(say(TOTAL, "u1", "回复一条不在库里的消息", reply_to="missing"))
    ingest(events, a)
    ingest([say(1, "b1", "B群的秘密", group="gb")], b)
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    return {"group": Group.objects.get(external_id="g1"), "A": a}


def client_for(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    return client


def url(world: dict[str, Any], query: str = "") -> str:
    return f"/groups/{world['group'].pk}/messages/{query}"


def shown(html: str) -> list[int]:
    """Message ids on the page, in page order."""
    return [int(n) for n in re.findall(r'data-message="(\d+)"', html)]


def older_link(html: str) -> str | None:
    found = re.search(r'<a href="(\?[^"]*)"[^>]*rel="next"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def newer_link(html: str) -> str | None:
    found = re.search(r'<a href="(\?[^"]*)"[^>]*rel="prev"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def newest_first() -> list[int]:
    group = Group.objects.get(external_id="g1")
    return list(
        Message.objects.filter(group=group).order_by("-at", "-id").values_list("id", flat=True)
    )


def test_who_may_read(world: dict[str, Any]) -> None:
    assert client_for("alice").get(url(world)).status_code == 200
    assert client_for("dan").get(url(world)).status_code == 200
    assert client_for("bob").get(url(world)).status_code == 404
    assert client_for("carol").get(url(world)).status_code == 404
    assert Client().get(url(world)).status_code == 302


def test_pages_walk_the_whole_history_newest_first_and_back(world: dict[str, Any]) -> None:
    client = client_for("dan")
    html = client.get(url(world)).content.decode()
    seen: list[int] = []
    pages = [shown(html)]
    assert newer_link(html) is None
    while (link := older_link(html)) is not None:
        seen += shown(html)
        html = client.get(url(world, link)).content.decode()
        pages.append(shown(html))
    seen += shown(html)
    assert seen == newest_first()  # every message once, in order, across ties in time
    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    # and back: "newer" from the last page gives the middle page, then the first.
    back = client.get(url(world, newer_link(html) or "")).content.decode()
    assert shown(back) == pages[1]
    first = client.get(url(world, newer_link(back) or "")).content.decode()
    assert shown(first) == pages[0] and newer_link(first) is None


def test_pages_use_keyset_not_offset(world: dict[str, Any]) -> None:
    client = client_for("dan")
    link = older_link(client.get(url(world)).content.decode())
    assert link is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(url(world, link))
    selects = [q["sql"] for q in queries if "chat_message" in q["sql"]]
    assert selects and all("OFFSET" not in sql.upper() for sql in selects)


def test_search_by_text_and_sender(world: dict[str, Any]) -> None:
    client = client_for("alice")
    html = client.get(url(world, "?q=消息10")).content.decode()
    texts = re.findall(r'<p class="text">(.*?)</p>', html)
    assert texts and all("消息10" in t for t in texts)
    by_sender = client.get(url(world, "?sender=成员u2")).content.decode()
    senders = set(re.findall(r'class="sender"[^>]*>(.*?)</a>', by_sender))
    assert senders == {"成员u2"}
    nothing = client.get(url(world, "?q=no-such-text")).content.decode()
    assert shown(nothing) == []
    assert "B群的秘密" not in client.get(url(world, "?q=B群")).content.decode()  # other group


def test_person_filter_and_bad_parameters(world: dict[str, Any]) -> None:
    client = client_for("alice")
    evil = Message.objects.get(external_id=f"m{TOTAL - 2}")
    assert evil.sender is not None
    html = client.get(url(world, f"?person={evil.sender.person_id}")).content.decode()
    assert shown(html) == [evil.pk]
    for bad in ("?before=garbage", "?after=1_x", "?person=abc", "?before=99999999999999999_1"):
        response = client.get(url(world, bad))
        assert response.status_code == 200 and len(shown(response.content.decode())) == PAGE_SIZE


def test_replies_show_what_they_answer(world: dict[str, Any]) -> None:
    html = client_for("alice").get(url(world)).content.decode()
    reply = html[html.index("回复那条可疑消息") - 600 : html.index("回复那条可疑消息")]
    assert "reply-to" in reply and "&lt;img src=x onerror=alert(1)&gt;" in reply
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply
    assert "不在这里" in html or "not stored here" in html  # the missing target


def test_markup_is_escaped(world: dict[str, Any]) -> None:
    html = client_for("alice").get(url(world)).content.decode()
    assert EVIL_TEXT not in html and EVIL_NICK not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_htmx_request_gets_the_list_alone(world: dict[str, Any]) -> None:
    response = client_for("alice").get(url(world, "?q=消息00"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="message-list">')
    assert "<html" not in html and shown(html)
    full = client_for("alice").get(url(world)).content.decode()
    assert 'hx-get="/groups/' in full and 'hx-target="#message-list"' in full


def test_cursor_round_trip(world: dict[str, Any]) -> None:
    message = Message.objects.order_by("-id").first()
    assert message is not None
    assert decode_cursor(encode_cursor(message)) == (message.at, message.pk)
    assert decode_cursor("") is None and decode_cursor("1_2_3") is None
