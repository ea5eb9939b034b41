"""The matching section of a group's report (``shequn report``): questions, answers, new ties.

Registered in ``shequn.analytics.report.sections.SECTIONS`` by dotted path, so the
report (analytics) never imports the playbook: the builder lives here, beside the
tables it reads. One row of figures for the window: questions seen, how many
got an answer and how fast (median), how many were routed and answered by a
suggested member, and the ties introductions created.
"""

from __future__ import annotations

from statistics import median

from shequn.analytics.frames import Window
from shequn.analytics.report.sections import Section
from shequn.playbook.matching_models import Introduction, OpenQuestion, RoutingSuggestion

COLUMNS = [
    ("问题数", "Questions"),
    ("已回答", "Answered"),
    ("回答率", "Answer rate"),
    ("回答用时中位数（分钟）", "Median time to answer (min)"),
    ("已推荐", "Routed"),
    ("被推荐者回答", "Answered by a suggested member"),
    ("对接形成的链接", "Ties created by matching"),
]


def figures(group_id: int, window: Window) -> dict[str, float | int | None]:
    """The section's numbers for the group's questions asked and ties made in ``window``."""
    asked = OpenQuestion.objects.filter(
        group_id=group_id, asked_at__gte=window.since, asked_at__lt=window.until
    )
    pairs = asked.exclude(answered_at=None).values_list("asked_at", "answered_at")
    times = [(answered - at).total_seconds() / 60 for at, answered in pairs if answered is not None]
    routed = asked.exclude(routed_at=None).filter(suggestions__isnull=False).distinct().count()
    by_suggested = (
        RoutingSuggestion.objects.filter(
            question__in=asked, outcome=RoutingSuggestion.Outcome.ANSWERED
        )
        .values("question")
        .distinct()
        .count()
    )
    ties = Introduction.objects.filter(
        group_id=group_id, tie__isnull=False, tie_at__gte=window.since, tie_at__lt=window.until
    ).count()
    total = asked.count()
    return {
        "questions": total,
        "answered": len(times),
        "answer_rate": round(len(times) / total, 3) if total else None,
        "median_minutes": round(median(times), 1) if times else None,
        "routed": routed,
        "answered_by_suggested": by_suggested,
        "ties": ties,
    }


def build(group_id: int, window: Window) -> Section | None:
    """The matching section; None when the group saw no question and made no tie in the window."""
    data = figures(group_id, window)
    if not data["questions"] and not data["ties"]:
        return None
    rate = data["answer_rate"]
    row = [
        data["questions"], data["answered"], "—" if rate is None else f"{rate:.0%}",
        "—" if data["median_minutes"] is None else data["median_minutes"],
        data["routed"], data["answered_by_suggested"], data["ties"],
    ]  # fmt: skip
    return Section(
        key="matching",
        title=("资源对接与问题分派", "Resource matching and question routing"),
        columns=COLUMNS,
        rows=[row],
        data=data,
        note=(
            "问题由分派规则在等待时间后记录；链接来自引荐后双方接受或在群里互相回复。",
            "Questions are recorded by the routing rule after its wait; ties come from "
            "introductions both members accepted or followed by talking in a group.",
        ),
    )
