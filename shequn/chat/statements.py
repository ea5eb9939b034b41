"""Small statements run on the driver's own connection, past Django's cursor wrapper.

The live engine runs a few tiny statements every round: the connector's cursor
saved, the groups' messages version raised, a newcomer's greeting looked up.
Through Django's cursor each cost 20-80 µs (the wrapper, the placeholders
rewritten, the SQL and its time parameter rebuilt); on the driver's connection
2-20 µs, which at thousands of rounds a second is a tenth of the engine's time.
Errors still arrive as Django's (``DatabaseError`` and its kind), in the caller's
transaction like any other query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def execute(sql: str, params: Sequence[object]) -> Any:
    """Run ``sql`` (``%s`` placeholders, as Django writes them); the driver's cursor.

    An aware datetime parameter is stored as Django stores it.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each ``connection.x`` costs a lookup
    db.ensure_connection()
    if db.vendor == "sqlite":
        sql = _for_sqlite(sql)
        params = [sqlite_time(p) if isinstance(p, datetime) else p for p in params]
    with db.wrap_database_errors:
        return db.connection.execute(sql, params)


@functools.cache
def _for_sqlite(sql: str) -> str:
    # sqlite3 takes "?"; psycopg takes "%s" as written. No statement here has a literal "%".
    return sql.replace("%s", "?")


def aware_utc(value: datetime) -> datetime:
    """The time in UTC (already-UTC times pass through untouched: this runs per row)."""
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def sqlite_time(value: datetime) -> str:
    """The time as Django stores it on SQLite: ``2025-01-01 08:00:00[.ffffff]``, naive UTC."""
    return aware_utc(value).replace(tzinfo=None).isoformat(" ")
