"""Live message writes on SQLite: each event straight into the message table, or staged.

The live engine stores every message before its rules run and commits once per
round. With messages spread over many groups, each row dirties a leaf page of
each of the message table's three indexes, and every dirty page goes whole into
the WAL at the commit and again into the database at the next checkpoint. This
measures that cost on the real schema (a store made by ``shequn setup``) against
a design the engine does not have yet: rows appended to a small staging table
(the "inbox", unique on group and platform id, so a repeated event is still
refused at once) and moved into the message table in one statement, in arrival
order, about once a second. Both modes write the same rows, in rounds, with the WAL
checkpointed on the same thread, so the CPU figures include what the log costs.

    python bench/live_write_bench.py [--rows N] [--round K] [--page-sizes 16384,4096]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEQUN = ROOT / ".venv" / "bin" / "shequn"
# As shequn.chat.bulk.COLUMNS and SqliteRowsWriter's statement.
COLUMNS = (
    "group_id, sender_id, external_id, at, kind, text, reply_to, mentions, edited_at, batch_id"
)
MARKS = ", ".join("?" * 10)
DIRECT = (
    f"INSERT INTO chat_message ({COLUMNS}) VALUES ({MARKS}) "
    "ON CONFLICT (group_id, external_id) DO NOTHING"
)
STAGE = (
    f"INSERT INTO inbox ({COLUMNS}) SELECT {MARKS} WHERE NOT EXISTS "
    "(SELECT 1 FROM chat_message WHERE group_id = ?1 AND external_id = ?3) "
    "ON CONFLICT (group_id, external_id) DO NOTHING"
)
MOVE = (
    f"INSERT INTO chat_message ({COLUMNS}) SELECT {COLUMNS} FROM inbox WHERE true "
    "ORDER BY rowid ON CONFLICT (group_id, external_id) DO NOTHING"  # arrival order: ids as now
)
GROUPS, MEMBERS, HISTORY = 100, 2_000, 200_000
WORDS = ("你好", "今天", "群里", "hello", "world", "接龙", "打卡", "会议", "分享", "，", "。")


def rows(n: int, first: int, rng: random.Random) -> list[tuple[object, ...]]:
    """Messages over GROUPS groups and MEMBERS members, a few words each, 10 ms apart."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[tuple[object, ...]] = []
    for i in range(first, first + n):
        group = rng.randrange(GROUPS) + 1
        sender = group * (MEMBERS // GROUPS) + rng.randrange(MEMBERS // GROUPS)
        at = (start + timedelta(milliseconds=10 * i)).replace(tzinfo=None).isoformat(" ")
        text = "".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
        out.append((group, sender, f"m{i}", at, "text", text, None, None, None, None))
    return out


def fresh_store(page_size: int, workdir: Path) -> Path:
    """A new store made by ``shequn setup --no-demo`` with ``page_size``, and HISTORY messages."""
    data = Path(tempfile.mkdtemp(prefix=f"live-write-{page_size}-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if k != "SHEQUN_DATABASE_URL"}
    env |= {"SHEQUN_DATA_DIR": str(data), "SHEQUN_SQLITE_PAGE_SIZE": str(page_size)}
    subprocess.run([str(SHEQUN), "setup", "--no-demo"], env=env, check=True, capture_output=True)
    path = data / "shequn.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"CREATE TABLE inbox ({COLUMNS}, UNIQUE (group_id, external_id))")
    db.execute("BEGIN")
    db.executemany(DIRECT, rows(HISTORY, 0, random.Random(1)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def run(path: Path, staged: bool, n: int, per_round: int, move_every: int) -> dict[str, float]:
    """Write n rows a round at a time; CPU and wall per row, WAL pages per row."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("PRAGMA wal_autocheckpoint=0")  # checkpointed below, on this thread, timed
    live = rows(n, HISTORY, random.Random(2))
    frames = 0
    slowest = 0.0  # the longest move, which every event queued behind it waits for
    cpu, wall = time.process_time(), time.perf_counter()
    for k in range(0, n, per_round):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(STAGE if staged else DIRECT, live[k : k + per_round])
        if staged and (k + per_round) % move_every < per_round:
            began = time.perf_counter()
            db.execute(MOVE)
            db.execute("DELETE FROM inbox")
            db.execute("COMMIT")
            slowest = max(slowest, time.perf_counter() - began)
        else:
            db.execute("COMMIT")
        if (k // per_round) % 100 == 99:
            frames += _checkpoint(db)
    if staged:
        db.execute(MOVE)
        db.execute("DELETE FROM inbox")
    frames += _checkpoint(db)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stored = db.execute("SELECT count(*) FROM chat_message").fetchone()[0] - HISTORY
    db.close()
    if stored != n:
        raise SystemExit(f"{path}: {stored:,} rows stored, {n:,} written")
    return {
        "cpu_us": cpu * 1e6 / n,
        "wall_us": wall * 1e6 / n,
        "wal_pages": frames / n,
        "move_ms": slowest * 1e3,
    }


def _checkpoint(db: sqlite3.Connection) -> int:
    """Copy the log into the database and empty it; the pages it held."""
    pages: int = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return pages


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--round", type=int, default=25, help="rows per commit (a live round)")
    p.add_argument("--move-every", type=int, default=5_000, help="rows between moves")
    p.add_argument("--page-sizes", default="16384,4096")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="shequn-live-write-") as tmp:
        for page_size in (int(s) for s in args.page_sizes.split(",")):
            for staged in (False, True):
                path = fresh_store(page_size, Path(tmp))
                got = run(path, staged, args.rows, args.round, args.move_every)
                mode = "staged (inbox)" if staged else "direct"
                print(
                    f"page {page_size:>6,} B  {mode:15s} {got['cpu_us']:6.1f} µs CPU/row  "
                    f"{got['wall_us']:6.1f} µs wall/row  {got['wal_pages']:5.2f} WAL pages/row  "
                    f"slowest move {got['move_ms']:5.1f} ms  "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
