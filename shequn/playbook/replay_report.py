"""A replay's outcome as plain data (JSON-ready): what ``shequn replay`` prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shequn.community.models import Group
from shequn.playbook.replay_recorder import Decision, Recorder
from shequn.playbook.rules import RuleType, configure

OUTCOMES = ("performed", "dry_run", "failed")


def summarise(
    group: Group,
    recorder: Recorder,
    settings: Mapping[str, Any],
    rules: Sequence[RuleType],
    source: str,
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any]:
    """Counts per rule and action, examples, members affected, and what was replayed."""
    zone = ZoneInfo(group.community.time_zone)
    return {
        "group": {
            "id": group.pk,
            "name": group.name,
            "platform": group.platform,
            "external_id": group.external_id,
        },
        "settings": source,
        "rules": enabled_rules(settings, rules),
        "window": {
            "since": _local(since, zone),
            "until": _local(until, zone),
            "zone": str(zone),
        },
        "events": {"replayed": recorder.replayed, "in_window": dict(recorder.events)},
        "decisions": decision_rows(recorder),
        "examples": [
            {"rule": rule, "action": action, "examples": [_example(d, zone) for d in shown]}
            for (rule, action), shown in recorder.examples.items()
        ],
        "members": member_rows(recorder),
    }


def enabled_rules(settings: Mapping[str, Any], rules: Sequence[RuleType]) -> list[dict[str, Any]]:
    """The rules these settings switch on, in the order they run."""
    found = []
    for rule_type in rules:
        config = configure(rule_type, settings).config
        if config.enabled:
            found.append({"name": rule_type.name, "dry_run": config.dry_run})
    return found


def decision_rows(recorder: Recorder) -> list[dict[str, Any]]:
    """One row per (rule, action): how many would act, were dry-run, or failed."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (rule, action, outcome), count in recorder.counts.items():
        row = rows.setdefault(
            (rule, action), {"rule": rule, "action": action} | dict.fromkeys(OUTCOMES, 0)
        )
        row[outcome if outcome in OUTCOMES else "failed"] += count
    return [rows[key] for key in sorted(rows)]


def member_rows(recorder: Recorder) -> list[dict[str, Any]]:
    """Every member a decision concerned, most concerned first."""
    rows: list[dict[str, Any]] = []
    for member_id, (name, tally) in recorder.members.items():
        actions = [
            {"rule": rule, "action": action, "count": count}
            for (rule, action), count in sorted(tally.items())
        ]
        rows.append(
            {"id": member_id, "name": name, "total": sum(tally.values()), "actions": actions}
        )
    rows.sort(key=lambda row: (-row["total"], row["id"]))
    return rows


def _example(decision: Decision, zone: ZoneInfo) -> dict[str, Any]:
    shown = decision.as_dict()
    shown["at_local"] = decision.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return shown


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat()
