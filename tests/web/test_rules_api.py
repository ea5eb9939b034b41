"""The rules API: settings with defaults and schemas, validated replacement, roles, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.community.actions import create_api_token
from shequn.community.models import AuditLog, Group
from shequn.playbook.moderation.rule import ModerationConfig
from shequn.playbook.welcome import DEFAULT_TEMPLATE
from tests.web.test_rules import SECRET, world

pytestmark = [pytest.mark.django_db, pytest.mark.store]
__all__ = ["world"]  # the fixture, shared with test_rules


def api(who: str, language: str = "zh-hans") -> Client:
    if who == "none":
        return Client()
    token = create_api_token(User.objects.get(username=who))
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


def url(group: Group, name: str = "") -> str:
    return f"/api/groups/{group.pk}/rules" + (f"/{name}" if name else "")


def put(client: Client, target: str, body: Any) -> Any:
    return client.put(target, body, content_type="application/json")


def test_list_fills_defaults_and_gives_each_schema(world: dict[str, Any]) -> None:
    response = api("dan").get(url(world["group"]))
    assert response.status_code == 200
    rules = {rule["name"]: rule for rule in response.json()}
    assert list(rules) == [  # the engine's order, then the sweeps
        "admission", "moderation", "welcome", "ritual", "windows", "checkin", "invite_points",
        "meetups", "jielong", "surveys", "matching", "essence", "elimination",
    ]  # fmt: skip
    welcome = rules["welcome"]
    assert welcome["title"] == "迎新" and welcome["enabled"] is False
    assert welcome["settings"]["template"] == DEFAULT_TEMPLATE
    assert rules["moderation"]["settings"] == ModerationConfig().model_dump(mode="json")
    schema = rules["moderation"]["config_schema"]
    assert schema["properties"]["threshold"]["exclusiveMinimum"] == 0
    assert SECRET not in response.content.decode()


def test_put_replaces_validates_and_audits(world: dict[str, Any]) -> None:
    group = world["group"]
    body = {"enabled": True, "dry_run": True, "threshold": 5, "keywords": ["加V"]}
    response = put(api("otto"), url(group, "moderation"), body)
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["dry_run"] is True and got["settings"]["threshold"] == 5
    expected = ModerationConfig(enabled=True, dry_run=True, threshold=5, keywords=["加V"])
    settings = Group.objects.get(pk=group.pk).settings
    assert settings["moderation"] == expected.model_dump(mode="json")
    assert settings["matrix"]["access_token"] == SECRET
    entry = AuditLog.objects.get(action="rule.settings")
    assert entry.user is not None and entry.user.username == "otto"
    assert entry.details["by"] == "api" and entry.details["after"]["threshold"] == 5
    assert api("otto").get(url(group, "moderation")).json() == got


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"threshold": 0}, ["body", "threshold"], "greater_than"),
        ({"threshold": "高"}, ["body", "threshold"], "float_parsing"),
        ({"ladder": ["warn", "ban"]}, ["body", "ladder", 1], "literal_error"),
        ({"exempt_roles": ["boss"]}, ["body", "exempt_roles", 0], "literal_error"),
        ({"weights": {"spam": 1}}, ["body", "weights"], "value_error"),
        ({"treshold": 5}, ["body", "treshold"], "extra_forbidden"),
    ],
)
def test_invalid_put_is_422_naming_the_field(
    world: dict[str, Any], body: dict[str, Any], loc: list[Any], kind: str
) -> None:
    response = put(api("alice"), url(world["group"], "moderation"), body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert error["message"]  # in the user's language
    assert "moderation" not in Group.objects.get(pk=world["group"].pk).settings
    assert not AuditLog.objects.filter(action="rule.settings").exists()


def test_422_message_follows_the_language(world: dict[str, Any]) -> None:
    target = url(world["group"], "moderation")
    zh = put(api("alice"), target, {"mute_minutes": 0}).json()["detail"][0]["message"]
    en = put(api("alice", "en"), target, {"mute_minutes": 0}).json()["detail"][0]["message"]
    assert (zh, en) == ("应为不小于 1 的数字。", "Expected a number of at least 1.")


def test_a_body_that_is_not_an_object_is_422(world: dict[str, Any]) -> None:
    response = put(api("alice"), url(world["group"], "welcome"), ["enabled"])
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("alice", 200, 200),
        ("otto", 200, 200),
        ("erin", 200, 403),
        ("dan", 200, 403),
        ("bob", 404, 404),
        ("carol", 404, 404),
        ("none", 401, 401),
    ],
)
def test_roles(world: dict[str, Any], who: str, read: int, write: int) -> None:
    client, group = api(who), world["group"]
    assert client.get(url(group)).status_code == read
    assert client.get(url(group, "welcome")).status_code == read
    assert put(client, url(group, "welcome"), {"enabled": True}).status_code == write
    enabled = Group.objects.get(pk=group.pk).settings.get("welcome", {}).get("enabled", False)
    assert enabled is (write == 200)


def test_unknown_rule_is_404(world: dict[str, Any]) -> None:
    client, group = api("alice"), world["group"]
    assert client.get(url(group, "matrix")).status_code == 404
    assert put(client, url(group, "matrix"), {"access_token": "x"}).status_code == 404
    assert Group.objects.get(pk=group.pk).settings["matrix"]["access_token"] == SECRET
