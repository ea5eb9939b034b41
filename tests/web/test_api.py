"""The HTTP API: who gets what (a permission matrix over every route), writes, validation.

The matrix is keyed by the URL names of the NinjaAPI's patterns, so a route
added without a matrix entry fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import (
    add_link,
    create_api_token,
    get_or_create_community,
    grant_staff,
    hash_api_token,
    update_person,
)
from shequn.community.models import Account, ApiToken, AuditLog, Community, Group, Person
from shequn.events import Actor, JoinHow, MemberJoined
from shequn.web.api import api
from tests.store.factories import T0, joined, message

pytestmark = [pytest.mark.django_db, pytest.mark.store]

EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"
USERS = ["alice", "bob", "carol", "dan", "none", "bad"]
# The statuses for alice (owner of A), bob (operator of B), carol (no role),
# dan (viewer of A), no token and a wrong token, on community A's objects.
READ_A = (200, 404, 404, 200, 401, 401)
PUBLIC = (200, 200, 200, 200, 200, 200)
MATRIX: dict[str, tuple[str, tuple[int, ...]]] = {
    "list_communities": ("get", (200, 200, 200, 200, 401, 401)),
    "list_groups": ("get", READ_A),
    "group_report": ("get", READ_A),
    "list_messages": ("get", READ_A),
    "list_members": ("get", READ_A),
    "get_member": ("get", READ_A),
    "patch_member": ("patch", (200, 404, 404, 403, 401, 401)),
    "list_ties": ("get", READ_A),
    "record_member_tie": ("post", (200, 404, 404, 403, 401, 401)),
    "list_audit": ("get", READ_A),
    "list_rules": ("get", READ_A),
    "get_rule": ("get", READ_A),
    "put_rule": ("put", (200, 404, 404, 403, 401, 401)),
    "list_columns": ("get", READ_A),
    "get_member_matching": ("get", READ_A),
    "list_questions": ("get", READ_A),
    "get_group_matching": ("get", READ_A),
    "create_introduction": ("post", (422, 404, 404, 403, 401, 401)),  # checked after the role
    "list_offers": ("get", READ_A),
    "list_orders": ("get", READ_A),
    # The shop's webhook takes no token: a shop signs each delivery with the community's
    # secret (tests/web/test_shop_webhook.py). Unsigned, everyone is refused alike.
    "shop_order_webhook": ("post", (401,) * 6),
    "list_jielong_chains": ("get", READ_A),
    "community_funnel_api": ("get", READ_A),
    "list_reward_rules": ("get", READ_A),
    "community_growth_api": ("get", READ_A),
    "community_growth_tree": ("get", READ_A),
    "list_fraud_flags": ("get", READ_A),
    "openapi-json": ("get", PUBLIC),
    "openapi-view": ("get", PUBLIC),
    "api-root": ("get", (404,) * 6),  # ninja's placeholder for /api/ itself
}


def api_routes() -> dict[str, str]:
    """URL name → route (``communities/<int:community_id>/groups``) of every API pattern."""
    patterns, _, _ = api.urls
    return {p.name: str(p.pattern) for p in patterns if p.name}


def person(external_id: str) -> Person:
    return Account.objects.get(external_id=external_id).person


def evil_join() -> MemberJoined:
    member = Actor(id="u9", name=EVIL_NICK)
    return MemberJoined(
        platform="test",
        group="g1",
        event_id="j9",
        at=T0 + timedelta(days=10),
        actor=member,
        member=member,
        how=JoinHow.LINK,
    )


@pytest.fixture
def world() -> dict[str, Any]:
    """A (u1 invites u2, u9 with a markup nickname, u3 in g2) and B (b1); one token each."""
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    events = [joined(1, "u1"), joined(2, "u2", inviter="u1"), evil_join()]
    events += [message(3, who="u1"), message(4, who="u2", text=EVIL_TEXT)]
    ingest([*events, message(5, who="u3", group="g2")], a)
    ingest([message(1, who="b1", group="gb")], b)
    p1, p2 = person("u1"), person("u2")
    update_person(p1, by="test", tier="big", city="上海", tags=["投资人"])
    update_person(p2, by="test", tier="mid", tags=["创业者"])
    add_link(p1, p2, "met_offline", "operator", T0)
    roles = [("alice", a, "owner"), ("bob", b, "operator"), ("dan", a, "viewer")]
    roles.append(("erin", a, "assistant"))
    for name, community, role in roles:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    tokens = {u.username: create_api_token(u) for u in User.objects.all()}
    tokens["bad"] = "sq_not-a-real-token"
    return {"A": a, "B": b, "tokens": tokens}


def client(world: dict[str, Any], who: str) -> Client:
    """A client sending ``who``'s bearer token (none for "none")."""
    if who == "none":
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][who]}")


