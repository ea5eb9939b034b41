"""The meetups pages per role: operators create, sign up, cancel and take attendance;
viewers read; outsiders get 404; errors on their fields; chat text escaped.

World (``test_edit.build_world``): community A (Asia/Shanghai) with group g1 and
members u1, u2; alice owns A, dan views A, bob operates B; frank is added here
as operator of A.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from shequn.community.actions import grant_staff
from shequn.community.models import Account, AuditLog, Group, Link
from shequn.playbook.meetups_actions import sign_up
from shequn.playbook.models import Meetup
from shequn.playbook.models import MeetupSignup as Signup
from tests.web.test_edit import EVIL, build_world, client_for
from tests.web.test_meetups_kit import meetup_for_matrix

pytestmark = [pytest.mark.django_db, pytest.mark.store]

LOCAL = (timezone.now() + timedelta(days=10)).strftime("%Y-%m-%d") + "T19:30"
GOOD = {"title": "周六徒步", "starts_at": LOCAL, "place": "奥森南门", "capacity": "2",
        "remind_hours": "24，2"}  # fmt: skip


@pytest.fixture
def group() -> Group:
    world = build_world()
    grant_staff(User.objects.create_user("frank"), world["A"], "operator", by="test")
    return Group.objects.get(external_id="g1")


def test_operator_creates_a_meetup_in_local_time(group: Group) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/meetups/", GOOD)
    meetup = Meetup.objects.get(title="周六徒步")
    assert response.status_code == 302 and response["Location"] == f"/meetups/{meetup.pk}/"
    local = datetime.fromisoformat(LOCAL)
    assert meetup.starts_at == (local - timedelta(hours=8)).replace(tzinfo=UTC)  # Shanghai
    assert meetup.remind_hours == [24, 2] and meetup.capacity == 2
    assert AuditLog.objects.get(action="MeetupCreated").user.username == "frank"  # type: ignore[union-attr]
    page = client_for("dan").get(f"/groups/{group.pk}/meetups/").content.decode()
    assert "周六徒步" in page and LOCAL.replace("T", " ") in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("starts_at", "2020-01-01T10:00"), ("starts_at", "下周六"), ("capacity", "0"),
     ("title", ""), ("remind_hours", "24, 两")],
)  # fmt: skip
def test_bad_form_is_refused_on_its_field(group: Group, field: str, value: str) -> None:
    response = client_for("frank").post(f"/groups/{group.pk}/meetups/", {**GOOD, field: value})
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Meetup.objects.exists()


def test_viewer_reads_but_may_not_write(group: Group) -> None:
    meetup_id = meetup_for_matrix(group)
    page = client_for("dan").get(f"/meetups/{meetup_id}/")
    assert page.status_code == 200 and "signup-form" not in page.content.decode()
    assert 'name="attended"' not in page.content.decode()
    refused = client_for("dan").post(f"/meetups/{meetup_id}/", {"do": "signup", "name": "x"})
    assert refused.status_code == 403 and not Signup.objects.exists()
    assert client_for("bob").get(f"/meetups/{meetup_id}/").status_code == 404
    assert client_for("bob").get(f"/groups/{group.pk}/meetups/").status_code == 404


def test_signups_waitlist_cancel_and_attendance(group: Group) -> None:
    meetup = Meetup.objects.get(pk=meetup_for_matrix(group))
    meetup.capacity = 2
    meetup.save()
    frank, url = client_for("frank"), f"/meetups/{meetup.pk}/"
    u1, u2 = (Account.objects.get(external_id=e) for e in ("u1", "u2"))
    for data in ({"member": u1.pk}, {"name": EVIL}, {"member": u2.pk}):
        assert frank.post(url, {"do": "signup", **data}).status_code == 302
    assert frank.post(url, {"do": "signup"}).status_code == 400  # neither member nor name
    statuses = dict(meetup.signups.values_list("account_id", "status"))
    assert statuses == {u1.pk: "confirmed", None: "confirmed", u2.pk: "waiting"}
    guest = meetup.signups.get(account=None)
    assert frank.post(url, {"do": "cancel", "signup": guest.pk}).status_code == 302
    assert meetup.signups.get(account=u2).status == "confirmed"  # promoted
    ids = list(meetup.signups.filter(status="confirmed").values_list("pk", flat=True))
    assert frank.post(url, {"do": "attendance", "attended": ids}).status_code == 302
    link = Link.objects.get()
    assert link.dimension == "met_offline" and link.source == f"meetup:{meetup.pk}"
    page = frank.get(url).content.decode()
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "<b>读书会</b>" not in page and "&lt;b&gt;读书会&lt;/b&gt;" in page
    assert page.count("checked") == 2
    bad = frank.post(url, {"do": "attendance", "attended": [guest.pk]})
    assert bad.status_code == 400 and Link.objects.count() == 1


def test_guest_signup_name_escaped_on_list(group: Group) -> None:
    meetup = Meetup.objects.get(pk=meetup_for_matrix(group))
    sign_up(meetup, None, EVIL, "console", tell=False)
    page = client_for("alice").get(f"/groups/{group.pk}/meetups/").content.decode()
    assert "<b>读书会</b>" not in page and "&lt;b&gt;读书会&lt;/b&gt;" in page
