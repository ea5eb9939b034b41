"""``shequn repage``: a SQLite store rebuilt with another page size, all its rows kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from shequn import repage as repage_module
from shequn.repage import RepageError, live_page_warning, page_size, repage

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ("你好，世界。", "hello", "接龙 1. 张三", "")


def make_store(path: Path, size: int, rows: int = 3_000) -> list[tuple[object, ...]]:
    """A WAL store with ``size``-byte pages and an indexed table; its rows, in order."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size={size}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, grp INTEGER, text TEXT)")
    db.execute("CREATE INDEX message_grp ON message (grp, id)")
    db.executemany(
        "INSERT INTO message (grp, text) VALUES (?, ?)",
        [(i % 7, TEXTS[i % len(TEXTS)] * (i % 5)) for i in range(rows)],
    )
    stored = db.execute("SELECT * FROM message ORDER BY id").fetchall()
    db.close()
    return stored


def read(path: Path) -> tuple[list[tuple[object, ...]], str, str]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT * FROM message ORDER BY id").fetchall()
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    return rows, mode, check


def test_a_16_kib_store_is_rebuilt_with_4_kib_pages_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    stored = make_store(path, 16384)
    assert repage(path, 4096) == (16384, 4096)
    assert page_size(path) == 4096
    assert read(path) == (stored, "wal", "ok")


def test_a_store_already_at_the_size_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    stored = make_store(path, 4096)
    assert repage(path, 4096) == (4096, 4096)
    assert read(path) == (stored, "wal", "ok")


def test_a_store_in_use_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    stored = make_store(path, 16384)
    other = sqlite3.connect(path)  # as `shequn serve` would hold it
    try:
        other.execute("SELECT count(*) FROM message").fetchone()
        with pytest.raises(RepageError, match=r"store\.sqlite3: the store is in use.*nothing"):
            repage(path, 4096)
    finally:
        other.close()
    assert page_size(path) == 16384
    assert read(path) == (stored, "wal", "ok")


def test_a_missing_store_is_named(tmp_path: Path) -> None:
    with pytest.raises(RepageError, match=r"absent\.sqlite3: no such store"):
        repage(tmp_path / "absent.sqlite3", 4096)
    assert not (tmp_path / "absent.sqlite3").exists()


def test_shequn_run_warns_about_pages_larger_than_4_kib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    large, small = tmp_path / "large.sqlite3", tmp_path / "small.sqlite3"
    make_store(large, 16384, rows=10)
    make_store(small, 4096, rows=10)
    monkeypatch.setattr(repage_module, "store_file", lambda: large)
    warning = live_page_warning()
    assert warning is not None and "16 KiB" in warning and "shequn repage" in warning
    monkeypatch.setattr(repage_module, "store_file", lambda: small)
    assert live_page_warning() is None
    monkeypatch.setattr(repage_module, "store_file", lambda: None)  # PostgreSQL
    assert live_page_warning() is None


def shequn(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cli = [sys.executable, "-m", "shequn.cli"]
    return subprocess.run(
        [*cli, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_command_rebuilds_the_store_it_is_configured_with(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQUN_")}
    env |= {
        "SHEQUN_DATA_DIR": str(tmp_path),
        "SHEQUN_DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
        "SHEQUN_SQLITE_PAGE_SIZE": "16384",  # as stores were made before 4 KiB was the default
    }
    assert shequn(["migrate"], env).returncode == 0
    assert page_size(tmp_path / "old.sqlite3") == 16384
    del env["SHEQUN_SQLITE_PAGE_SIZE"]
    done = shequn(["repage"], env)
    assert done.returncode == 0, done.stderr
    assert "16384 → 4096" in done.stdout and "old.sqlite3" in done.stdout
    assert page_size(tmp_path / "old.sqlite3") == 4096
    again = shequn(["repage"], env)
    assert again.returncode == 0 and "already 4096" in again.stdout
    assert shequn(["migrate"], env).returncode == 0  # the rebuilt store is a working store

    bad = shequn(["repage", "--page-size", "3000"], env)
    assert bad.returncode == 2 and "--page-size: '3000'; expected a power of two" in bad.stderr
    assert "Traceback" not in bad.stderr
    env["SHEQUN_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    other = shequn(["repage"], env)
    assert other.returncode == 2 and "not a SQLite file" in other.stderr