def call(world: dict[str, Any], who: str, method: str, url: str, body: Any = None) -> Any:
    c = client(world, who)
    if method == "patch":
        return c.patch(url, body or {}, content_type="application/json")
    if method == "put":
        return c.put(url, body or {}, content_type="application/json")
    if method == "post":
        return c.post(url, body or {}, content_type="application/json")
    return c.get(url)


def url_of(route: str, world: dict[str, Any]) -> str:
    """The route filled in with community A's objects."""
    ids = {
        "community_id": world["A"].pk,
        "group_id": Group.objects.get(external_id="g1").pk,
        "person_id": person("u1").pk,
        "other_id": person("u2").pk,
        "name": "welcome",
    }
    return "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)


def test_every_route_is_in_the_matrix() -> None:
    assert set(api_routes()) == set(MATRIX)


#: Routes that read the store through their own (Arrow-native) connection.
READS_THROUGH_ARROW = {
    "group_report",
    "community_funnel_api",
    "community_growth_api",
    "community_growth_tree",
}


def matrix_params() -> list[Any]:
    """Route names; the report reads through its own connection, so it needs committed rows."""
    committed = pytest.mark.django_db(transaction=True)
    return [
        pytest.param(name, marks=[committed] if name in READS_THROUGH_ARROW else [])
        for name in sorted(MATRIX)
    ]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("name", matrix_params())
def test_permission_matrix(world: dict[str, Any], name: str, who: str) -> None:
    method, statuses = MATRIX[name]
    url = url_of(api_routes()[name], world)
    body = {"dimension": "phone"} if method == "post" else {"tier": "mid"}
    if method == "put":
        body = {"enabled": "false"}
    response = call(world, who, method, url, body)
    assert response.status_code == statuses[USERS.index(who)], response.content


def test_openapi_lists_every_route(world: dict[str, Any]) -> None:
    schema = Client().get("/api/openapi.json").json()
    documented = {(path, m) for path, ops in schema["paths"].items() for m in ops}
    for name, (method, _) in MATRIX.items():
        if name.startswith(("openapi", "api-")) or name == "shop_order_webhook":
            continue  # the webhook is for shops, documented in shequn/web/shop_api.py
        path = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", api_routes()[name])
        assert (path, method) in documented
    assert "TokenAuth" in schema["components"]["securitySchemes"]


def test_alice_patches_tier_and_tags_with_audit(world: dict[str, Any]) -> None:
    p1 = person("u1")
    body = {"tier": "mid", "tags": ["创业者", "投资人", "创业者"]}
    response = call(world, "alice", "patch", f"/api/members/{p1.pk}", body)
    assert response.status_code == 200
    assert response.json()["tier"] == "mid"
    assert sorted(response.json()["tags"]) == ["创业者", "投资人"]
    p1.refresh_from_db()
    assert p1.tier == "mid"
    [row] = AuditLog.objects.filter(action="person.update", user__isnull=False)
    assert row.user is not None and row.user.username == "alice"
    assert row.person_id == p1.pk and row.rule == "api" and row.details["fields"] == ["tier"]
    audit = call(world, "alice", "get", f"/api/communities/{world['A'].pk}/audit").json()
    assert audit["items"][0]["user"] == "alice" and audit["items"][0]["action"] == "person.update"


