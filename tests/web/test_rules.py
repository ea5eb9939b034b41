"""A group's rules page and the forms generated from each rule's pydantic Config.

Users: alice (owner of A), otto (operator of A), erin (assistant of A), dan
(viewer of A), bob (operator of B only), carol (no role). Group g1 of A also
holds a connector section with a token, which must never reach these pages.
The forms are submitted as a browser would: the page is parsed and every
control serialised (``submitted``), so a round trip tests the markup too.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff, set_group_profile
from shequn.community.models import AuditLog, Group
from shequn.playbook.actions import set_rule_settings
from shequn.playbook.moderation.rule import Moderation, ModerationConfig
from shequn.playbook.welcome import DEFAULT_TEMPLATE, Welcome, WelcomeConfig
from tests.store.factories import joined, message
from tests.web.test_csp import scan

pytestmark = [pytest.mark.django_db, pytest.mark.store]

SECRET = "syt_SECRET-connector-token"


def make_world() -> dict[str, Any]:
    """Communities A and B, group g1 of A holding a connector secret, and the named staff."""
    a = get_or_create_community("社群A")
    b = get_or_create_community("社群B")
    ingest([joined(1, "u1"), message(2, who="u1")], a)
    ingest([message(1, who="b1", group="gb")], b)
    group = Group.objects.get(external_id="g1")
    connector = {"matrix": {"homeserver": "http://127.0.0.1:8008", "access_token": SECRET}}
    set_group_profile(group, by="test", settings=connector)
    roles = [("alice", a, "owner"), ("otto", a, "operator"), ("erin", a, "assistant")]
    roles += [("dan", a, "viewer"), ("bob", b, "operator")]
    for name, community, role in roles:
        grant_staff(User.objects.create_user(name), community, role, by="test")
    User.objects.create_user("carol")
    return {"A": a, "group": group}


@pytest.fixture
def world() -> dict[str, Any]:
    return make_world()


def client_for(who: str, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    return client


def rule_url(group: Group, rule: str = "") -> str:
    return f"/groups/{group.pk}/rules/" + (f"{rule}/" if rule else "")


class FormReader(HTMLParser):
    """What a browser would submit from the page's rule form: every enabled control's value."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.kinds: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            self.kinds[name] = kind
            if kind != "checkbox" or "checked" in a:
                self.data.setdefault(name, []).append(
                    a.get("value", "on" if kind == "checkbox" else "")
                )
        elif tag == "textarea":
            self._textarea, self.kinds[name] = name, "textarea"
            self.data[name] = [""]
        elif tag == "select":
            self._select, self.kinds[name] = name, "select"
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = [a.get("value", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.data[self._textarea][0] += data


def submitted(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html.split('id="rule-form"', 1)[1].split("</form>", 1)[0])
    # Like a browser: a textarea's first newline is dropped, and newlines are sent as CRLF.
    for name, kind in reader.kinds.items():
        if kind == "textarea":
            text = reader.data[name][0].removeprefix("\n")
            reader.data[name] = [text.replace("\n", "\r\n")]
    return reader


def form_of(client: Client, url: str) -> FormReader:
    response = client.get(url)
    assert response.status_code == 200
    return submitted(response.content.decode())


def stored(rule: str) -> dict[str, Any]:
    section: dict[str, Any] = Group.objects.get(external_id="g1").settings.get(rule, {})
    return section


def rule_audits() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="rule.settings").order_by("pk"))


def test_rules_page_lists_every_rule(world: dict[str, Any]) -> None:
    group = world["group"]
    set_rule_settings(
        group, Welcome, WelcomeConfig(enabled=True, dry_run=True), user=None, by="test"
    )
    html = client_for("alice").get(rule_url(group)).content.decode()
    assert "迎新" in html and "广告管理" in html
    assert f'href="{rule_url(group, "welcome")}"' in html
    assert f'href="{rule_url(group, "moderation")}"' in html
    welcome = html.split('data-rule="welcome"')[1].split("</tr>")[0]
    assert "试运行" in welcome  # enabled in dry-run
    moderation = html.split('data-rule="moderation"')[1].split("</tr>")[0]
    assert "关闭" in moderation and "群主, 管理员, 小助手, 班长, KOL" in moderation
    assert SECRET not in html and "access_token" not in html
    assert scan(html).inline == [] and scan(html).handlers == []


