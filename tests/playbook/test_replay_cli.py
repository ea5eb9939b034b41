"""``shequn replay``: the report a person reads, its JSON, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from shequn.cli import main
from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Event
from shequn.playbook import replay as replay_module
from shequn.playbook.engine import Engine
from shequn.playbook.replay_command import clean
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, joined, left
from tests.playbook.test_memory_state import said

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

HISTORY: list[Event] = [
    joined(1, "u1", "小王"),
    said(2, "u1", "大家好\n我是小王\x1b[31m"),
    joined(3, "u2", "小李"),
    left(4, "u1"),
    joined(5, "u1", "小王"),  # greeted already
    joined(6, "u3", "小张"),  # 2026-03-01 12:06 UTC = 20:06 in Shanghai
]


@pytest.fixture
def group(community: Community) -> Group:
    """A group with this history, stored through the live engine with no rule on."""
    stored = Group.objects.create(
        community=community,
        platform=PLATFORM,
        external_id="g1",
        name="测试群",
        settings={
            "welcome": {"enabled": True, "template": "欢迎 {name}"},
            "connector": {"kind": "x"},
        },
    )
    engine = Engine(community, [MemoryConnector(platform=PLATFORM)], rules=())
    asyncio.run(feed(engine, *HISTORY))
    return stored


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_text_report_counts_examples_and_members(
    group: Group, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = replay(capsys, "--group", str(group.pk), "--current")
    assert (code, err) == (0, "")
    assert "测试群" in out
    assert "rules on: welcome" in out
    assert "4 joins" in out and "1 messages" in out and "1 leaves" in out
    row = next(line for line in out.splitlines() if line.startswith("welcome"))
    assert row.split() == ["welcome", "Send", "3", "0", "0"]
    assert "小王 (u1)" in out and "小李 (u2)" in out and "小张 (u3)" in out
    assert "members affected: 3" in out
    assert AuditLog.objects.count() == 0


def test_json_report_and_rules_file(
    group: Group, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(
        tmp_path,
        "rules.toml",
        '[welcome]\nenabled = true\ndry_run = true\ntemplate = "Hi {name}"\n',
    )
    code, out, _err = replay(capsys, "--group", str(group.pk), "--rules", rules, "--json")
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    assert result["rules"] == [{"name": "welcome", "dry_run": True}]
    assert result["decisions"] == [
        {"rule": "welcome", "action": "Send", "performed": 0, "dry_run": 4, "failed": 0}
    ]  # dry-run greets nobody for real, so the returning u1 is greeted again, as live
    (block,) = result["examples"]
    assert [e["text"] for e in block["examples"]] == ["Hi 小王", "Hi 小李", "Hi 小王"]
    assert [m["id"] for m in result["members"]] == ["u1", "u2", "u3"]
    assert result["members"][0]["total"] == 2


def test_since_and_until_are_days_in_the_community_zone(
    group: Group, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = replay(
        capsys,
        "--group",
        str(group.pk),
        "--since",
        "2026-03-01T20:05",
        "--until",
        "2026-03-02",
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["window"]["since"].startswith("2026-03-01T20:05:00+08:00")
    assert result["events"]["in_window"] == {"joins": 2}
    assert [m["id"] for m in result["members"]] == ["u3"]  # u1 greeted before the window


def test_untrusted_text_is_flattened_for_the_terminal() -> None:
    assert clean("大家好\n我是小王\x1b[31m") == "大家好 我是小王 [31m"
    assert clean("x" * 100, 10) == "xxxxxxxxx…"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "999999"], "--group: no group with id 999999"),
        (["--since", "last week"], "--since: 'last week' is not a date"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--since must be before --until"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    group: Group, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    if args[0] != "--group":
        args = ["--group", str(group.pk), *args]
    code, out, err = replay(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("r.toml", "[welcome\nenabled = true", "not valid JSON or TOML"),
        (
            "r.json",
            '{"welcome": {"enabled": "sometimes"}}',
            "welcome.enabled: Input should be a valid boolean",
        ),
        ("r.json", '{"welcom": {"enabled": true}}', "unknown rule 'welcom'"),
        ("r.json", '{"welcome": {"enabeld": true}}', "welcome.enabeld: unknown setting"),
        (
            "r.json",
            '{"welcome": {"exempt_roles": ["boss"]}}',
            "welcome.exempt_roles.0: Input should be",
        ),
        ("r.json", '{"welcome": true}', "welcome: expected a section of settings"),
        ("r.json", "[1, 2]", "expected an object of rule sections, got a list"),
        ("missing.toml", None, "cannot read"),
    ],
)
def test_bad_rules_file_exits_2_naming_the_field(
    group: Group,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str | None,
    message: str,
) -> None:
    path = write(tmp_path, name, text) if text is not None else str(tmp_path / name)
    code, out, err = replay(capsys, "--group", str(group.pk), "--rules", path)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_bad_stored_settings_are_reported_not_replayed(
    group: Group, capsys: pytest.CaptureFixture[str]
) -> None:
    group.settings = {"welcome": {"enabled": True, "template": ["not", "text"]}}
    group.save()
    code, _out, err = replay(capsys, "--group", str(group.pk))
    assert code == 2
    assert "welcome.template: Input should be a valid string" in err


def test_rules_and_current_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "--group", "1", "--rules", "x.toml", "--current"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_moderation_examples_show_the_message_and_its_author(
    community: Community, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Group.objects.create(community=community, platform=PLATFORM, external_id="g1", name="测试群")
    engine = Engine(community, [MemoryConnector(platform=PLATFORM)], rules=())
    asyncio.run(
        feed(engine, joined(1, "ad", "推广员"), said(2, "ad", "加微信 vx_12345 兼职日赚300"))
    )
    rules = write(tmp_path, "rules.json", '{"moderation": {"enabled": true}}')
    group = Group.objects.get(external_id="g1")
    code, out, _err = replay(capsys, "--group", str(group.pk), "--rules", rules)
    assert code == 0
    assert "rules on: moderation" in out
    lines = out.splitlines()
    delete = lines[lines.index("  moderation · Delete") + 1]
    assert '推广员 (ad) "加微信 vx_12345 兼职日赚300" — ad: score' in delete
    warn = lines[lines.index("  moderation · Warn") + 1]
    assert "推广员 (ad)" in warn
    assert "members affected: 1" in out


def test_workers_print_the_same_report(
    group: Group,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on = "[welcome]\nenabled = true\n[moderation]\nenabled = true\n"
    args = ("--group", str(group.pk), "--rules", write(tmp_path, "rules.toml", on), "--json")
    settings.REPLAY_WORKERS = 1
    alone = replay(capsys, *args)
    # This history is short; let it be shared out as a long one would be.
    monkeypatch.setattr("shequn.playbook.replay_workers.MIN_EVENTS", 1)
    settings.REPLAY_WORKERS = 2
    shared: list[int] = []
    real = replay_module.run_in_workers

    def counted(parts: list[Any], *rest: Any) -> Any:
        shared.append(len(parts))
        return real(parts, *rest)

    monkeypatch.setattr(replay_module, "run_in_workers", counted)
    assert replay(capsys, *args) == alone
    assert shared == [2]
    assert alone[0] == 0 and json.loads(alone[1])["decisions"]
