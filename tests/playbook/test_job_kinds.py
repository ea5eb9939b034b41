"""Job kinds are found on first use, every one of them, and Django starts without them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shequn.playbook import jobs

PLAYBOOK = Path(jobs.__file__).parent


def registering_modules() -> set[str]:
    """Modules of the playbook whose code decorates a handler with ``register``."""
    found = set()
    for path in PLAYBOOK.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                for decorator in node.decorator_list:
                    call = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(call, ast.Name) and call.id == "register":
                        found.add(f"shequn.playbook.{path.stem}")
    return found


def test_every_module_that_registers_a_kind_is_listed() -> None:
    # A module left out of JOB_MODULES would have its jobs refused as "unknown kind".
    assert registering_modules() - {"shequn.playbook.jobs"} == set(jobs.JOB_MODULES)


def test_kinds_are_found_on_first_lookup_and_unknown_ones_named() -> None:
    assert jobs.handler_for("column_post") is jobs.known_kinds()["column_post"]
    assert "notify" in jobs.known_kinds() and "digest" in jobs.known_kinds()
    with pytest.raises(jobs.JobError, match=r"unknown job kind 'nope'; known: .*column_post"):
        jobs.handler_for("nope")


def test_django_starts_without_the_engine_and_polars() -> None:
    # Every command pays for what Django imports at start: the job modules bring the
    # engine and polars (~0.4 s), which an import or a setup does not need.
    code = (
        "import sys, django; django.setup(); "
        "print(sorted(m for m in ('polars', 'shequn.playbook.engine') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shequn.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