def test_summary_names_the_changed_settings(world: dict[str, Any]) -> None:
    group = world["group"]
    config = ModerationConfig(threshold=6, keywords=["加V", "日赚", "兼职", "微商"])
    set_rule_settings(group, Moderation, config, user=None, by="test")
    html = client_for("dan", "en").get(rule_url(group)).content.decode()
    row = html.split('data-rule="moderation"')[1].split("</tr>")[0]
    assert "Threshold: 6" in row
    assert "Keywords: 加V, 日赚, 兼职 … (+1)" in row


def test_welcome_form_round_trip(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    form = form_of(alice, rule_url(group, "welcome"))
    assert form.kinds == {
        "enabled": "checkbox",
        "dry_run": "checkbox",
        "exempt_roles": "checkbox",
        "template": "textarea",
    }
    assert form.data["template"] == [DEFAULT_TEMPLATE.replace("\n", "\r\n")]
    response = alice.post(rule_url(group, "welcome"), form.data)
    assert response.status_code == 302
    assert rule_audits() == []  # the defaults, unchanged: nothing written
    data = {**form.data, "enabled": ["on"], "dry_run": ["on"], "exempt_roles": ["owner", "kol"]}
    data["template"] = ["欢迎 {name} 加入 {group}！\r\n请自我介绍。"]
    response = alice.post(rule_url(group, "welcome"), data)
    assert response.status_code == 302
    assert response["Location"] == rule_url(group, "welcome")
    assert stored("welcome") == {
        "enabled": True,
        "dry_run": True,
        "exempt_roles": ["owner", "kol"],
        "template": "欢迎 {name} 加入 {group}！\n请自我介绍。",
    }
    page = alice.get(rule_url(group, "welcome")).content.decode()
    assert "已保存。" in page  # the message after the redirect
    assert submitted(page).data == data


def test_moderation_form_round_trip(world: dict[str, Any]) -> None:
    group, otto = world["group"], client_for("otto")
    form = form_of(otto, rule_url(group, "moderation"))
    kinds = form.kinds
    assert kinds["threshold"] == kinds["mute_minutes"] == "number"
    assert kinds["weights"] == kinds["keywords"] == kinds["warn_text"] == "textarea"
    assert kinds["ladder"] == kinds["exempt_roles"] == kinds["blacklist"] == "checkbox"
    assert form.data["ladder"] == ["warn", "mute", "remove"]
    assert otto.post(rule_url(group, "moderation"), form.data).status_code == 302
    assert rule_audits() == []
    data = dict(form.data)
    data.update(
        enabled=["on"],
        exempt_roles=["owner", "admin"],
        threshold=["5.5"],
        weights=["link = 2\r\nphone：3.5"],
        keywords=["加V\r\n\r\n 日赚 \r\n"],
        allowed_domains=["github.com"],
        flood_messages=["0"],
        ladder=["warn", "remove"],
        mute_minutes=["60"],
        warn_text=["{name}，请勿发广告（{what}）。"],
    )
    del data["delete_message"]  # unticked: a browser sends nothing
    assert otto.post(rule_url(group, "moderation"), data).status_code == 302
    expected = ModerationConfig(
        enabled=True,
        exempt_roles=["owner", "admin"],
        threshold=5.5,
        weights={"link": 2, "phone": 3.5},
        keywords=["加V", "日赚"],
        allowed_domains=["github.com"],
        flood_messages=0,
        ladder=["warn", "remove"],
        mute_minutes=60,
        delete_message=False,
        warn_text="{name}，请勿发广告（{what}）。",
    )
    assert stored("moderation") == expected.model_dump(mode="json")
    again = form_of(otto, rule_url(group, "moderation"))
    assert again.data["weights"] == ["link = 2\r\nphone = 3.5"]
    assert again.data["keywords"] == ["加V\r\n日赚"]
    assert "delete_message" not in again.data
    assert otto.post(rule_url(group, "moderation"), again.data).status_code == 302
    assert len(rule_audits()) == 1  # the second save changed nothing


def test_a_ladder_checkboxes_cannot_show_is_kept(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    config = ModerationConfig(ladder=["warn", "warn", "remove"])
    set_rule_settings(group, Moderation, config, user=None, by="test")
    form = form_of(alice, rule_url(group, "moderation"))
    assert form.kinds["ladder"] == "textarea"
    assert form.data["ladder"] == ["warn\r\nwarn\r\nremove"]
    assert alice.post(rule_url(group, "moderation"), form.data).status_code == 302
    assert stored("moderation")["ladder"] == ["warn", "warn", "remove"]


def field_errors(html: str, key: str) -> list[str]:
    """The error texts shown inside the field ``key``'s block."""
    block = html.split(f'data-field="{key}"')[1].split('<div class="rule-field')[0]
    parts = block.split('class="error field-error"')[1:]
    return [part.split(">", 1)[1].split("</p>")[0] for part in parts]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            {
                "threshold": "应为大于 0 的数字。",
                "mute_minutes": "应为整数。",
                "ladder": "至少应有 1 项。",
                "newcomer_hours": "此项为必填。",
                "flood_seconds": "此项为必填。",
                "weights": "第 1 行：应写作“名称 = 值”。",
            },
        ),
        (
            "en",
            {
                "threshold": "Expected a number greater than 0.",
                "mute_minutes": "Expected a whole number.",
                "ladder": "Expected at least 1 item(s).",
                "newcomer_hours": "A value is required.",
                "flood_seconds": "A value is required.",
                "weights": "Line 1: expected a name and a value, as name = value.",
            },
        ),
    ],
)
def test_invalid_input_shows_field_errors_and_writes_nothing(
    world: dict[str, Any], language: str, expected: dict[str, str]
) -> None:
    group, alice = world["group"], client_for("alice", language)
    form = form_of(alice, rule_url(group, "moderation"))
    data = {**form.data, "enabled": ["on"], "threshold": ["-1"], "mute_minutes": ["一小时"]}
    data["flood_seconds"] = [""]
    data["weights"] = ["link 2"]
    del data["ladder"], data["newcomer_hours"]
    response = alice.post(rule_url(group, "moderation"), data)
    assert response.status_code == 400
    html = response.content.decode()
    for key, text in expected.items():
        assert field_errors(html, key) == [text], key
    assert field_errors(html, "keywords") == []
    summary = html.split('class="error error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == len(expected)
    assert '<a href="#rule-threshold">' in summary and expected["threshold"] in summary
    assert 'value="-1"' in html and "一小时" in html  # what was typed is kept
    assert stored("moderation") == {} and rule_audits() == []
    assert Group.objects.get(pk=group.pk).settings["matrix"]["access_token"] == SECRET


def test_a_model_validator_error_is_shown_with_its_reason(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    form = form_of(alice, rule_url(group, "moderation"))
    response = alice.post(rule_url(group, "moderation"), {**form.data, "weights": ["spam = 1"]})
    assert response.status_code == 400
    [error] = field_errors(response.content.decode(), "weights")
    assert error.startswith("不被接受：unknown signal spam")


def test_save_is_audited_with_before_and_after(world: dict[str, Any]) -> None:
    group, alice = world["group"], client_for("alice")
    set_rule_settings(group, Welcome, WelcomeConfig(enabled=True), user=None, by="test")
    form = form_of(alice, rule_url(group, "welcome"))
    alice.post(rule_url(group, "welcome"), {**form.data, "dry_run": ["on"]})
    entry = rule_audits()[-1]
    assert entry.user is not None and entry.user.username == "alice"
    assert entry.group_id == group.pk and entry.target == "welcome"
    assert entry.details["before"]["dry_run"] is False
    assert entry.details["after"]["dry_run"] is True
    assert entry.details["by"] == "web"
    assert "dry_run: False → True" in entry.reason
    assert SECRET not in str(entry.details)
    # The connector's section is untouched by the save.
    assert Group.objects.get(pk=group.pk).settings["matrix"]["access_token"] == SECRET
