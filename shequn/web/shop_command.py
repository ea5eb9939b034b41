"""``shequn orders import FILE --community NAME [--dry-run]``: orders from a .csv or .xlsx file.

The same reading and checks as the console's order import (``web.shop_import``):
every bad row is printed with its row number and reason and nothing is applied;
otherwise the orders are recorded (or their status moved forward) in one
transaction, audited as an import, and paid orders admit their buyers. With
``--dry-run`` the plan is printed and nothing is written. Arguments are declared
without Django, so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "shequn orders import"


def add_orders_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="orders_command", required=True)
    imp = sub.add_parser("import", help="record orders from a .csv or .xlsx file")
    imp.add_argument("file", type=Path, help="a .csv or .xlsx file whose first row names columns")
    imp.add_argument("--community", required=True, help="the community's name")
    imp.add_argument("--dry-run", action="store_true", help="only check and show the plan")


def run_orders(args: argparse.Namespace) -> int:
    """Entry point: 0 when done, 2 on bad input (unknown community, unreadable file, bad rows)."""
    from shequn.community.models import Community
    from shequn.community.shop_actions import apply_order_import
    from shequn.web.import_rows import ImportFileError
    from shequn.web.shop_import import plan_file

    path: Path = args.file
    community = Community.objects.filter(name=args.community).first()
    if community is None:
        print(f"{PROG}: no community named {args.community!r}", file=sys.stderr)
        return 2
    try:
        plan = plan_file(community, path.name, path.read_bytes())
    except (OSError, ImportFileError) as error:
        print(f"{PROG}: {path}: {error}", file=sys.stderr)
        return 2
    for bad in plan.errors:
        print(f"{PROG}: {path}: row {bad.row}: {bad.reason}", file=sys.stderr)
    if plan.errors:
        print(f"{PROG}: {len(plan.errors)} bad rows; nothing applied", file=sys.stderr)
        return 2
    for p in plan.orders:
        before = f"{p.before} → " if p.before else "new: "
        print(f"row {p.row}: {p.data.external_id} #{p.data.person.number} {p.data.offer.name} "
              f"{p.data.amount} {p.data.currency} {before}{p.data.status}")  # fmt: skip
    if args.dry_run:
        print(f"{len(plan.orders)} orders to record, {plan.unchanged} unchanged (dry run)")
        return 0
    done = apply_order_import(
        community, [p.data for p in plan.orders], user=None, source=str(path.name)
    )
    print(f"{done} orders recorded or updated, {plan.unchanged} unchanged")
    return 0
