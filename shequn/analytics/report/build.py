"""Compute a group's report: load frames, infer replies, run every stat, diagnose."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from shequn.analytics.diagnosis import Finding, diagnose, verdict
from shequn.analytics.frames import Frames, Window, load
from shequn.analytics.metrics.base import Result
from shequn.analytics.replies import infer_replies
from shequn.analytics.report.sections import Section, build_sections
from shequn.analytics.stats import STATS


@dataclass
class Report:
    """Everything a report shows, as plain data (the JSON report is this)."""

    group: dict[str, Any]
    window: Window
    results: dict[str, Result]
    findings: list[Finding]
    verdict: str
    timings: dict[str, float] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "window": {
                "since": self.window.since.isoformat(),
                "until": self.window.until.isoformat(),
            },
            "verdict": self.verdict,
            "findings": [f.as_dict() for f in self.findings],
            "metrics": {
                name: {"value": r.value, "evidence": r.evidence, "series": r.series}
                for name, r in self.results.items()
            },
            "sections": {s.key: s.data for s in self.sections},
        }


def with_inferred_replies(frames: Frames) -> Frames:
    """Add who-answers-whom where the platform gives no reply links (explicit ones win)."""
    names = pl.concat(
        [
            frames.persons.select("person_id", "name"),
            frames.group_members.select("person_id", pl.col("nickname").alias("name")),
        ]
    ).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    messages = infer_replies(frames.messages, names.unique())
    return Frames(**{**frames.__dict__, "messages": messages})


def compute(frames: Frames) -> Report:
    """Run every stat on ``frames`` and diagnose the group."""
    import time

    timings: dict[str, float] = {}
    start = time.perf_counter()
    frames = with_inferred_replies(frames)
    timings["replies"] = time.perf_counter() - start
    results: dict[str, Result] = {}
    for name, metric in STATS:
        start = time.perf_counter()
        results[name] = metric(frames)
        timings[name] = time.perf_counter() - start
    group = frames.groups.filter(pl.col("group_id") == frames.group_id).row(0, named=True)
    findings = diagnose(results, str(group["kind"]))
    info = {
        "id": frames.group_id,
        "name": group["name"],
        "kind": group["kind"],
        "platform": group["platform"],
        "zone": frames.zone,
    }
    return Report(info, frames.window, results, findings, verdict(findings), timings)


def report_for_group(group_id: int, since: datetime | None, until: datetime | None) -> Report:
    """The report of a stored group; the window defaults to its whole history up to now."""
    from django.utils import timezone

    from shequn.chat.models import Message

    end = until or timezone.now()
    first = Message.objects.filter(group_id=group_id).order_by("at").values_list("at", flat=True)
    begin = since or (first.first() or end)
    window = Window(begin, end)
    report = compute(load(group_id, window))
    report.sections = build_sections(group_id, window)
    return report
