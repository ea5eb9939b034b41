"""``shequn report``: a group's health report as standalone HTML (and JSON).

Given export files instead of a group, they are imported into a temporary
store first (the CLI points the settings there before Django starts), so that
``shequn report chat.json -o r.html`` is the whole experience.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from shequn.analytics.report.build import Report, report_for_group


def _day(text: str | None, zone: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise SystemExit(f"shequn report: {text!r} is not a date (expected YYYY-MM-DD)") from None


def _import_files(paths: list[str]) -> int | None:
    """Import the files into the (temporary) store; the group with most messages, or None."""
    from django.db.models import Count

    from shequn.chat.models import Message
    from shequn.community.actions import get_or_create_community
    from shequn.importers.base import ImportOptions
    from shequn.importers.command import import_file, walk

    community = get_or_create_community("报告")
    failed = False
    for path in walk(paths):
        result = import_file(path, community, "auto", ImportOptions(), _Silent())  # type: ignore[arg-type]
        if result.error:
            print(f"shequn report: {result.error}", file=sys.stderr)
            failed = True
    top = Message.objects.values("group_id").annotate(n=Count("id")).order_by("-n").first()
    if failed and top is None:
        return None
    return int(top["group_id"]) if top else None


class _Silent:
    def add_task(self, *args: object, **kwargs: object) -> int:
        return 0

    def update(self, *args: object, **kwargs: object) -> None:
        return None

    def remove_task(self, *args: object) -> None:
        return None


def run_report(args: argparse.Namespace) -> int:
    from shequn.analytics.report.html import render
    from shequn.chat.models import Message
    from shequn.community.models import Group

    group_id = args.group if args.group is not None else _import_files(args.paths)
    group = None
    if group_id is not None:
        group = Group.objects.select_related("community").filter(pk=int(group_id)).first()
    if group is None:
        print("shequn report: no such group (give --group ID or export files)", file=sys.stderr)
        return 1
    zone = group.community.time_zone
    until = _day(args.until, zone)
    if until is None and args.group is None:
        # An export ends where its history ends; "now" would make every old export look dead.
        last = (
            Message.objects.filter(group=group).order_by("-at").values_list("at", flat=True).first()
        )
        until = last + timedelta(seconds=1) if last else None
    report = report_for_group(group.pk, _day(args.since, zone), until)
    Path(args.output).write_text(render(report, args.lang), encoding="utf-8")
    if args.json_path:
        Path(args.json_path).write_bytes(
            orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
        )
    print(summary(report, args.lang))
    return 0


def summary(report: Report, lang: str) -> str:
    top = report.findings[0].text(lang)[0] if report.findings else ""
    return f"{report.group['name']}: {report.verdict.upper()} {top}"
