"""Fast message writes for ingest, one path per database engine.

The ORM builds a model instance per row; at a million messages that alone
costs more than the database does. Here rows are plain tuples in COLUMNS
order, stored on a background thread while the next chunk is prepared.
SQLite gets each chunk as one JSON array expanded by ``json_each`` inside one
statement, so the whole insert runs in C without the GIL; PostgreSQL gets
the same JSON array, unpacked by the server. Both skip
messages already stored (same group and external id), which is what makes
re-imports add nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections

from shequn.chat.models import Message
from shequn.chat.statements import aware_utc, sqlite_time

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


# Times travel as datetimes written by orjson in C: formatting them in Python
# (``isoformat``) cost ~4 µs a row on the ingest thread, the one parsing also runs on.
PAYLOAD = orjson.OPT_UTC_Z
TIMES = frozenset(("at", "edited_at"))
# U+0000 cannot be stored as it is: PostgreSQL's text refuses it (the import failed) and
# SQLite's JSON functions cut a string there (the rest of the body was lost). A message's
# NUL characters are stored as U+FFFD, on both stores and every path, so it reads the same.
NUL, REPLACEMENT = "\x00", "\ufffd"


def payload(rows: Sequence[Row]) -> bytes:
    """The rows as one JSON document, NUL characters replaced (see NUL)."""
    data = orjson.dumps(rows, option=PAYLOAD)
    if b"\\u0000" in data:  # rare: only then is each row looked at
        data = orjson.dumps([without_nul(row) for row in rows], option=PAYLOAD)
    return data


def without_nul(row: Row) -> Row:
    """``row`` with NUL characters in its texts replaced (see NUL)."""
    if not any(type(value) is str and NUL in value for value in row):
        return row
    return tuple(value.replace(NUL, REPLACEMENT) if type(value) is str else value for value in row)


class MessageWriter:
    """Inserts message rows; ``wait`` returns how many were new since the last wait.

    ``write`` may return before the rows are stored; callers ``wait`` before
    they touch the database themselves or read what was written.
    """

    # In UTC, orjson writes a time as ``2025-01-01T08:00:00[.ffffff]Z`` (PAYLOAD).
    time: Callable[[datetime], object] = staticmethod(aware_utc)

    def write(self, rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def wait(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources; safe after an error."""


class PipelinedWriter(MessageWriter):
    """Writes each chunk on a background thread while the caller prepares the next.

    The database work (SQLite's C code, PostgreSQL's server) runs without the GIL,
    so on two cores preparing and storing overlap. Django opened the connection
    with thread sharing allowed; the caller waits (``wait``) before it uses the
    connection itself, so it is never used by two threads at once.
    """

    def __init__(self, inline: bool = False) -> None:
        self.pool = None if inline else ThreadPoolExecutor(1, thread_name_prefix="shequn-ingest")
        self.pending: list[Future[int]] = []
        # ``inline``, a few rows at a time (the live engine): a thread hop costs more
        # than the insert, so rows are written on the calling thread.
        self.stored = 0

    def prepare(self, rows: Sequence[Row]) -> Any:
        """Turn rows into what ``insert`` sends (runs on the caller's thread)."""
        return rows

    def insert(self, raw: Any, payload: Any) -> int:
        raise NotImplementedError

    def write(self, rows: Sequence[Row]) -> None:
        payload = self.prepare(rows)
        if self.pool is None:
            connection.ensure_connection()
            self.stored += self.insert(connection.connection, payload)
            return
        for future in self.pending:
            future.result()  # one chunk in flight at a time
        connection.ensure_connection()
        self.pending.append(self.pool.submit(self.insert, connection.connection, payload))

    def wait(self) -> int:
        done, self.pending = self.pending, []
        stored, self.stored = self.stored, 0
        return stored + sum(future.result() for future in done)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class SqliteWriter(PipelinedWriter):
    """One ``INSERT … SELECT FROM json_each(?)`` per chunk: the whole insert runs in C."""

    def __init__(self, inline: bool = False) -> None:
        super().__init__(inline)
        self.sql = _sqlite_insert()

    def prepare(self, rows: Sequence[Row]) -> Any:
        # orjson's bytes go in as they are: as a ``str`` they were decoded here and
        # encoded again by the driver, ~1 µs a row, half of it holding the GIL.
        return payload(rows)

    def insert(self, raw: Any, payload: Any) -> int:
        cursor = raw.execute(self.sql, (payload,))
        count: int = cursor.rowcount
        cursor.close()
        return count


