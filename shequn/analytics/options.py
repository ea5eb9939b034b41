"""Command-line arguments of ``shequn report``, apart so the CLI starts fast."""

from __future__ import annotations

import argparse


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="export files to report on")
    p.add_argument("--group", type=int, help="id of a stored group")
    p.add_argument("-o", "--output", required=True, help="HTML file to write")
    p.add_argument("--json", dest="json_path", help="also write the figures as JSON")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans")
    p.add_argument("--since", help="first day (YYYY-MM-DD, community time)")
    p.add_argument("--until", help="day after the last (YYYY-MM-DD, community time)")
