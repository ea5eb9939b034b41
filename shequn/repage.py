"""``shequn repage``: rebuild a SQLite store with another page size.

A store keeps the page size it was created with. Stores made before 4 KiB pages
became the default have 16 KiB pages, on which the live engine's p99 latency is
several times longer: each commit writes every index page it touched whole into
the write-ahead log (bench/README.md, issue 6). SQLite changes the page size of
an existing file only by rewriting all of it (``VACUUM``) outside WAL mode, so
this needs the store to itself, and free disk about the size of the store.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path


class RepageError(RuntimeError):
    """The store could not be rebuilt; it is as it was, in WAL mode."""


def page_size(path: Path) -> int:
    """The page size of the SQLite file at ``path``."""
    db = sqlite3.connect(path)
    try:
        size: int = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    return size


def repage(path: Path, size: int) -> tuple[int, int]:
    """Rebuild the SQLite file at ``path`` with ``size``-byte pages; the sizes before and after.

    Refuses at once (RepageError) while any other connection has the store open.
    ``VACUUM`` is atomic, so a failure half-way (a full disk) leaves the file as it was.
    """
    if not path.is_file():
        raise RepageError(f"{path}: no such store")
    # timeout=0: a store in use is refused at once rather than waited for.
    db = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        before: int = db.execute("PRAGMA page_size").fetchone()[0]
        if before == size:
            return before, before
        _leave_wal(db, path)
        try:
            db.execute(f"PRAGMA page_size={int(size)}")
            db.execute("VACUUM")
        finally:
            db.execute("PRAGMA journal_mode=WAL")
        after: int = db.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error as exc:
        raise RepageError(f"{path}: {exc}") from None
    finally:
        db.close()
    return before, after


def _leave_wal(db: sqlite3.Connection, path: Path) -> None:
    """Switch to a rollback journal, which SQLite allows only with no other connection open."""
    try:
        mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    if str(mode).lower() != "delete":
        raise RepageError(
            f"{path}: the store is in use; stop `shequn serve`, `shequn run` and any import, "
            "then run `shequn repage` again (nothing was changed)"
        )


def store_file() -> Path | None:
    """The SQLite file of the default connection; None for PostgreSQL or a memory store."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    return None if not name or name == ":memory:" or name.startswith("file:") else Path(name)


def live_page_warning() -> str | None:
    """A warning for ``shequn run`` when the store's pages are larger than 4 KiB (sync)."""
    from django.conf import settings

    path = store_file()
    if path is None or not path.is_file():
        return None
    size = page_size(path)
    if size <= settings.DEFAULT_SQLITE_PAGE_SIZE:
        return None
    kib = size // 1024
    return (
        f"此库的页大小为 {kib} KiB，在线处理的延迟比 4 KiB 页长数倍；停止 shequn 后运行一次 "
        f"`shequn repage` 重建 (this store has {kib} KiB pages, on which live latency is "
        "several times longer; stop shequn and run `shequn repage` once to rebuild it)"
    )


def add_repage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--page-size",
        default="",
        help="bytes per page (default: SHEQUN_SQLITE_PAGE_SIZE, 4096 unless set)",
    )


def run_repage(args: argparse.Namespace) -> int:
    """Entry point of ``shequn repage``: 0 when rebuilt or already right, 2 otherwise."""
    from django.conf import settings

    from shequn.settings import check_page_size

    try:
        size = check_page_size(args.page_size, "--page-size") if args.page_size else None
    except ValueError as exc:
        print(f"shequn repage: {exc}", file=sys.stderr)
        return 2
    path = store_file()
    if path is None:
        print("shequn repage: the store is not a SQLite file; nothing to do", file=sys.stderr)
        return 2
    try:
        before, after = repage(path, size or settings.SQLITE_PAGE_SIZE)
    except RepageError as exc:
        print(f"shequn repage: {exc}", file=sys.stderr)
        return 2
    if before == after:
        print(f"页大小已是 {after} 字节 (page size already {after} bytes): {path}")
    else:
        print(f"页大小 {before} → {after} 字节 (page size {before} → {after} bytes): {path}")
    return 0
