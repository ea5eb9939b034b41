"""``shequn activities``: check-ins and 接龙 chains found in a stored group's history.

The arguments are declared here without importing Django, so the CLI starts
fast; ``run_activities`` runs after Django is set up. Labels are Chinese unless
the ``LANGUAGE`` environment variable asks for English.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.playbook.activities import GroupActivities

PROG = "shequn activities"


def add_activities_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--group", type=int, required=True, help="id of a stored group")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--checkins", action="store_true", help="only check-ins (打卡)")
    only.add_argument("--jielong", action="store_true", help="only 接龙 chains")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--csv", metavar="FILE", help="write the table of --checkins or --jielong")
    p.add_argument("--as-of", help="day the streaks are counted to (YYYY-MM-DD, community day)")
    p.add_argument("--top", type=int, default=10, help="members on the leaderboard (10)")


def plain(text: str) -> str:
    """Text safe to print on a terminal: control characters but newlines shown as ``?``."""
    return "".join("?" if c != "\n" and unicodedata.category(c) == "Cc" else c for c in text)


def _language() -> str:
    wanted = os.environ.get("LANGUAGE", "").split(":")[0].lower()
    return "en" if wanted.startswith("en") else "zh-hans"


def _fail(text: str) -> int:
    print(f"{PROG}: {text}", file=sys.stderr)
    return 2


def run_activities(args: argparse.Namespace) -> int:
    """Entry point: 0 when read, 2 on bad input (unknown group, bad date, unwritable file)."""
    from django.utils import translation

    with translation.override(_language()):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    import orjson

    from shequn.playbook.activities import ActivitiesError, read_activities

    if args.csv and not (args.checkins or args.jielong):
        return _fail("--csv needs --checkins or --jielong (one table per file)")
    if args.top < 0:
        return _fail(f"--top must be 0 or more, not {args.top}")
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        return _fail(f"--as-of {args.as_of!r} is not a date (expected YYYY-MM-DD)")
    try:
        found = read_activities(
            args.group, checkins=not args.jielong, jielong=not args.checkins, as_of=as_of
        )
    except ActivitiesError as exc:
        return _fail(str(exc))
    if args.csv:
        try:
            write_csv(Path(args.csv), table(found, args.jielong))
        except OSError as exc:
            return _fail(f"cannot write {args.csv}: {exc.strerror or exc}")
    if args.json:
        payload = found.as_dict(args.top)
        sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(summary(found, checkins=not args.jielong, jielong=not args.checkins, top=args.top))
    return 0


def table(found: GroupActivities, jielong: bool) -> list[list[str]]:
    """The CSV rows (header first) of the chains or of the members' check-ins."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from shequn.playbook.jielong import export_rows

    if jielong:
        rows = [
            [
                _("Jielong"),
                pgettext("jielong entry", "No."),
                _("Entry"),
                _("Added by"),
                _("Added at"),
            ]
        ]
        for chain in found.chains:
            rows += [
                [chain.title, str(n), t, w, a] for n, t, w, a in export_rows(chain, found.zone)
            ]
        return rows
    header = [_("Member"), _("Current streak"), _("Longest streak"), _("This month")]
    rows = [[*header, _("Total"), _("Points"), _("Last check-in")]]
    for m in found.members:
        s = m.streaks
        last = s.last.isoformat() if s.last else ""
        figures = [s.current, s.longest, s.this_month, s.total, m.points]
        rows.append([m.name, *map(str, figures), last])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Write ``rows`` whole or not at all (UTF-8 with BOM, so spreadsheets read Chinese)."""
    from shequn.spreadsheet import safe_cell

    target = path.resolve()
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows([safe_cell(c) for c in row] for row in rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary(found: GroupActivities, *, checkins: bool, jielong: bool, top: int) -> str:
    """A readable summary: the leaderboard and each chain's latest state."""
    from django.utils.translation import gettext as _

    lines = [
        _("%(group)s — as of %(day)s (%(zone)s), %(count)d messages read")
        % {
            "group": found.group_name,
            "day": found.as_of,
            "zone": found.zone,
            "count": found.messages,
        }
    ]
    if checkins:
        lines += _checkin_lines(found, top)
    if jielong:
        lines += _jielong_lines(found)
    return plain("\n".join(lines))


def _checkin_lines(found: GroupActivities, top: int) -> list[str]:
    from django.utils.translation import gettext as _

    total = sum(m.streaks.total for m in found.members)
    lines = [
        "",
        _("Check-ins: %(members)d members, %(days)d check-in days")
        % {"members": len(found.members), "days": total},
    ]
    for row in found.leaderboard(top):
        lines.append(
            _(
                "%(rank)3d. %(name)s — streak %(current)d days (longest %(longest)d), "
                "%(month)d this month, %(total)d in all"
            )
            % {
                "rank": row.rank,
                "name": row.member,
                "current": row.current,
                "longest": row.longest,
                "month": row.this_month,
                "total": row.total,
            }
        )
    return lines


def _jielong_lines(found: GroupActivities) -> list[str]:
    from django.utils.translation import gettext as _

    from shequn.playbook.jielong import export_rows

    lines = ["", _("Jielong chains: %(count)d") % {"count": len(found.chains)}]
    for chain in found.chains:
        lines.append(
            _("「%(title)s」 started by %(who)s, %(entries)d entries, %(posts)d posts")
            % {
                "title": chain.title or _("(untitled)"),
                "who": chain.started_by_name,
                "entries": len(chain.entries),
                "posts": chain.posts,
            }
        )
        for no, text, who, at in export_rows(chain, found.zone):
            lines.append(f"    {no}. {text}  ({who}, {at})")
        for entry in chain.removed:
            lines.append(
                "    "
                + _("removed: %(text)s (by %(who)s)")
                % {"text": entry.text, "who": entry.removed_by_name}
            )
        if chain.conflicts:
            lines.append("    " + _("%(count)d racing copies merged") % {"count": chain.conflicts})
    return lines
