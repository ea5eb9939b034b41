"""The dynamic-elimination page: the dry-run preview per role, running a sweep, readmitting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import AuditLog, Community, Group, Membership
from shequn.playbook.models import EliminationNotice, Job
from tests.playbook.elimination_kit import build, join, policy, run, say, set_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def setup_group(settings: dict[str, object] | None = None) -> tuple[Community, Group]:
    """u1 (named with markup) silent 40 days, u2 spoke today, o1 the owner, silent."""
    now = timezone.now()
    long_ago = now - timedelta(days=200)
    community = get_or_create_community("社群A")
    events = [join("u1", long_ago), join("u2", long_ago), join("o1", long_ago)]
    events += [say("u1", now - timedelta(days=40)), say("u2", now)]
    group, _engine, _memory = build(community, settings or policy(), events)
    set_role(group, "o1", "owner")
    Membership.objects.filter(account__external_id="u1").update(nickname="<b>老王</b>")
    for name, role in (("alice", "operator"), ("dan", "viewer")):
        grant_staff(User.objects.create_user(name), community, role, by="test")
    return community, group


def client(name: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=name))
    return c


def test_the_preview_lists_who_would_be_notified_and_why_escaped() -> None:
    _community, group = setup_group()
    audited = AuditLog.objects.count()
    page = client("dan").get(f"/groups/{group.pk}/elimination/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "今天将被移出" in html and "现在将收到通知" in html  # Chinese first
    new = html[html.index('id="new"') : html.index('id="open"')]
    assert "&lt;b&gt;老王&lt;/b&gt;" in new and "<b>老王" not in html
    assert "u2" not in new and "o1" not in new  # active, protected
    assert "<td>40</td>" in new and "<td>30</td>" in new
    assert 'id="run-sweep"' not in html  # a viewer may look, not run
    operator = client("alice").get(f"/groups/{group.pk}/elimination/").content.decode()
    assert 'id="run-sweep"' in operator
    assert not EliminationNotice.objects.exists() and AuditLog.objects.count() == audited


def test_a_bad_policy_is_named_on_the_page() -> None:
    _community, group = setup_group({"elimination": {"grace_days": "soon"}})
    html = client("dan").get(f"/groups/{group.pk}/elimination/").content.decode()
    assert "elimination.grace_days" in html


def test_an_operator_runs_a_sweep_by_enqueueing_it_once() -> None:
    _community, group = setup_group()
    alice = client("alice")
    assert alice.post(f"/groups/{group.pk}/elimination/run/").status_code == 302
    assert alice.post(f"/groups/{group.pk}/elimination/run/").status_code == 302
    (job,) = Job.objects.filter(kind="eliminate")
    assert job.group_id == group.pk and job.payload == {"group": group.pk, "daily": True}
    asked = AuditLog.objects.get(action="EliminationSweep")
    assert asked.user is not None and asked.details == {"job": job.pk}
    assert client("dan").post(f"/groups/{group.pk}/elimination/run/").status_code == 403


def test_a_sweep_is_not_scheduled_while_the_policy_is_off() -> None:
    _community, group = setup_group({"elimination": {"enabled": False}})
    done = client("alice").post(f"/groups/{group.pk}/elimination/run/", follow=True)
    assert "未启用" in done.content.decode()
    assert not Job.objects.exists()


def test_due_members_show_as_removed_today_and_an_operator_readmits() -> None:
    from shequn.connectors.memory import MemoryConnector
    from shequn.playbook.engine import Engine

    community, group = setup_group(policy(grace_days=0))
    engine = Engine(community, [MemoryConnector(platform="test")])
    run(group, engine, timezone.now())
    html = client("dan").get(f"/groups/{group.pk}/elimination/").content.decode()
    due = html[html.index('id="due"') : html.index('id="new"')]
    assert "&lt;b&gt;老王&lt;/b&gt;" in due
    run(group, engine, timezone.now())
    notice = EliminationNotice.objects.get()
    assert notice.state == "removed"
    alice = client("alice")
    readmit_url = f"/groups/{group.pk}/elimination/readmit/"
    assert alice.post(readmit_url, {"notice": "x"}).status_code == 400
    done = alice.post(f"/groups/{group.pk}/elimination/readmit/", {"notice": notice.pk})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.state == "readmitted"
    again = alice.post(f"/groups/{group.pk}/elimination/readmit/", {"notice": notice.pk})
    assert again.status_code == 409
    entry = AuditLog.objects.get(action="Readmit")
    assert entry.user is not None and entry.user.username == "alice"
