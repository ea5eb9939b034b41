"""Report sections: what other parts add to a group's report, escaped, in both languages."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from shequn.analytics.frames import Window
from shequn.analytics.report import sections as registry
from shequn.analytics.report.build import report_for_group
from shequn.analytics.report.html import render_body
from shequn.analytics.report.sections import Section
from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import Group
from tests.store.factories import message

# The report reads the store through its own connection, so the rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

HOSTILE = "<script>alert(1)</script>王磊"


def good(group_id: int, window: Window) -> Section:
    return Section(
        key="inviters",
        title=("邀请人", "Inviters"),
        columns=[("成员", "Member"), ("邀请", "Invited")],
        rows=[[HOSTILE, 3]],
        data={"group": group_id, "since": window.since.isoformat()},
        note=("按质量排序", "By quality"),
    )


def silent(group_id: int, window: Window) -> None:
    return None


def broken(group_id: int, window: Window) -> Section:
    raise ValueError("a bug in one part")


@pytest.fixture
def builders(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    module = types.ModuleType("tests_report_section_builders")
    module.good = good  # type: ignore[attr-defined]
    module.silent = silent  # type: ignore[attr-defined]
    module.broken = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    names = ["broken", "good", "silent"]
    monkeypatch.setattr(registry, "SECTIONS", [f"{module.__name__}:{n}" for n in names])
    yield


def _group() -> Group:
    community = get_or_create_community("测试社群")
    ingest((message(n, who=f"u{n % 3}") for n in range(1, 30)), community)
    return Group.objects.get(community=community)


def test_a_section_shows_escaped_in_the_report_and_its_data_in_json(builders: None) -> None:
    group = _group()
    report = report_for_group(group.pk, None, None)
    assert [s.key for s in report.sections] == ["inviters"]  # broken left out, silent says nothing
    assert report.as_dict()["sections"]["inviters"]["group"] == group.pk
    zh, en = render_body(report, "zh-hans"), render_body(report, "en")
    assert "邀请人" in zh and "按质量排序" in zh and "Inviters" in en and "By quality" in en
    assert HOSTILE not in zh and "&lt;script&gt;alert(1)&lt;/script&gt;王磊" in zh


def test_a_report_without_sections_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "SECTIONS", [])
    report = report_for_group(_group().pk, None, None)
    assert report.sections == [] and report.as_dict()["sections"] == {}
    assert "report-section" not in render_body(report)
