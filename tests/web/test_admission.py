"""The admission queue page: who sees it, who decides, and what a decision does on the platform."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import (
    AdmissionRequest,
    AuditLog,
    Community,
    Group,
    InviteCode,
    Membership,
    Person,
)
from shequn.connectors.memory import MemoryConnector
from shequn.events import Remove, Warn
from shequn.playbook.engine import Engine
from shequn.playbook.models import Job
from shequn.playbook.scheduler import run_due
from shequn.playbook.testing import feed
from tests.playbook.test_admission_kit import RULES, admission, joined, said

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<script>alert(1)</script>"


def setup(language: str = "zh") -> tuple[Community, Group]:
    """g1 with questions and pre-screening; u1 a member, u2 waiting with an answer."""
    community = get_or_create_community("社群A")
    group = Group.objects.create(
        community=community, platform="test", external_id="g1", name="测试群",
        settings=admission(questions=["你做什么？"], screening=True, language=language),
    )  # fmt: skip
    ingest([joined(0, "u1")], community)
    engine = Engine(community, [MemoryConnector(platform="test")], rules=RULES)
    asyncio.run(feed(engine, joined(1, "u2"), said(2, "u2", f"写代码 {EVIL}")))
    other = get_or_create_community("社群B")
    for name, where, role in [
        ("alice", community, "owner"),
        ("olga", community, "operator"),
        ("dan", community, "viewer"),
        ("bob", other, "operator"),
    ]:
        grant_staff(User.objects.create_user(name), where, role, by="test")
    return community, group


def client(name: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=name))
    return c


def run_jobs(community: Community) -> list[Any]:
    """Run the due jobs with an engine whose connector records; what it performed."""
    memory = MemoryConnector(platform="test")
    engine = Engine(community, [memory], rules=RULES)

    async def go() -> None:
        try:
            await run_due("test", engine_for=lambda _c: engine)
        finally:
            await sync_to_async(connections.close_all)()

    asyncio.run(go())
    return memory.performed


def test_the_queue_shows_answers_escaped_to_every_role_and_forms_to_deciders() -> None:
    _community, group = setup()
    url = f"/groups/{group.pk}/admission/"
    for who in ("alice", "olga", "dan"):
        response = client(who).get(url)
        assert response.status_code == 200, who
        page = response.content.decode()
        assert "成员u2" in page and "你做什么？" in page and "questions" in page
        assert EVIL not in page and "&lt;script&gt;" in page
        assert ('name="decision" value="reject"' in page) == (who != "dan"), who
    assert client("bob").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_approve_admits_with_the_path_and_tells_the_member() -> None:
    community, group = setup()
    request = AdmissionRequest.objects.get(account__external_id="u2")
    response = client("olga").post(
        f"/groups/{group.pk}/admission/decide/", {"request": request.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.path) == ("admitted", "questions+screening")
    assert request.decided_by is not None and request.decided_by.username == "olga"
    stay = Membership.objects.get(account__external_id="u2")
    assert stay.admission_path == "questions+screening"
    performed = run_jobs(community)
    assert [type(a) for a in performed] == [Warn]
    assert "已通过" in performed[0].text and performed[0].rule == "operator:olga"
    assert AuditLog.objects.filter(action="admission.approve", user__username="olga").exists()


def test_reject_needs_a_reason_then_removes_politely_in_english() -> None:
    community, group = setup(language="en")
    request = AdmissionRequest.objects.get(account__external_id="u2")
    url = f"/groups/{group.pk}/admission/decide/"
    empty = client("alice").post(url, {"request": request.pk, "decision": "reject"})
    assert empty.status_code == 400 and 'id="decide-errors"' in empty.content.decode()
    assert client("dan").post(url, {"request": request.pk, "decision": "reject"}).status_code == 403
    assert Job.objects.count() == 0
    done = client("alice").post(
        url, {"request": request.pk, "decision": "reject", "reason": "not our field"}
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "not our field")
    warn, remove = run_jobs(community)
    assert isinstance(warn, Warn) and isinstance(remove, Remove)
    assert "we are sorry" in warn.text and "(not our field)" in warn.text
    assert warn.member.id == remove.member.id == "u2"
    rows = AuditLog.objects.filter(rule="operator:alice", outcome="performed")
    assert set(rows.values_list("action", flat=True)) == {"admission.reject", "Warn", "Remove"}
    # Decided once: a second decision is refused.
    again = client("alice").post(url, {"request": request.pk, "decision": "approve"})
    assert again.status_code == 400


def test_a_request_of_another_group_is_not_found() -> None:
    _community, group = setup()
    other = Group.objects.create(
        community=group.community, platform="test", external_id="g2", name="二群"
    )
    request = AdmissionRequest.objects.get()
    response = client("alice").post(
        f"/groups/{other.pk}/admission/decide/", {"request": request.pk, "decision": "approve"}
    )
    assert response.status_code == 404
    assert AdmissionRequest.objects.get().status == "pending"


def test_operators_create_invite_codes_for_a_member_number() -> None:
    community, group = setup()
    url = f"/groups/{group.pk}/admission/codes/"
    person = Person.objects.get(accounts__external_id="u1")
    assert client("dan").post(url, {"number": person.number}).status_code == 403
    assert client("olga").post(url, {"number": 999}).status_code == 400
    response = client("olga").post(url, {"number": person.number, "campaign": "春季裂变"})
    assert response.status_code == 302
    code = InviteCode.objects.get()
    assert (code.owner, code.campaign, code.active, code.community) == (
        person,
        "春季裂变",
        True,
        community,
    )
    page = client("dan").get(f"/groups/{group.pk}/admission/").content.decode()
    assert code.code in page and "春季裂变" in page
