"""Inflow and outflow: new blood in, people out, and who brought whom.

Seed 000 §3: bring in new blood regularly and remove people regularly. A join (or a
leave) is a stay in this group whose ``joined_at`` (or ``left_at``) falls inside the
window; stays without a known join time are not counted as joins. Bots are left out.
``by_inviter`` shows which members' invitees stayed, the first sign of fission quality.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.activity import (
    COUNT,
    iso,
    local_day,
    monday,
    utc,
    window_weeks,
    with_names,
)
from shequn.analytics.metrics.base import Result

REMOVED = ["removed", "eliminated"]


def within(column: str, since: datetime, until: datetime) -> pl.Expr:
    """``column`` falls in [since, until)."""
    return (pl.col(column) >= utc(since)) & (pl.col(column) < utc(until))


def per_week(frames: Frames, stays: pl.DataFrame, column: str) -> list[int]:
    """How many of ``stays`` have ``column`` in each Monday week of the window."""
    counts = (
        stays.select(local_day(frames, column).alias("day"))
        .group_by(monday().alias("week"))
        .agg(pl.len().cast(COUNT).alias("n"))
    )
    weeks = window_weeks(frames).select("week")
    return weeks.join(counts, on="week", how="left").sort("week")["n"].fill_null(0).to_list()


def by_inviter(frames: Frames, joined: pl.DataFrame) -> list[dict[str, object]]:
    """Per inviter: invitees who joined in the window, how many stayed to its end, left."""
    until = utc(frames.window.until)
    stayed = pl.col("left_at").is_null() | (pl.col("left_at") >= until)
    rows = (
        joined.filter(pl.col("inviter_person_id").is_not_null())
        .group_by(pl.col("inviter_person_id").alias("person_id"))
        .agg(pl.len().cast(COUNT).alias("invited"), stayed.sum().cast(COUNT).alias("stayed"))
        .with_columns((pl.col("invited") - pl.col("stayed")).alias("left"))
    )
    named = with_names(frames, rows).sort(["invited", "person_id"], descending=[True, False])
    return named.select("person_id", "name", "invited", "stayed", "left").to_dicts()


def flow(frames: Frames) -> Result:
    """Joins, leaves (removed or eliminated counted apart) and the net change, by week."""
    window = frames.window
    stays = frames.group_members.filter(~pl.col("is_bot").fill_null(False))
    joined = stays.filter(within("joined_at", window.since, window.until))
    left = stays.filter(within("left_at", window.since, window.until))
    value = {
        "joins": joined.height,
        "leaves": left.height,
        "removed": left.filter(pl.col("left_how").is_in(REMOVED)).height,
        "net": joined.height - left.height,
    }
    series: dict[str, list[Any]] = {
        "weeks": [iso(w) for w in window_weeks(frames)["week"]],
        "joins": per_week(frames, joined, "joined_at"),
        "leaves": per_week(frames, left, "left_at"),
    }
    return Result(
        "flow", value=value, series=series, evidence={"by_inviter": by_inviter(frames, joined)}
    )
