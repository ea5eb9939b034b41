"""The demo community's groups come out of the report as the generator says they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.analytics.report.build import Report, report_for_group
from shequn.analytics.report.html import render
from shequn.cli import main
from shequn.community.models import Group
from shequn.demo.load import load_demo
from shequn.demo.world import END, ZONE, shown

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def reports() -> dict[str, Report]:
    from datetime import datetime, time

    until = datetime.combine(shown(END), time(0), ZONE)
    return {g.external_id: report_for_group(g.pk, None, until) for g in Group.objects.all()}


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def test_demo_groups_meet_their_fates(tmp_path: Path) -> None:
    load_demo()
    r = reports()

    hike = r["demo-hike@chatroom"]
    assert hike.results["lifecycle"].value["dead"] is True
    assert hike.verdict == "red" and hike.findings[0].code == "dead_group"

    fans = r["demo-fans@chatroom"]
    assert fans.results["size"].value["band"] == "crowd"
    assert fans.results["concentration"].value["top5_share"] > 0.5
    assert {"too_big", "few_talk", "ads"} <= codes(fans)
    assert fans.verdict == "red"

    social = r["demo-social@chatroom"]
    assert social.results["exit_test"].value["tied_share"] >= 0.3
    assert "exit_test_pass" in codes(social) and "dead_group" not in codes(social)
    soul = social.results["structure"].evidence["soul"]
    assert soul is not None and soul["name"] == "林晓"
    assert not {"too_big", "few_talk", "exit_test_weak", "newcomers_unanswered"} & codes(social)

    school = r["demo-class@chatroom"]
    assert not {"exit_test_weak", "exit_test_pass", "few_talk", "no_soul"} & codes(school)
    assert "course_over" in codes(school) and "dead_group" not in codes(school)

    html = render(social, "zh-hans")
    assert "星河·创业者交流群" in html and "退群测试" in html and "Plotly" in html
    assert "Group health report" in render(social, "en")


def test_report_command_writes_html_and_json(tmp_path: Path) -> None:
    load_demo()
    group = Group.objects.get(external_id="demo-hike@chatroom")
    out, data = tmp_path / "r.html", tmp_path / "r.json"
    assert main(["report", "--group", str(group.pk), "-o", str(out), "--json", str(data)]) == 0
    figures = json.loads(data.read_text())
    assert figures["verdict"] == "red" and figures["findings"][0]["code"] == "dead_group"
    assert "死群" in out.read_text(encoding="utf-8")
