"""Fast message writes for ingest, one path per database engine.

The ORM builds a model instance per row; at a million messages that alone
costs more than the database does. Here rows are plain tuples in COLUMNS
order. SQLite gets each chunk as one JSON array expanded by ``json_each``
inside one statement, so the whole insert runs in C without the GIL, on a
background thread, while the next chunk is being prepared. PostgreSQL gets
``COPY`` into a temporary table and one ``INSERT … SELECT``. Both skip
messages already stored (same group and external id), which is what makes
re-imports add nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection

from shequn.chat.models import Message

COLUMNS = (
    "group_id",
    "sender_id",
    "external_id",
    "at",
    "kind",
    "text",
    "reply_to",
    "mentions",
    "edited_at",
    "batch_id",
)

# A row as ingest builds it, in COLUMNS order, with times already in the form
# the writer's ``time`` gives them and mentions as JSON text.
Row = tuple[object, ...]


def sqlite_time(value: datetime) -> str:
    """Django's SQLite storage form: naive UTC, space-separated ISO."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "2025-01-01 08:00:00+00:00" without its offset, in one C call.
    return value.isoformat(" ")[:-6]


def aware_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


class MessageWriter:
    """Inserts message rows; ``wait`` returns how many were new since the last wait.

    ``write`` may return before the rows are stored; callers ``wait`` before
    they touch the database themselves or read what was written.
    """

    time: Callable[[datetime], object] = staticmethod(aware_utc)

    def write(self, rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def wait(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources; safe after an error."""


class SqliteWriter(MessageWriter):
    time = staticmethod(sqlite_time)

    def __init__(self) -> None:
        table = Message._meta.db_table
        picks = ", ".join(f"value->>{i}" for i in range(len(COLUMNS)))
        # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the join.
        self.sql = (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT {picks} "
            "FROM json_each(?) WHERE true ON CONFLICT (group_id, external_id) DO NOTHING"
        )
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shequn-ingest")
        self.pending: list[Future[int]] = []

    def _insert(self, raw: Any, payload: str) -> int:
        # Django opened this connection with check_same_thread=False; the caller
        # waits for us before using it again, so it is never used by two threads at once.
        cursor = raw.execute(self.sql, (payload,))
        count: int = cursor.rowcount
        cursor.close()
        return count

    def write(self, rows: Sequence[Row]) -> None:
        payload = orjson.dumps(rows).decode()
        self.wait_pending_only()
        connection.ensure_connection()
        raw = connection.connection
        self.pending.append(self.pool.submit(self._insert, raw, payload))

    def wait_pending_only(self) -> None:
        for future in self.pending:
            future.result()

    def wait(self) -> int:
        done, self.pending = self.pending, []
        return sum(future.result() for future in done)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class PostgresWriter(MessageWriter):
    def __init__(self) -> None:
        self.table = Message._meta.db_table
        self.ready = False
        self.added = 0

    def _prepare(self, cursor: Any) -> None:
        cols = ", ".join(COLUMNS)
        # ON COMMIT DROP: the staging table never outlives the ingest transaction.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS shequn_stage ON COMMIT DROP "
            f"AS SELECT {cols} FROM {self.table} WITH NO DATA"
        )
        self.ready = True

    def write(self, rows: Sequence[Row]) -> None:
        cols = ", ".join(COLUMNS)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            if not self.ready:
                self._prepare(cursor)
            cursor.execute("TRUNCATE shequn_stage")
            with cursor.copy(f"COPY shequn_stage ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {self.table} ({cols}) SELECT {cols} FROM shequn_stage "
                "ON CONFLICT (group_id, external_id) DO NOTHING"
            )
            self.added += cursor.rowcount

    def wait(self) -> int:
        added, self.added = self.added, 0
        return added


def writer() -> MessageWriter:
    """The writer for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise RuntimeError(f"no bulk writer for {connection.vendor}")
