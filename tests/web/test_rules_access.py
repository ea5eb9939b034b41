"""The rules page per role, htmx saves, labels in both languages, and every rule's form."""

from __future__ import annotations

from typing import Any

import pytest

from shequn.community.actions import set_group_profile
from shequn.playbook.moderation.rule import ModerationConfig
from tests.web.test_csp import scan
from tests.web.test_rules import (
    client_for,
    field_errors,
    form_of,
    make_world,
    rule_audits,
    rule_url,
    stored,
    submitted,
)

pytestmark = [pytest.mark.django_db, pytest.mark.store]


@pytest.fixture
def world() -> dict[str, Any]:
    return make_world()


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("alice", 200, 302),
        ("otto", 200, 302),
        ("erin", 200, 403),
        ("dan", 200, 403),
        ("bob", 404, 404),
        ("carol", 404, 404),
        ("anonymous", 302, 302),
    ],
)
def test_per_role_access(world: dict[str, Any], who: str, read: int, write: int) -> None:
    group = world["group"]
    data = form_of(client_for("alice"), rule_url(group, "welcome")).data
    client = client_for(who)
    assert client.get(rule_url(group)).status_code == read
    page = client.get(rule_url(group, "welcome"))
    assert page.status_code == read
    if read == 200:
        html = page.content.decode()
        may = who in ("alice", "otto")
        assert ('type="submit">保存' in html) is may
        assert ('class="rule-fields" disabled' in html) is not may
    response = client.post(rule_url(group, "welcome"), {**data, "enabled": ["on"]})
    assert response.status_code == write
    assert stored("welcome").get("enabled", False) is (write == 302 and who != "anonymous")


def test_unknown_rule_is_404(world: dict[str, Any]) -> None:
    assert client_for("alice").get(rule_url(world["group"], "matrix")).status_code == 404


def test_htmx_save_returns_the_form_in_place(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    data = form_of(alice, rule_url(group, "welcome")).data
    response = alice.post(
        rule_url(group, "welcome"), {**data, "enabled": ["on"]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card rule-form" id="rule-form">')
    assert "已保存。" in html and "<html" not in html
    bad = alice.post(rule_url(group, "welcome"), {"enabled": "on"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and field_errors(bad.content.decode(), "template")


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("zh-hans", ["启用", "试运行", "豁免角色", "模板", "迎新", "保存"]),
        ("en", ["Enabled", "Dry run", "Exempt roles", "Template", "Welcome", "Save"]),
    ],
)
def test_labels_in_both_languages(world: dict[str, Any], language: str, labels: list[str]) -> None:
    html = client_for("alice", language).get(rule_url(world["group"], "welcome")).content.decode()
    for label in labels:
        assert label in html, label


def test_moderation_labels_in_chinese(world: dict[str, Any]) -> None:
    html = client_for("alice").get(rule_url(world["group"], "moderation")).content.decode()
    for label in ["判定阈值", "信号权重", "关键词", "处理阶梯", "禁言时长（分钟）", "警告", "移出"]:
        assert label in html, label
    assert scan(html).inline == [] and scan(html).handlers == []


def test_stored_settings_that_do_not_validate_are_reported(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    broken = {**group.settings, "moderation": {"enabled": True, "threshold": -1}}
    set_group_profile(group, by="test", settings=broken)
    listing = alice.get(rule_url(group)).content.decode()
    row = listing.split('data-rule="moderation"')[1].split("</tr>")[0]
    assert "保存的设置无效：" in row and "threshold" in row
    page = alice.get(rule_url(group, "moderation")).content.decode()
    assert "保存的设置无效，下面显示的是默认值：" in page
    form = submitted(page)
    assert alice.post(rule_url(group, "moderation"), form.data).status_code == 302
    assert stored("moderation") == ModerationConfig().model_dump(mode="json")
    entry = rule_audits()[-1]
    assert entry.details["before"] == {"enabled": True, "threshold": -1}


def test_every_rule_in_the_catalog_has_a_working_form(world: dict[str, Any]) -> None:
    """Whatever rules the catalog lists: the form shows, and saving it unchanged writes nothing."""
    from shequn.playbook.catalog import configurable_rules

    group, alice = world["group"], client_for("alice")
    listing = alice.get(rule_url(group)).content.decode()
    for rule in configurable_rules():
        assert f'data-rule="{rule.name}"' in listing
        form = form_of(alice, rule_url(group, rule.name))
        response = alice.post(rule_url(group, rule.name), form.data)
        assert response.status_code == 302, (rule.name, response.content.decode()[:2000])
    assert rule_audits() == []
