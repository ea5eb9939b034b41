"""Any rule in the catalog gets a working form and API with no code of its own.

A made-up rule whose Config has every kind of field the generated forms know
(Enum and Literal selects, an optional bounded int, a nested model, times and
dates, a list of numbers, a list of models as JSON, a widget override) is put
in the catalog, and its form is read, submitted and broken like the real ones.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Any, ClassVar, Literal

import pytest
from django.test import Client
from pydantic import BaseModel, Field

from shequn.community.models import Group
from shequn.events import Action, Event
from shequn.playbook import catalog
from shequn.playbook.rules import GroupState, RuleConfig
from shequn.playbook.welcome import Welcome
from shequn.web.rules_fields import initial_data, validate
from tests.web.test_rules import client_for, field_errors, form_of, rule_url, world

pytestmark = [pytest.mark.django_db, pytest.mark.store]
__all__ = ["world"]  # the fixture, shared with test_rules


class Quiet(BaseModel):
    start: time = time(22, 0)
    end: time = time(8, 0)


class Mode(StrEnum):
    GENTLE = "gentle"
    STRICT = "strict"


class DemoConfig(RuleConfig):
    mode: Mode = Mode.GENTLE
    level: Literal[1, 2, 3] = 2
    limit: int | None = Field(default=None, ge=1, title="Daily limit", description="Per day.")
    quiet: Quiet = Field(default_factory=Quiet)
    days: list[int] = Field(default_factory=lambda: [1, 2])
    windows: list[Quiet] = Field(default_factory=list)
    start_on: date | None = None
    prompt: str = Field(default="", json_schema_extra={"widget": "textarea"})
    later: Quiet | None = None


class Demo:
    name: ClassVar[str] = "demo_rule"
    Config: ClassVar[type[RuleConfig]] = DemoConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: DemoConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        return []


@pytest.fixture(autouse=True)
def demo_in_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "configurable_rules", lambda: (Welcome, Demo))


def test_every_kind_of_field_round_trips(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice", "en")
    form = form_of(alice, rule_url(group, "demo_rule"))
    assert form.kinds["mode"] == form.kinds["level"] == "select"
    assert form.kinds["limit"] == "number"
    assert form.kinds["quiet.start"] == form.kinds["quiet.end"] == "time"
    assert form.kinds["start_on"] == "date"
    assert form.kinds["days"] == form.kinds["windows"] == form.kinds["prompt"] == "textarea"
    assert form.kinds["later"] == "textarea" and form.data["later"] == ["null"]
    assert form.data["quiet.start"] == ["22:00"] and form.data["level"] == ["2"]
    page = alice.get(rule_url(group, "demo_rule")).content.decode()
    assert "<legend>Quiet</legend>" in page and "Daily limit" in page and "Per day." in page
    data = {**form.data, "enabled": ["on"], "mode": ["strict"], "level": ["3"]}
    data.update(
        {
            "limit": ["5"],
            "quiet.start": ["21:30"],
            "days": ["1\r\n3\r\n5"],
            "windows": ['[{"start": "19:00", "end": "21:00"}]'],
            "start_on": ["2026-12-31"],
            "prompt": ["第一行\r\n第二行"],
            "later": ['{"start": "01:00"}'],
        }
    )
    assert alice.post(rule_url(group, "demo_rule"), data).status_code == 302
    section = Group.objects.get(pk=group.pk).settings["demo_rule"]
    assert section == DemoConfig(
        enabled=True,
        mode=Mode.STRICT,
        level=3,
        limit=5,
        quiet=Quiet(start=time(21, 30)),
        days=[1, 3, 5],
        windows=[Quiet(start=time(19), end=time(21))],
        start_on=date(2026, 12, 31),
        prompt="第一行\n第二行",
        later=Quiet(start=time(1)),
    ).model_dump(mode="json")
    again = form_of(alice, rule_url(group, "demo_rule"))
    assert again.data["level"] == ["3"] and again.data["quiet.start"] == ["21:30"]
    blank = {**again.data, "limit": [""], "start_on": [""]}
    assert alice.post(rule_url(group, "demo_rule"), blank).status_code == 302
    section = Group.objects.get(pk=group.pk).settings["demo_rule"]
    assert section["limit"] is None and section["start_on"] is None


def test_every_kind_of_field_reports_its_error(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    form = form_of(alice, rule_url(group, "demo_rule"))
    data = {**form.data, "level": ["9"], "limit": ["0"], "quiet.start": ["25:00"]}
    data.update({"windows": ["[{"], "days": ["1\r\n两"], "start_on": ["明天"]})
    response = alice.post(rule_url(group, "demo_rule"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_errors(html, "level") == ["应为以下之一：1, 2, 3。"]
    assert field_errors(html, "limit") == ["应为不小于 1 的数字。"]
    assert field_errors(html, "quiet.start") == ["应为时间，例如 19:30。"]
    assert field_errors(html, "windows")[0].startswith("应为有效的 JSON")
    assert field_errors(html, "days") == ["第 2 项：应为整数。"]
    assert field_errors(html, "start_on") == ["应为日期，例如 2026-01-31。"]
    assert "demo_rule" not in Group.objects.get(pk=group.pk).settings


def test_initial_data_validates_back_to_the_same_config() -> None:
    config = DemoConfig(level=1, windows=[Quiet()], days=[], limit=3)
    back, errors, general = validate(DemoConfig, initial_data(config))
    assert (errors, general) == ({}, [])
    assert back == config


def test_the_api_serves_the_new_rule_too(world: dict[str, Any]) -> None:
    from django.contrib.auth.models import User

    from shequn.community.actions import create_api_token

    token = create_api_token(User.objects.get(username="alice"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/groups/{world['group'].pk}/rules"
    names = [rule["name"] for rule in api.get(url).json()]
    assert names == ["welcome", "demo_rule"]
    response = api.put(f"{url}/demo_rule", {"level": 1}, content_type="application/json")
    assert response.status_code == 200 and response.json()["settings"]["level"] == 1
    schema = api.get(f"{url}/demo_rule").json()["config_schema"]
    assert schema["properties"]["level"]["enum"] == [1, 2, 3]
