"""`shequn report chat.json -o r.html`: one command from an export file to a report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata


def test_report_straight_from_an_export_file(real_data: Path, tmp_path: Path) -> None:
    export = real_data / "telegram-tgif" / "software-testing" / "exported.json"
    out, data = tmp_path / "r.html", tmp_path / "r.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shequn.cli",
            "report",
            str(export),
            "-o",
            str(out),
            "--json",
            str(data),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(data.read_text())
    assert figures["metrics"]["activity"]["value"]["messages"] == 197
    assert figures["verdict"] in {"red", "amber", "green"}
    html = out.read_text(encoding="utf-8")
    assert "Group health report" in html and figures["group"]["name"] in html


def test_report_on_a_bad_file_says_so_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"name": "x", "messages": [')
    done = subprocess.run(
        [sys.executable, "-m", "shequn.cli", "report", str(bad), "-o", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert str(bad) in done.stderr and "Traceback" not in done.stderr
