"""How fast could a Telegram import be without canonical events? A floor, not a feature.

Issue 3's targets are out of reach while importers yield one event object per message
(bench/README.md, Import, eighth session). This script measures what the other way,
a "bulk lane" of column batches, would buy on this machine, so that the choice can be
made on figures: it decodes only the fields a row needs (msgspec, typed), builds each
row with the least Python there is, and stores the rows as ingest's writer does (one
``json_each`` per chunk on a second thread, in one transaction, into the real schema).

It leaves out what a real lane would still have to do: membership events, mentions,
replies across chats, the check-in/接龙 recognition, accounts as records, idempotency
checks beyond the unique index. So its time is a lower bound for such a lane.

    python bench/import_floor.py [--messages N]   # reuses import_bench's generated file
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
import orjson

from shequn.importers.telegram_text import LINK_ENTITIES, MEDIA_KINDS  # events only: no Django here

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000
BLOCK = 8 << 20
CLOSE = b"\n  }"  # Telegram Desktop's layout: a message object closes at indent 2
NEXT = b"\n  },\n  {"


class Message(msgspec.Struct):
    """The fields a row needs; the rest of each message is skipped while decoding."""

    id: int
    type: str
    date_unixtime: str = ""
    from_id: str | None = None
    text: Any = ""
    reply_to_message_id: int | None = None
    edited_unixtime: str | None = None
    media_type: str | None = None
    photo: Any = None
    file: Any = None


KINDS = {media: kind.value for media, kind in MEDIA_KINDS.items()}  # the importer's own table


def pieces(path: Path) -> Iterator[bytes]:
    """The messages array in runs of whole messages, each as a JSON array's bytes."""
    with path.open("rb") as f:
        head = f.read(BLOCK)
        start = head.index(b'"messages": [') + len(b'"messages": [')
        buf = head[start:]
        while True:
            more = f.read(BLOCK)
            cut = buf.rfind(NEXT)
            if more and cut >= 0:
                yield b"[" + buf[: cut + len(CLOSE)] + b"]"
                buf = buf[cut + len(NEXT) - 1 :] + more
            elif more:
                buf += more
            else:
                end = buf.rfind(CLOSE)
                yield b"[" + buf[: end + len(CLOSE)] + b"]"
                return


def rows_of(
    messages: list[Message], senders: dict[str | None, int], batch: int
) -> list[tuple[object, ...]]:
    """Row tuples in bulk.COLUMNS order; times stay unix seconds (SQLite formats them)."""
    rows: list[tuple[object, ...]] = []
    append = rows.append
    for m in messages:
        if m.type != "message":
            continue
        text, has_link = m.text, False
        if type(text) is not str:
            text = "".join(p if type(p) is str else p.get("text", "") for p in m.text)
            has_link = any(type(p) is dict and p.get("type") in LINK_ENTITIES for p in m.text)
        sender = senders.get(m.from_id)
        if sender is None:
            sender = senders[m.from_id] = len(senders) + 1
        kind = "image" if m.photo is not None else (
            KINDS.get(m.media_type, "file") if m.media_type is not None else
            "file" if m.file is not None else "link" if has_link else "text"
        )  # fmt: skip
        reply = m.reply_to_message_id
        append((1, sender, str(m.id), int(m.date_unixtime), kind, text,
                None if reply is None else str(reply), None,
                None if m.edited_unixtime is None else int(m.edited_unixtime), batch))  # fmt: skip
    return rows


INSERT = (
    "INSERT INTO chat_message (group_id, sender_id, external_id, at, kind, text, reply_to, "
    "mentions, edited_at, batch_id) SELECT value->>0, value->>1, value->>2, "
    "datetime(value->>3, 'unixepoch'), value->>4, value->>5, value->>6, value->>7, "
    "datetime(value->>8, 'unixepoch'), value->>9 FROM json_each(CAST(? AS TEXT)) WHERE true "
    "ON CONFLICT (group_id, external_id) DO NOTHING"
)


def child(path: Path, store: Path) -> None:
    """Decode, build rows and store them; print the figures as JSON."""
    import sqlite3

    started = time.perf_counter()
    db = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-64000")
    db.execute("BEGIN")
    writer_cpu = [0.0]

    def insert(payload: bytes) -> int:
        t0 = time.thread_time()
        count = db.execute(INSERT, (payload,)).rowcount
        writer_cpu[0] += time.thread_time() - t0
        return count

    decoder = msgspec.json.Decoder(list[Message])
    senders: dict[str | None, int] = {}
    pool = ThreadPoolExecutor(1)
    pending: Future[int] | None = None
    stored, pending_rows = 0, []
    for piece in pieces(path):
        pending_rows += rows_of(decoder.decode(piece), senders, 1)
        while len(pending_rows) >= CHUNK:
            chunk, pending_rows = pending_rows[:CHUNK], pending_rows[CHUNK:]
            payload = orjson.dumps(chunk)
            if pending is not None:
                stored += pending.result()
            pending = pool.submit(insert, payload)
    if pending is not None:
        stored += pending.result()
    if pending_rows:
        stored += insert(orjson.dumps(pending_rows))
    db.execute("COMMIT")
    wall = time.perf_counter() - started
    main_cpu = time.thread_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"wall_s": round(wall, 2), "main_cpu_s": round(main_cpu, 2),
               "writer_cpu_s": round(writer_cpu[0], 2), "rows": stored,
               "senders": len(senders), "rss_mb": round(rss, 1),
               "threads": threading.active_count()}  # fmt: skip
    print(orjson.dumps(figures).decode())


def fresh_store(workdir: Path) -> Path:
    """An empty store with the real schema (``shequn setup``), in workdir."""
    env = {k: v for k, v in os.environ.items() if k != "SHEQUN_DATABASE_URL"}
    env["SHEQUN_DATA_DIR"] = str(workdir)
    shequn = ROOT / ".venv" / "bin" / "shequn"
    subprocess.run([str(shequn), "setup", "--no-demo"], env=env, check=True, capture_output=True)
    return next(workdir.glob("*.sqlite3"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("EXPORT", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    export = ROOT / "bench" / "out" / f"data-n{args.messages}-s20251122" / "result.json"
    if not export.exists():
        sys.exit(f"{export} is missing: run bench/import_bench.py --messages {args.messages}")
    workdir = Path(tempfile.mkdtemp(prefix="shequn-floor-"))
    try:
        store = fresh_store(workdir)
        cmd = [sys.executable, __file__, "--child", str(export), str(store)]
        subprocess.run(cmd, check=True)
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
