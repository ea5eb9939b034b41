"""The columns pages per role: operators create, edit and queue; viewers read; errors on fields.

World (``test_edit.build_world``): community A (Asia/Shanghai) with group g1 and
members u1, u2; alice owns A, dan views A, erin assists A, bob operates B; frank
is added here as operator of A.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.community.actions import create_api_token, grant_staff
from shequn.community.models import Account, AuditLog, Community, Group
from shequn.playbook.models import Column, ColumnItem, ColumnPost
from tests.web.test_columns_kit import column_for_matrix
from tests.web.test_edit import EVIL, build_world, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.store]

GOOD = {
    "name": "周三课堂", "schedule": "0 19 * * 3", "enabled": "on", "hosts": "u1\n成员u2",
    "remind_minutes": "30", "summary": "on", "window_hours": "3",
}  # fmt: skip


@pytest.fixture
def group() -> Group:
    world = build_world()
    grant_staff(User.objects.create_user("frank"), world["A"], "operator", by="test")
    return Group.objects.get(external_id="g1")


def test_operator_creates_a_column_with_hosts_in_order(group: Group) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/columns/", GOOD)
    column = Column.objects.get(name="周三课堂")
    assert response.status_code == 302 and response["Location"] == f"/columns/{column.pk}/"
    hosts = [Account.objects.get(pk=pk).external_id for pk in column.host_ids]
    assert hosts == ["u1", "u2"]
    post = ColumnPost.objects.get(column=column)
    local = post.slot_at + timedelta(hours=8)  # Asia/Shanghai has no DST
    assert (local.weekday(), local.hour) == (2, 19)
    entry = AuditLog.objects.get(action="ColumnCreated")
    assert entry.user is not None and entry.user.username == "frank"
    page = client_for("frank").get(f"/groups/{group.pk}/columns/").content.decode()
    assert "周三课堂" in page and f"{local:%Y-%m-%d} 19:00" in page


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("schedule", "每周三晚上", "five-field"),
        ("hosts", "u1\nnobody", "nobody"),
        ("window_hours", "0", "window_hours"),
        ("name", "", "name"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_saved(
    group: Group, field: str, value: str, said: str
) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/columns/", {**GOOD, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'data-field="{field}"' in html
    if field in ("schedule", "hosts"):
        assert said in html  # the message names what was expected, or the unknown member
    assert not Column.objects.exists() and not ColumnPost.objects.exists()


def test_duplicate_name_is_refused_on_the_name(group: Group) -> None:
    column_for_matrix(group)
    response = client_for("frank").post(f"/groups/{group.pk}/columns/", {**GOOD, "name": "晨报"})
    assert response.status_code == 400 and 'data-field="name"' in response.content.decode()
    assert Column.objects.count() == 1


def test_operator_edits_and_manages_the_queue(group: Group) -> None:
    column = Column.objects.get(pk=column_for_matrix(group))
    frank = client_for("frank")
    response = frank.post(
        f"/columns/{column.pk}/", {**GOOD, "name": "晨报", "schedule": "0 7 * * *"}
    )
    assert response.status_code == 302
    column.refresh_from_db()
    assert column.schedule == "0 7 * * *"
    assert ColumnPost.objects.filter(column=column, status="cancelled").count() == 1
    frank.post(f"/columns/{column.pk}/queue/", {"do": "add", "text": "第2期"})
    frank.post(f"/columns/{column.pk}/queue/", {"do": "add", "text": EVIL})
    texts = lambda: list(column.items.order_by("position").values_list("text", flat=True))  # noqa: E731
    assert texts() == ["第1期：<b>早安</b>", "第2期", EVIL]
    last = ColumnItem.objects.get(text=EVIL)
    frank.post(f"/columns/{column.pk}/queue/", {"do": "up", "item": last.pk})
    assert texts() == ["第1期：<b>早安</b>", EVIL, "第2期"]
    frank.post(f"/columns/{column.pk}/queue/", {"do": "remove", "item": last.pk})
    assert texts() == ["第1期：<b>早安</b>", "第2期"]
    empty = frank.post(f"/columns/{column.pk}/queue/", {"do": "add", "text": "  "})
    assert empty.status_code == 400 and 'data-field="text"' in empty.content.decode()
    frank.post(f"/columns/{column.pk}/queue/", {"do": "add", "text": EVIL})
    page = frank.get(f"/columns/{column.pk}/").content.decode()
    assert EVIL not in page and "&lt;script&gt;" in page and "<b>早安" not in page
    assert AuditLog.objects.filter(action="ColumnQueued").count() == 4


def test_viewer_reads_without_forms_and_cannot_write(group: Group) -> None:
    column = Column.objects.get(pk=column_for_matrix(group))
    dan = client_for("dan")
    listing = dan.get(f"/groups/{group.pk}/columns/")
    page = dan.get(f"/columns/{column.pk}/")
    assert listing.status_code == page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert "晨报" in html and 'id="column-form"' not in html and 'id="item-form"' not in html
    assert dan.post(f"/groups/{group.pk}/columns/", GOOD).status_code == 403
    assert dan.post(f"/columns/{column.pk}/", GOOD).status_code == 403
    assert dan.post(f"/columns/{column.pk}/queue/", {"text": "x"}).status_code == 403
    assert client_for("erin").post(f"/columns/{column.pk}/queue/", {"text": "x"}).status_code == 403
    assert client_for("bob").get(f"/columns/{column.pk}/").status_code == 404
    assert ColumnItem.objects.count() == 1


def test_group_page_loads_the_engagement_section(group: Group) -> None:
    column_for_matrix(group)
    dan = client_for("dan")
    # A group without messages: its page builds no report (whose second store connection
    # upsets the SQLite file of the transactional tests that run after this one).
    quiet = Group.objects.create(community=group.community, platform="test", external_id="g9")
    page = dan.get(f"/groups/{quiet.pk}/").content.decode()
    assert f'hx-get="/groups/{quiet.pk}/columns/engagement/"' in page
    section = dan.get(f"/groups/{group.pk}/columns/engagement/").content.decode()
    assert 'id="column-engagement"' in section and "晨报" in section and "<html" not in section


def test_a_community_zone_shows_slots_in_local_time(group: Group) -> None:
    community = Community.objects.get(name="社群A")
    community.time_zone = "Europe/Berlin"
    community.save()
    column = Column.objects.get(pk=column_for_matrix(group))
    post = ColumnPost.objects.get(column=column)
    assert post.slot_at.minute == 0 and post.slot_at.hour in (6, 7)  # 08:00 CET/CEST
    page = client_for("alice").get(f"/columns/{column.pk}/").content.decode()
    assert " 08:00" in page


def test_api_lists_the_groups_columns_with_turnout(group: Group) -> None:
    column_for_matrix(group)
    token = create_api_token(User.objects.get(username="dan"))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/groups/{group.pk}/columns")
    assert response.status_code == 200
    (column,) = response.json()
    assert (column["name"], column["schedule"], column["queued"]) == ("晨报", "0 8 * * *", 1)
    assert column["zone"] == "Asia/Shanghai" and column["next_slot"].endswith("T00:00:00Z")
    assert column["turnout"] == []
    other = create_api_token(User.objects.get(username="bob"))
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {other}")
        .get(f"/api/groups/{group.pk}/columns")
        .status_code
        == 404
    )
