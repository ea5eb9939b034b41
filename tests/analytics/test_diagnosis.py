"""Diagnosis turns metric figures into findings with the seed principle and advice."""

from __future__ import annotations

from typing import Any

from shequn.analytics.diagnosis import diagnose, verdict
from shequn.analytics.metrics.base import Result


def results(**metrics: dict[str, Any]) -> dict[str, Result]:
    out = {}
    for name, parts in metrics.items():
        out[name] = Result(name, parts.get("value", {}), parts.get("evidence", {}), {})
    return out


def codes(found: list[Any]) -> list[str]:
    return [f.code for f in found]


def test_nothing_known_means_no_findings_and_green() -> None:
    found = diagnose({}, "social")
    assert found == [] and verdict(found) == "green"


def test_dead_group_is_red_with_dissolve_and_rebuild_advice() -> None:
    found = diagnose(
        results(
            lifecycle={
                "value": {"dead": True, "last_message_at": "2026-08-26T04:19:56+00:00"},
                "evidence": {"dead_reasons": ["no message in the last 86 days"]},
            }
        ),
        "social",
    )
    assert codes(found) == ["dead_group"] and verdict(found) == "red"
    assert "解散" in found[0].advice["zh-hans"] and "2026-08-26" in found[0].title["zh-hans"]
    assert "dissolve" in found[0].advice["en"]


def test_crowded_group_gets_a_split_suggestion_naming_the_groups() -> None:
    size = {
        "value": {"members": 460, "band": "crowd", "groups_needed": 4},
        "evidence": {"segment_field": "industry", "split": [{"segment": "投资", "members": 120}]},
    }
    found = diagnose(results(size=size), "fan")
    assert codes(found) == ["too_big"] and found[0].severity == "red"
    assert found[0].title["zh-hans"] == "群规模 460 人，远超 150：建议按行业拆分为 4 个群"
    assert found[0].evidence["split"] == [{"segment": "投资", "members": 120}]


def test_student_group_is_not_judged_on_ties_or_on_who_talks() -> None:
    metrics = results(
        concentration={"value": {"top5_share": 0.7, "half_writers": 2, "members": 60}},
        exit_test={"value": {"tied_share": 0.0, "members": 60}},
        size={"value": {"members": 200, "band": "large", "groups_needed": 2}},
    )
    assert diagnose(metrics, "student") == []
    assert set(codes(diagnose(metrics, "social"))) == {"few_talk", "exit_test_weak", "too_big"}


def test_exit_test_grades_by_share_of_tied_pairs() -> None:
    def grade(share: float) -> str:
        found = diagnose(
            results(exit_test={"value": {"tied_share": share, "members": 40}}), "social"
        )
        return f"{found[0].code}/{found[0].severity}"

    assert grade(0.02) == "exit_test_weak/red"
    assert grade(0.2) == "exit_test_weak/amber"
    assert grade(0.5) == "exit_test_pass/green"


def test_unanswered_newcomers_outrank_green_findings() -> None:
    found = diagnose(
        results(
            newcomers={
                "value": {
                    "newcomers": 10,
                    "spoke": 6,
                    "replied_by": {"nobody": 4},
                    "median_minutes_to_reply": 3.0,
                },
                "evidence": {"waiting": [{"name": "张三"}]},
            },
            exit_test={"value": {"tied_share": 0.6, "members": 40}},
        ),
        "social",
    )
    assert codes(found) == ["newcomers_unanswered", "exit_test_pass"]
    assert verdict(found) == "red"
