"""The frames growth analytics reads, with their schemas (pure: no Django).

``load.read_growth`` fills them from the store; tests build them by hand with
``frame(SCHEMA, rows)``. Every time is UTC.

- ``stays``: one row per stay in a group of the community (a join, known or
  inferred from a first message): stay_id, group_id, person_id,
  inviter_person_id (null: nobody known), join_how (invite, link, qr, added,
  request, unknown), campaign ("" when none), joined_at (the join, else the
  first message; null when neither is known), left_at, left_how ("" while in
  the group; left, removed, eliminated), is_bot
- ``activity``: per (group_id, person_id): messages, last_at
- ``checkins``: recognised check-ins (打卡): group_id, person_id, at
- ``ads``: ads an invitee posted (recognised in their messages, or a step the
  moderation rule took against them): group_id, person_id, at
- ``removals``: removals by the moderation rule (not undone): group_id, person_id, at
- ``orders``: paid orders: person_id, paid_at
- ``persons``: person_id, number, name
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

UTC_US = pl.Datetime("us", "UTC")
ID = pl.Int64

STAYS: dict[str, Any] = {
    "stay_id": ID,
    "group_id": ID,
    "person_id": ID,
    "inviter_person_id": ID,
    "join_how": pl.String,
    "campaign": pl.String,
    "joined_at": UTC_US,
    "left_at": UTC_US,
    "left_how": pl.String,
    "is_bot": pl.Boolean,
}
ACTIVITY: dict[str, Any] = {
    "group_id": ID,
    "person_id": ID,
    "messages": ID,
    "last_at": UTC_US,
}
EVENTS: dict[str, Any] = {"group_id": ID, "person_id": ID, "at": UTC_US}
ORDERS: dict[str, Any] = {"person_id": ID, "paid_at": UTC_US}
PERSONS: dict[str, Any] = {"person_id": ID, "number": ID, "name": pl.String}


def frame(schema: dict[str, Any], rows: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    """A frame of ``schema`` from ``rows`` (dicts; missing keys are null), typed even when empty."""
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def conform(data: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """``data``'s ``schema`` columns, cast to its types (an empty read types columns oddly)."""
    if data.is_empty():
        return pl.DataFrame(schema=schema)
    return data.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


@dataclass(frozen=True)
class GrowthFrames:
    """Everything fission quality is computed from, for one community, as of ``as_of``."""

    stays: pl.DataFrame
    activity: pl.DataFrame
    checkins: pl.DataFrame
    ads: pl.DataFrame
    removals: pl.DataFrame
    orders: pl.DataFrame
    persons: pl.DataFrame
    as_of: datetime
    zone: str = "UTC"

    @classmethod
    def empty(cls, as_of: datetime) -> GrowthFrames:
        return cls(
            stays=frame(STAYS),
            activity=frame(ACTIVITY),
            checkins=frame(EVENTS),
            ads=frame(EVENTS),
            removals=frame(EVENTS),
            orders=frame(ORDERS),
            persons=frame(PERSONS),
            as_of=as_of,
        )
