"""``shequn digest``: a group's daily digest (每日精华) as text or JSON.

    shequn digest --group 3 --day 2026-03-01 [--json]
    shequn digest --group 3 --from-history     # first store essence found in history
    shequn digest --group 3 --schedule         # plan the next posted digest

The day is the community's calendar day (its time zone); without ``--day``, yesterday.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson


def add_digest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", type=int, required=True, help="the group's id (see the console)")
    parser.add_argument(
        "--day", help="YYYY-MM-DD in the community's time zone (default: yesterday)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--threads", type=int, default=5, help="how many threads (default 5)")
    parser.add_argument(
        "--from-history", action="store_true", help="store essence marks found in history first"
    )
    parser.add_argument(
        "--schedule",
        action="store_true",
        help="plan the next posted digest (settings essence.digest)",
    )


def _fail(message: str) -> int:
    print(f"shequn digest: {message}", file=sys.stderr)
    return 2


def _day(text: str | None, zone: str) -> date:
    if not text:
        return datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
    return date.fromisoformat(text)


def run_digest(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from shequn.analytics.digest_load import digest_for
    from shequn.analytics.digest_text import digest_text
    from shequn.community.models import Group
    from shequn.playbook.essence_actions import EssenceError
    from shequn.playbook.essence_history import essence_from_history
    from shequn.playbook.essence_jobs import schedule_digest

    group = Group.objects.select_related("community").filter(pk=args.group).first()
    if group is None:
        return _fail(f"--group: no group with id {args.group}")
    if not 1 <= args.threads <= 50:
        return _fail(f"--threads: {args.threads} is not between 1 and 50")
    try:
        day = _day(args.day, group.community.time_zone)
        if args.from_history:
            found = essence_from_history(group)
            counts = f"{found.by_command} by command, {found.by_reaction} by reaction"
            print(f"essence from history: {counts}, {found.stored} new", file=sys.stderr)
        if args.schedule:
            job = schedule_digest(group, timezone.now())
            where = f"job #{job.pk} at {job.due_at.isoformat()}" if job else "off (essence.digest)"
            print(f"next digest: {where}", file=sys.stderr)
    except ValueError as exc:  # a bad --day, or EssenceError naming the bad setting
        what = "--day: expected YYYY-MM-DD" if not isinstance(exc, EssenceError) else str(exc)
        return _fail(what)
    digest = digest_for(group.pk, day, threads=args.threads)
    if args.json:
        sys.stdout.write(orjson.dumps(digest.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(digest_text(digest))
    return 0
