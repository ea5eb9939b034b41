"""The digest page per role, escaping of chat text, and marking essence from the message history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.cli import main
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import AuditLog, Group
from shequn.events import MessagePosted
from shequn.playbook.models import Essence
from tests.store.factories import joined, message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<script>alert('x')</script><b>粗体</b>"
NOON = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing, 1 March


def said(n: int, who: str, text: str, minutes: int, reply_to: str | None = None) -> MessagePosted:
    """Message ``m<n>`` by ``who``, ``minutes`` after noon in Beijing on 1 March."""
    posted = message(n, who=who, text=text, reply_to=reply_to)
    return replace(posted, at=NOON + timedelta(minutes=minutes))


@pytest.fixture
def world() -> dict[str, Any]:
    """Community A in Asia/Shanghai: a day with a thread whose opening is hostile HTML."""
    a = get_or_create_community("社群A")
    a.time_zone = "Asia/Shanghai"
    a.save()
    b = get_or_create_community("社群B")
    events = [joined(1, "u1"), joined(2, "u2"), joined(3, "u3")]
    events += [
        said(10, "u1", EVIL + " 向量数据库怎么选？", 0),
        said(11, "u2", "推荐 Milvus 向量数据库", 1, reply_to="m10"),
        said(12, "u3", "我们用 pgvector，向量数据库够用", 2, reply_to="m10"),
    ]
    ingest(events, a)
    for name, community, role in [
        ("alice", a, "owner"),
        ("bob", b, "operator"),
        ("dan", a, "viewer"),
    ]:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    group = Group.objects.get(external_id="g1")
    return {"group": group, "m10": Message.objects.get(external_id="m10")}


def client_for(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_the_digest_page_shows_the_day_to_every_role_escaped(world: dict[str, Any]) -> None:
    url = f"/groups/{world['group'].pk}/digest/?day=2026-03-01"
    for who in ("alice", "dan"):
        response = client_for(who).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "向量数据库" in html and "成员u1" in html and "成员u3" in html
        assert "<script>alert" not in html and "<b>粗体</b>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert client_for("bob").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_a_day_is_the_communitys_day(world: dict[str, Any]) -> None:
    """The thread was at noon in Beijing on 1 March; 2 March has nothing."""
    html = client_for("alice").get(f"/groups/{world['group'].pk}/digest/?day=2026-03-02")
    assert "向量数据库" not in html.content.decode()


def test_a_bad_day_is_refused_naming_the_field(world: dict[str, Any]) -> None:
    for day in ("2026-02-30", "yesterday", "2999-01-01"):
        response = client_for("alice").get(f"/groups/{world['group'].pk}/digest/?day={day}")
        assert response.status_code == 400
        assert "YYYY-MM-DD" in response.content.decode()


def test_an_operator_marks_and_unmarks_essence_from_the_history(world: dict[str, Any]) -> None:
    group, m10 = world["group"], world["m10"]
    history = f"/groups/{group.pk}/messages/"
    page = client_for("alice").get(history).content.decode()
    assert "group_essence" not in page and f"/groups/{group.pk}/essence/" in page
    response = client_for("alice").post(
        f"/groups/{group.pk}/essence/",
        {"message": m10.pk, "action": "mark", "next": f"{history}#m{m10.pk}"},
    )
    assert response.status_code == 302 and response["Location"] == f"{history}#m{m10.pk}"
    mark = Essence.objects.get(group=group)
    assert (mark.message_external_id, mark.how, mark.marked_by_user.username) == (
        "m10",
        "console",
        "alice",
    )  # type: ignore[union-attr]
    entry = AuditLog.objects.get(action="MarkEssence")
    assert (entry.user.username, entry.target, entry.rule) == ("alice", "m10", "operator:alice")  # type: ignore[union-attr]
    digest = client_for("dan").get(f"/groups/{group.pk}/digest/?day=2026-03-01").content.decode()
    assert 'id="digest-essence"' in digest and "alice" in digest
    client_for("alice").post(
        f"/groups/{group.pk}/essence/", {"message": m10.pk, "action": "unmark"}
    )
    assert not Essence.objects.exists()
    assert AuditLog.objects.filter(action="UnmarkEssence").count() == 1


def test_a_viewer_sees_no_button_and_cannot_mark(world: dict[str, Any]) -> None:
    group, m10 = world["group"], world["m10"]
    page = client_for("dan").get(f"/groups/{group.pk}/messages/").content.decode()
    assert f"/groups/{group.pk}/essence/" not in page
    response = client_for("dan").post(
        f"/groups/{group.pk}/essence/", {"message": m10.pk, "action": "mark"}
    )
    assert response.status_code == 403
    assert not Essence.objects.exists()


def test_a_message_of_another_group_or_an_offsite_next_is_refused(world: dict[str, Any]) -> None:
    group, m10 = world["group"], world["m10"]
    other = get_or_create_community("社群A")
    ingest([message(1, who="x1", group="g2")], other)
    foreign = Message.objects.get(group__external_id="g2")
    url = f"/groups/{group.pk}/essence/"
    assert (
        client_for("alice").post(url, {"message": foreign.pk, "action": "mark"}).status_code == 404
    )
    response = client_for("alice").post(
        url, {"message": m10.pk, "action": "mark", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/groups/{group.pk}/messages/"


def test_the_cli_prints_the_digest_as_json(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code = main(["digest", "--group", str(world["group"].pk), "--day", "2026-03-01", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["day"] == "2026-03-01" and data["zone"] == "Asia/Shanghai"
    assert data["threads"][0]["replies"] == 2 and data["threads"][0]["participants"] == 3
    assert {c["name"] for c in data["credited"]} == {"成员u1", "成员u2", "成员u3"}
    assert main(["digest", "--group", "999999", "--day", "2026-03-01"]) == 2
    assert main(["digest", "--group", str(world["group"].pk), "--day", "3月1日"]) == 2
    assert "--day: expected YYYY-MM-DD" in capsys.readouterr().err


def test_the_cli_scans_history_and_plans_the_next_digest(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    group = world["group"]
    args = ["digest", "--group", str(group.pk), "--day", "2026-03-01", "--from-history"]
    assert main([*args, "--schedule"]) == 0
    err = capsys.readouterr().err
    assert "essence from history: 0 by command, 0 by reaction, 0 new" in err
    assert "next digest: off (essence.digest)" in err
    group.settings = {"essence": {"digest": True, "digest_at": "25:00"}}
    group.save()
    assert main([*args, "--schedule"]) == 2
    assert "essence.digest_at" in capsys.readouterr().err
