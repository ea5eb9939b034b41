"""Command-line arguments of ``shequn import``, kept apart so the CLI stays light."""

from __future__ import annotations

import argparse


def add_import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders to walk")
    p.add_argument("--community", required=True, help="community the groups belong to")
    p.add_argument("--group", default="", help="group name for formats without one")
    p.add_argument("--format", default="auto", help="auto (detect from content) or a format name")
    p.add_argument("--tz", default="", help="time zone of formats with local times")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
