"""SQLite's write-ahead log, checkpointed beside the live engine rather than inside it.

With WAL, a commit appends the pages it changed to the log; every 1,000 pages
the committing connection copies the log back into the database file and syncs
both (a checkpoint). Live, that is several times a second, and the event round
whose commit triggers it waits for all of it: the slowest rounds, so the p99
latency (bench/README.md, issue 6). Here a second connection, on a worker
thread, checkpoints every ``EVERY`` seconds in PASSIVE mode, which never blocks
the engine's writes, and the engine's connection checkpoints itself only at
``HANDED_OVER`` pages, finding the log nearly all copied. Nothing changes on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from asgiref.sync import sync_to_async
from django.db import connection

from shequn.repage import store_file

log = logging.getLogger(__name__)

#: Seconds between checkpoints (a live store writes tens of MB of log per second).
EVERY = 0.05
#: Pages of log at which the engine's own connection checkpoints. The thread here copies
#: pages back, but cannot restart the log while the engine writes on (a restart needs
#: every page copied when a write begins), so the engine still does it, at this size:
#: about once a second at 5,000 events/s (each event logs ~20 KiB on the default 4 KiB pages,
#: ~36 KiB on 16 KiB), where SQLite's default (1,000, restored when the runner stops)
#: stalled a round with syncs every 60 ms.
HANDED_OVER = 20_000
DEFAULT_AUTOCHECKPOINT = 1_000
#: Past this share of HANDED_OVER pages, while the log grows, checkpoints run back to
#: back, so that the engine's own checkpoint finds little left to copy and sync.
NEAR = 0.8


async def checkpoint_while(stop: asyncio.Event) -> None:
    """Checkpoint the store's log every EVERY seconds until ``stop`` is set (SQLite only)."""
    path = store_file()
    if path is None:
        return
    # Its own connection: the engine's stays free; used by one worker call at a time.
    conn = sqlite3.connect(path, timeout=1.0, check_same_thread=False, isolation_level=None)
    await sync_to_async(_autocheckpoint)(HANDED_OVER)
    try:
        before = logged = 0
        while not stop.is_set():
            catching_up = before < logged and logged >= HANDED_OVER * NEAR
            if not catching_up:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), EVERY)
            before, logged = logged, await asyncio.to_thread(_checkpoint, conn)
    finally:
        conn.close()
        await sync_to_async(_autocheckpoint)(DEFAULT_AUTOCHECKPOINT)


def _autocheckpoint(pages: int) -> None:
    """Set the log size at which the engine's own connection checkpoints (on its thread)."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


def _checkpoint(conn: sqlite3.Connection) -> int:
    """One PASSIVE checkpoint; the pages now in the log (0 when it could not run)."""
    try:
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error as exc:  # busy or locked: the engine's next commits will do it
        log.debug("checkpoint skipped: %s", exc)
        return 0
    return int(row[1]) if row is not None else 0