def test_roles_limit_what_a_patch_may_change(world: dict[str, Any]) -> None:
    url = f"/api/members/{person('u1').pk}"
    assert call(world, "dan", "patch", url, {"notes": "见过"}).status_code == 403
    assert call(world, "erin", "patch", url, {"notes": "见过"}).status_code == 200
    assert call(world, "erin", "patch", url, {"notes": "x", "tier": "mid"}).status_code == 403
    p1 = person("u1")
    assert p1.notes == "见过" and p1.tier == "big"
    rows = AuditLog.objects.filter(action="person.update", user__isnull=False)
    assert [r.user.username for r in rows if r.user] == ["erin"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "legendary"}, "tier"),
        ({"tags": ["x" * 65]}, "tags"),
        ({"notes": "长" * 5001}, "notes"),
        ({"city": "深圳"}, "city"),
    ],
    ids=["tier", "tag", "notes", "unknown"],
)
def test_bad_patch_is_422_naming_the_field(
    world: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = call(world, "alice", "patch", f"/api/members/{person('u1').pk}", body)
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert person("u1").tier == "big"
    assert not AuditLog.objects.filter(action="person.update", user__isnull=False).exists()


def test_bad_filter_is_422(world: dict[str, Any]) -> None:
    response = call(world, "alice", "get", f"/api/communities/{world['A'].pk}/members?tier=x")
    assert response.status_code == 422
    assert any("tier" in error["loc"] for error in response.json()["detail"])


def test_bob_sees_his_own_and_not_alices(world: dict[str, Any]) -> None:
    names = [c["name"] for c in call(world, "bob", "get", "/api/communities").json()]
    assert names == ["社群B"]
    assert call(world, "bob", "get", f"/api/members/{person('b1').pk}").status_code == 200
    assert call(world, "bob", "get", f"/api/members/{person('u1').pk}").status_code == 404
    assert call(world, "carol", "get", "/api/communities").json() == []


def test_members_paginate_and_filter(world: dict[str, Any]) -> None:
    base = f"/api/communities/{world['A'].pk}/members"
    first = call(world, "dan", "get", f"{base}?limit=2").json()
    rest = call(world, "dan", "get", f"{base}?limit=2&offset=2").json()
    assert first["count"] == rest["count"] == 4
    numbers = [m["number"] for m in first["items"] + rest["items"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    big = call(world, "dan", "get", f"{base}?tier=big").json()
    assert [m["id"] for m in big["items"]] == [person("u1").pk]
    tagged = call(world, "dan", "get", f"{base}?tag=创业者").json()
    assert [m["id"] for m in tagged["items"]] == [person("u2").pk]
    assert call(world, "dan", "get", f"{base}?limit=0").status_code == 422


def test_messages_newest_first_and_markup_is_data(world: dict[str, Any]) -> None:
    group = Group.objects.get(external_id="g1")
    response = call(world, "dan", "get", f"/api/groups/{group.pk}/messages?limit=1")
    assert response["Content-Type"].startswith("application/json")
    page = response.json()
    assert page["count"] == 2 and page["items"][0]["text"] == EVIL_TEXT
    member = call(world, "dan", "get", f"/api/members/{person('u9').pk}").json()
    assert member["display_name"] == EVIL_NICK
    assert member["groups"] == [{"id": group.pk, "name": group.name}]


def test_member_detail_and_ties(world: dict[str, Any]) -> None:
    p1, p2 = person("u1"), person("u2")
    detail = call(world, "dan", "get", f"/api/members/{p1.pk}").json()
    assert detail["tier"] == "big" and detail["tags"] == ["投资人"]
    assert [a["external_id"] for a in detail["accounts"]] == ["u1"]
    assert detail["last_message_at"] is not None
    ties = call(world, "dan", "get", f"/api/members/{p1.pk}/ties").json()
    assert [(t["person_id"], t["dimension"]) for t in ties] == [(p2.pk, "met_offline")]


@pytest.mark.django_db(transaction=True)
def test_report_and_groups(world: dict[str, Any]) -> None:
    groups = call(world, "alice", "get", f"/api/communities/{world['A'].pk}/groups").json()
    assert {g["external_id"] for g in groups} == {"g1", "g2"}
    report = call(world, "alice", "get", f"/api/groups/{groups[0]['id']}/report").json()
    assert {"group", "window", "verdict", "findings", "metrics"} <= set(report)


def test_tokens_are_stored_hashed_and_inactive_users_refused(world: dict[str, Any]) -> None:
    token = world["tokens"]["alice"]
    row = ApiToken.objects.get(user__username="alice")
    assert row.key_hash == hash_api_token(token) and token not in row.key_hash
    assert token.startswith(row.prefix) and row.last_used_at is None
    assert call(world, "alice", "get", "/api/communities").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    User.objects.filter(username="alice").update(is_active=False)
    assert call(world, "alice", "get", "/api/communities").status_code == 401


def test_api_token_command_prints_a_working_token(world: dict[str, Community]) -> None:
    out = io.StringIO()
    call_command("api_token", "dan", stdout=out)
    token = out.getvalue().strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/communities")
    assert [c["name"] for c in response.json()] == ["社群A"]
    assert ApiToken.objects.filter(user__username="dan").count() == 2
