"""``shequn replay``: what a group's rules would have done over its stored history.

    shequn replay --group 3 --rules rules.toml --since 2026-08-01 --until 2026-09-01
    shequn replay --group 3 --current --json

Prints the decisions per rule and action (would act / dry-run / rule errors),
a few examples each with the member and the message, and the members affected.
Nothing is performed and nothing is written. Bad input exits 2 with one line
saying what is wrong.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

MEMBERS_SHOWN = 20


class ReplayInputError(ValueError):
    """The command line names something that cannot be replayed."""


def add_replay_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--group", type=int, required=True, help="id of a stored group")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--rules", metavar="FILE", help="rule settings (JSON or TOML)")
    which.add_argument(
        "--current", action="store_true", help="the group's stored rule settings (the default)"
    )
    p.add_argument("--since", help="report from this day (YYYY-MM-DD, community time)")
    p.add_argument("--until", help="stop before this day (YYYY-MM-DD, community time)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run_replay(args: argparse.Namespace) -> int:
    """Entry point of ``shequn replay``: 0 when replayed, 2 on bad input."""
    from shequn.playbook.replay_settings import SettingsError

    try:
        result = replay_command(args)
    except (ReplayInputError, SettingsError) as exc:
        print(f"shequn replay: {exc}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(render_text(result))
    return 0


def replay_command(args: argparse.Namespace) -> dict[str, Any]:
    """Check the arguments, replay, and return the result as plain data."""
    from shequn.community.models import Group
    from shequn.playbook.engine import DEFAULT_RULES
    from shequn.playbook.replay import replay
    from shequn.playbook.replay_settings import check_settings, read_settings_file

    group = Group.objects.select_related("community").filter(pk=args.group).first()
    if group is None:
        raise ReplayInputError(f"--group: no group with id {args.group}")
    zone = ZoneInfo(group.community.time_zone)
    since, until = _day("--since", args.since, zone), _day("--until", args.until, zone)
    if since is not None and until is not None and since >= until:
        raise ReplayInputError("--since must be before --until")
    if args.rules:
        settings = read_settings_file(args.rules)
        check_settings(settings, DEFAULT_RULES, strict=True)
        source = str(args.rules)
    else:
        settings = dict(group.settings or {})
        check_settings(settings, DEFAULT_RULES)
        source = "current"
    recorder = replay(group, settings, since, until, DEFAULT_RULES)
    from shequn.playbook.replay_report import summarise

    return summarise(group, recorder, settings, DEFAULT_RULES, source, since, until)


def _day(option: str, text: str | None, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ReplayInputError(f"{option}: {text!r} is not a date (expected YYYY-MM-DD)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


# --- text output -------------------------------------------------------------------


def clean(text: str, width: int = 60) -> str:
    """Untrusted text for a terminal: one line, no control characters, shortened."""
    flat = "".join(
        " " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text.strip()
    )
    flat = " ".join(flat.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_text(result: dict[str, Any]) -> str:
    """The result for a person: decisions, examples, members, in that order."""
    lines = _header(result)
    lines += _decisions(result)
    lines += _examples(result)
    lines += _members(result)
    return "\n".join(lines)


def _header(result: dict[str, Any]) -> list[str]:
    group, window, events = result["group"], result["window"], result["events"]
    span = f"{window['since'] or 'the start'} → {window['until'] or 'the end'} ({window['zone']})"
    rules = ", ".join(f"{r['name']}{' (dry-run)' if r['dry_run'] else ''}" for r in result["rules"])
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in events["in_window"].items()) or "none"
    return [
        f"回放 replay · {clean(group['name'])} (group {group['id']}, "
        f"{group['platform']} {clean(group['external_id'])})",
        f"window: {span}; settings: {clean(result['settings'])}",
        f"events: {events['replayed']:,} replayed; in the window: {kinds}",
        f"rules on: {rules or 'none (no rule is enabled in these settings)'}",
    ]


def _decisions(result: dict[str, Any]) -> list[str]:
    rows = result["decisions"]
    if not rows:
        return ["", "decisions: none"]
    lines = ["", f"{'rule':<14}{'action':<10}{'would act':>10}{'dry-run':>9}{'errors':>8}"]
    for row in rows:
        lines.append(
            f"{row['rule']:<14}{row['action']:<10}{row['performed']:>10,}"
            f"{row['dry_run']:>9,}{row['failed']:>8,}"
        )
    totals = Counter[str]()
    for row in rows:
        totals.update({k: row[k] for k in ("performed", "dry_run", "failed")})
    lines.append(
        f"{'total':<24}{totals['performed']:>10,}{totals['dry_run']:>9,}{totals['failed']:>8,}"
    )
    return lines


def _examples(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for block in result["examples"]:
        lines.append(f"  {block['rule']} · {block['action']}")
        for ex in block["examples"]:
            said = f' "{clean(ex["message"])}"' if ex["message"] else ""
            who = ex["member"] if ex["member"]["id"] else ex["author"]
            lines.append(
                f"    {ex['at_local']}  {clean(who['name'] or '?', 24)} "
                f"({clean(who['id'], 32)}){said} — {clean(ex['reason'], 60)}"
            )
    return ["", "examples:", *lines] if lines else []


def _members(result: dict[str, Any]) -> list[str]:
    members = result["members"]
    lines = ["", f"members affected: {len(members):,}"]
    for m in members[:MEMBERS_SHOWN]:
        did = ", ".join(f"{a['rule']} {a['action']} ×{a['count']}" for a in m["actions"])
        lines.append(f"  {clean(m['name'] or '?', 24)} ({clean(m['id'], 32)}): {did}")
    if len(members) > MEMBERS_SHOWN:
        lines.append(f"  … and {len(members) - MEMBERS_SHOWN:,} more (--json lists them all)")
    return lines
