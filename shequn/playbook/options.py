"""Command-line arguments of ``shequn run``, kept apart so the CLI stays light."""

from __future__ import annotations

import argparse


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--worker", default="", help="this engine's name in job claims (host:pid)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between scheduler rounds")
    p.add_argument("--verbose", action="store_true", help="log what the engine does")
