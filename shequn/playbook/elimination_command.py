"""``shequn eliminate --group ID [--dry-run]``: a group's elimination sweep from the shell.

``--dry-run`` prints what a sweep would do now (who would be removed today, who
would be notified, and why) and changes nothing. Without it, a sweep is enqueued
now, so that the running engine (``shequn run``) performs it through its
connectors, as the daily sweep does. Arguments are declared without Django, so
the CLI starts fast; labels are Chinese unless ``LANGUAGE`` asks for English.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shequn.playbook.elimination import Verdict
    from shequn.playbook.elimination_store import SweepPlan

PROG = "shequn eliminate"


def add_eliminate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--group", type=int, required=True, help="id of a stored group")
    p.add_argument("--dry-run", action="store_true", help="only show what a sweep would do now")
    p.add_argument("--json", action="store_true", help="print the preview as JSON")


def run_eliminate(args: argparse.Namespace) -> int:
    """Entry point: 0 when done, 2 on bad input (unknown group, bad settings)."""
    from django.utils import timezone, translation

    from shequn.playbook.elimination_store import EliminationError, plan_sweep

    language = os.environ.get("LANGUAGE", "").split(":")[0].lower()
    with translation.override("en" if language.startswith("en") else "zh-hans"):
        try:
            plan = plan_sweep(args.group, timezone.now())
        except EliminationError as error:
            print(f"{PROG}: {error}", file=sys.stderr)
            return 2
        if args.dry_run or args.json:
            _print(plan, args.json)
            return 0
        return _schedule(plan)


def _schedule(plan: SweepPlan) -> int:
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from shequn.playbook.elimination_actions import schedule_sweep

    if not plan.config.enabled:
        off = _("elimination is off for this group (settings 'elimination.enabled')")
        print(f"{PROG}: {off}", file=sys.stderr)
        return 2
    job = schedule_sweep(plan.group, timezone.now())
    if job is None:
        print(_("A sweep is already scheduled; it runs at its time."))
    else:
        print(_("Sweep scheduled as job #%(job)s; `shequn run` performs it.") % {"job": job.pk})
    return 0


def _row(verdict: Verdict, removal: str) -> dict[str, Any]:
    member = verdict.member
    return {"member": member.member_id, "name": member.name, **verdict.facts(), "removal": removal}


def _print(plan: SweepPlan, as_json: bool) -> None:
    from django.utils.translation import gettext as _

    when = plan.deadline.astimezone(plan.zone).strftime("%Y-%m-%d %H:%M")
    due = [_row(v, "today") for _n, v in plan.due]
    new = [_row(v, when) for _a, v in plan.new]
    if as_json:
        out = {"group": plan.group.pk, "enabled": plan.config.enabled, "due": due, "new": new}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(_("Would be removed today") + f" ({len(due)})")
    for row in due:
        print("  " + _line(row))
    print(_("Would be notified now") + f" ({len(new)})")
    for row in new:
        print("  " + _line(row))


def _line(row: dict[str, Any]) -> str:
    """One member as a line; the name is stripped of control characters (untrusted text)."""
    name = "".join(c if c.isprintable() else "?" for c in str(row["name"]))
    silent = "-" if row["days_silent"] is None else row["days_silent"]
    checkins = "-" if row["checkins"] is None else row["checkins"]
    return (
        f"{row['member']}\t{name}\t{row['criterion']}\tsilent={silent}\tcheckins={checkins}"
        f"\ttier={row['tier']}\tthreshold={row['threshold']}\tremoval={row['removal']}"
    )
