"""The group page's "presence for the silent" section and its send button.

Reports read the store on a second connection, hence ``transaction=True``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Account, AuditLog, Group
from shequn.playbook.models import Column, ColumnPost, Job
from shequn.playbook.presence_jobs import KIND
from tests.store.factories import joined, message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<script>alert(1)</script>"


def build() -> dict[str, Any]:
    """u1 speaks; u2 (an offer that is markup), u3 (an industry) never do."""
    community = get_or_create_community("社群A")
    events = [joined(1, "u1"), joined(2, "u2"), joined(3, "u3")]
    events += [message(n, who="u1") for n in range(4, 10)]
    ingest(events, community)
    persons = {e: Account.objects.get(external_id=e).person for e in ("u1", "u2", "u3")}
    persons["u2"].offers = EVIL
    persons["u2"].save()
    persons["u3"].industry = "金融"
    persons["u3"].save()
    grant_staff(User.objects.create_user("alice"), community, "owner", by="test")
    grant_staff(User.objects.create_user("dan"), community, "viewer", by="test")
    return {"group": Group.objects.get(external_id="g1"), "persons": persons}


def client(name: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=name))
    return c


def test_group_page_loads_the_section() -> None:
    group = build()["group"]
    page = client("dan").get(f"/groups/{group.pk}/").content.decode()
    assert f'hx-get="/groups/{group.pk}/presence/"' in page


def test_section_lists_silent_members_escaped() -> None:
    data = build()
    group, persons = data["group"], data["persons"]
    page = client("alice").get(f"/groups/{group.pk}/presence/").content.decode()
    assert "<script>" not in page
    assert "「&lt;script&gt;alert(1)" in page
    assert "「金融」" in page
    assert f'value="{persons["u2"].pk}"' in page  # alice may send
    assert f'value="{persons["u1"].pk}"' not in page  # u1 spoke


def test_viewer_sees_no_send_button_and_may_not_send() -> None:
    data = build()
    group, persons = data["group"], data["persons"]
    dan = client("dan")
    page = dan.get(f"/groups/{group.pk}/presence/").content.decode()
    assert "「金融」" in page and 'name="person"' not in page
    answer = dan.post(f"/groups/{group.pk}/presence/send/", {"person": persons["u3"].pk})
    assert answer.status_code == 403
    assert not Job.objects.exists() and not AuditLog.objects.filter(action="PresenceInvite")


def test_operator_send_enqueues_and_audits() -> None:
    data = build()
    group, persons = data["group"], data["persons"]
    answer = client("alice").post(
        f"/groups/{group.pk}/presence/send/", {"person": persons["u3"].pk}
    )
    assert answer.status_code == 302
    job = Job.objects.get()
    assert job.kind == KIND and job.group == group
    assert "「金融」" in job.payload["text"]
    entry = AuditLog.objects.get(action="PresenceInvite")
    assert entry.user is not None and entry.user.username == "alice"
    assert entry.person == persons["u3"] and entry.details["job"] == job.pk


def test_send_to_a_member_who_spoke_is_refused() -> None:
    data = build()
    group, persons = data["group"], data["persons"]
    answer = client("alice").post(
        f"/groups/{group.pk}/presence/send/", {"person": persons["u1"].pk}
    )
    assert answer.status_code == 400
    assert "person" in answer.content.decode()
    assert not Job.objects.exists()


def test_next_column_slot_is_suggested() -> None:
    group = build()["group"]
    column = Column.objects.create(group=group, name="晨报", schedule="0 9 * * *")
    ColumnPost.objects.create(column=column, slot_at=timezone.now() + timedelta(days=1))
    off = Column.objects.create(group=group, name="停刊", schedule="0 9 * * *", enabled=False)
    ColumnPost.objects.create(column=off, slot_at=timezone.now() + timedelta(hours=1))
    with translation.override("zh-hans"):
        page = client("dan").get(f"/groups/{group.pk}/presence/").content.decode()
    assert "可在下期【晨报】" in page and "停刊" not in page
    assert "你是做「金融」的" in page
