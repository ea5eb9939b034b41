"""Staff: owners invite by username or email, change roles, remove; the one-time link."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import AuditLog, Community, Staff
from tests.store.factories import message

# The home page reads reports on a second connection: the data must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

NEW_PASSWORD = "a long new password 42"


@pytest.fixture
def world() -> dict[str, Community]:
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest([message(1, who="u1")], a)
    ingest([message(1, who="b1", group="gb")], b)
    for name, community, role in [("alice", a, "owner"), ("bob", b, "owner"), ("dan", a, "viewer")]:
        grant_staff(
            User.objects.create_user(name, password=f"pw-{name}-long-enough"),
            community,
            role,
            by="test",
        )
    User.objects.create_user("carol", password="pw-carol-long-enough")
    return {"A": a, "B": b}


def client_for(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    return client


def staff_url(community: Community) -> str:
    return f"/communities/{community.pk}/staff/"


def role_url(community: Community, username: str) -> str:
    staff = Staff.objects.get(community=community, user__username=username)
    return f"/communities/{community.pk}/staff/{staff.pk}/"


def role_of(community: Community, username: str) -> str | None:
    staff = Staff.objects.filter(community=community, user__username=username).first()
    return staff.role if staff else None


def invite(world: dict[str, Community], who: str, role: str = "operator") -> Any:
    return client_for("alice").post(staff_url(world["A"]), {"who": who, "role": role})


def link_in(html: str) -> str:
    found = re.search(r'id="invite-link" value="http://testserver(/invite/[^"]+)"', html)
    assert found, "no invitation link on the page"
    return found.group(1)


def test_only_owners_manage_staff(world: dict[str, Community]) -> None:
    a = world["A"]
    page = client_for("alice").get(staff_url(a))
    assert page.status_code == 200 and "dan" in page.content.decode()
    assert client_for("dan").get(staff_url(a)).status_code == 403
    assert client_for("bob").get(staff_url(a)).status_code == 404  # owner of B only
    assert client_for("carol").get(staff_url(a)).status_code == 404
    assert Client().get(staff_url(a))["Location"].startswith("/login/")
    assert client_for("dan").post(role_url(a, "dan"), {"role": "owner"}).status_code == 403
    assert client_for("bob").post(role_url(a, "dan"), {"role": "owner"}).status_code == 404
    assert role_of(a, "dan") == "viewer"
    home = client_for("alice").get("/").content.decode()
    assert f'href="{staff_url(a)}"' in home
    assert f'href="{staff_url(a)}"' not in client_for("dan").get("/").content.decode()


def test_invite_a_new_person_who_sets_a_password_and_lands_with_the_role(
    world: dict[str, Community], caplog: pytest.LogCaptureFixture
) -> None:
    a = world["A"]
    with caplog.at_level(logging.DEBUG):
        response = invite(world, "erin", "operator")
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store")  # the link is not kept by caches
    link = link_in(response.content.decode())
    erin = User.objects.get(username="erin")
    assert not erin.has_usable_password() and role_of(a, "erin") == "operator"
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in caplog.text  # never logged …
    rows = AuditLog.objects.filter(community=a)
    assert all(token not in f"{r.target}{r.reason}{r.details}" for r in rows)  # … nor stored
    entry = AuditLog.objects.get(action="staff.invite")
    assert entry.user is not None and entry.user.username == "alice" and entry.target == "erin"
    assert entry.details == {"role": "operator", "new_user": True}

    visitor = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = visitor.get(link, follow=True)
    assert "设置密码" in form.content.decode() and "set-password" in form.redirect_chain[-1][0]
    done = visitor.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert "社群A" in visitor.get("/").content.decode()  # signed in, with the role
    assert visitor.get(f"/communities/{a.pk}/members/").status_code == 200
    assert Client().login(username="erin", password=NEW_PASSWORD)

    again = Client().get(link, follow=True).content.decode()
    assert 'id="invalid-link"' in again  # one time only


def test_invite_by_email_and_a_bad_name(world: dict[str, Community]) -> None:
    response = invite(world, "Frank@Example.com", "viewer")
    assert response.status_code == 200 and link_in(response.content.decode())
    frank = User.objects.get(username="Frank@Example.com")
    assert frank.email == "Frank@example.com" and role_of(world["A"], frank.username) == "viewer"
    bad = invite(world, "not a name!", "viewer")
    assert bad.status_code == 400 and "不是有效的用户名或邮箱" in bad.content.decode()
    wrong_role = invite(world, "gina", "emperor")
    assert wrong_role.status_code == 400 and not User.objects.filter(username="gina").exists()


def test_inviting_someone_with_a_password_gives_no_link(world: dict[str, Community]) -> None:
    response = invite(world, "carol", "assistant")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="invite-link"' not in html
    assert role_of(world["A"], "carol") == "assistant"
    assert Client().login(username="carol", password="pw-carol-long-enough")  # unchanged


def test_change_role_and_remove_are_audited(world: dict[str, Community]) -> None:
    a = world["A"]
    alice = client_for("alice")
    assert alice.post(role_url(a, "dan"), {"role": "operator"}).status_code == 302
    assert role_of(a, "dan") == "operator"
    change = AuditLog.objects.get(action="staff.role")
    assert change.details == {"from": "viewer", "to": "operator"} and change.target == "dan"
    assert alice.post(role_url(a, "dan"), {"remove": "1"}).status_code == 302
    assert role_of(a, "dan") is None
    removal = AuditLog.objects.get(action="staff.remove")
    assert removal.user is not None and removal.user.username == "alice"
    assert client_for("dan").get("/").content.decode().count("社群A") == 0


def test_the_last_owner_stays(world: dict[str, Community]) -> None:
    a = world["A"]
    alice = client_for("alice")
    demote = alice.post(role_url(a, "alice"), {"role": "viewer"}, follow=True)
    assert "至少需要一位群主" in demote.content.decode()
    alice.post(role_url(a, "alice"), {"remove": "1"})
    assert role_of(a, "alice") == "owner"
    alice.post(role_url(a, "dan"), {"role": "owner"})
    step_down = alice.post(role_url(a, "alice"), {"role": "viewer"})
    assert step_down.status_code == 302 and step_down["Location"] == "/"
    assert role_of(a, "alice") == "viewer"


def test_staff_of_another_community_cannot_be_reached(world: dict[str, Community]) -> None:
    bob = Staff.objects.get(community=world["B"], user__username="bob")
    b_staff = f"/communities/{world['A'].pk}/staff/{bob.pk}/"  # B's staff row under A's URL
    assert client_for("alice").post(b_staff, {"role": "viewer"}).status_code == 404
    assert role_of(world["B"], "bob") == "owner"


def test_forms_need_a_csrf_token(world: dict[str, Community]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="alice"))
    assert client.post(staff_url(world["A"]), {"who": "x", "role": "viewer"}).status_code == 403
    page = client.get(staff_url(world["A"])).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # invite, and each row's forms