class SqliteRowsWriter(MessageWriter):
    """A few rows at a time, on the calling thread (the live engine): ``executemany``.

    For a live round's dozen rows spread over many groups, SQLite took about twice
    as long per row through ``json_each`` as with the rows bound directly
    (bench/README.md, issue 6). Imports keep the JSON form: one statement a chunk,
    which runs without the GIL on the writer thread while the parser goes on.
    """

    time = staticmethod(sqlite_time)

    def __init__(self) -> None:
        table = Message._meta.db_table
        marks = ", ".join("?" * len(COLUMNS))
        self.sql = (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT (group_id, external_id) DO NOTHING"
        )
        self.stored = 0

    def write(self, rows: Sequence[Row]) -> None:
        db = connections[DEFAULT_DB_ALIAS]  # once: each ``connection.x`` costs a lookup
        db.ensure_connection()
        with db.wrap_database_errors:
            cursor = db.connection.executemany(self.sql, [without_nul(row) for row in rows])
        self.stored += cursor.rowcount
        cursor.close()

    def wait(self) -> int:
        stored, self.stored = self.stored, 0
        return stored


@functools.cache
def _sqlite_insert() -> str:
    """The insert statement (built once: the live engine makes a writer per event)."""
    table = Message._meta.db_table
    # A time becomes Django's SQLite form ("2025-01-01 08:00:00[.ffffff]", naive UTC) in C.
    picks = ", ".join(
        f"replace(rtrim(value->>{i}, 'Z'), 'T', ' ')" if name in TIMES else f"value->>{i}"
        for i, name in enumerate(COLUMNS)
    )
    # The payload is bound as a BLOB of UTF-8 (orjson's output); CAST reads those bytes
    # as text without converting them. "WHERE true" keeps SQLite from reading ON
    # CONFLICT as part of the join.
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT {picks} "
        "FROM json_each(CAST(? AS TEXT)) WHERE true ON CONFLICT (group_id, external_id) DO NOTHING"
    )


class PostgresWriter(PipelinedWriter):
    """One ``INSERT … SELECT FROM json_array_elements(%s)`` per chunk.

    The chunk travels as one JSON text made by orjson in C; the server unpacks
    it. Per-row work in Python (as ``COPY … write_row`` would need) is what
    bounded throughput, not the server.
    """

    CASTS = (
        "bigint",
        "bigint",
        "text",
        "timestamptz",
        "text",
        "text",
        "text",
        "jsonb",
        "timestamptz",
        "bigint",
    )

    def __init__(self, inline: bool = False) -> None:
        super().__init__(inline)
        table = Message._meta.db_table
        picks = ", ".join(f"(e->>{i})::{cast}" for i, cast in enumerate(self.CASTS))
        self.sql = (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT {picks} "
            "FROM json_array_elements(%s::json) AS e "
            "ON CONFLICT (group_id, external_id) DO NOTHING"
        )

    def prepare(self, rows: Sequence[Row]) -> Any:
        return payload(rows).decode()

    def insert(self, raw: Any, payload: Any) -> int:
        with raw.cursor() as cursor:
            cursor.execute(self.sql, (payload,))
            count: int = cursor.rowcount
        return count


def writer(inline: bool = False) -> MessageWriter:
    """The writer for the database in use (``inline``: on the calling thread)."""
    if connection.vendor == "postgresql":
        return PostgresWriter(inline)
    if connection.vendor == "sqlite":
        return SqliteRowsWriter() if inline else SqliteWriter()
    raise RuntimeError(f"no bulk writer for {connection.vendor}")
