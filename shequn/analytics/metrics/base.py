"""What every metric returns, and small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames


@dataclass(frozen=True)
class Result:
    """A metric's headline figures, the evidence behind them, and series for charts.

    Everything is JSON-serialisable (numbers, strings, ISO dates, lists of ids), so
    the same Result feeds the HTML report, the JSON report and the dashboard.
    ``evidence`` names members by person id and messages by message id.
    """

    metric: str
    value: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list[Any]] = field(default_factory=dict)


Metric = Callable[[Frames], Result]


def members_at(frames: Frames, at: datetime) -> pl.DataFrame:
    """Stays in the group open at ``at`` (bots left out): who was a member then."""
    stays = frames.group_members.filter(~pl.col("is_bot").fill_null(False))
    start = pl.coalesce("joined_at", "first_seen_at")
    return stays.filter(
        (start.is_null() | (start <= at)) & (pl.col("left_at").is_null() | (pl.col("left_at") > at))
    )


def human_messages(frames: Frames) -> pl.DataFrame:
    """Messages by members (not system lines, not bots)."""
    bots = frames.members.filter(pl.col("is_bot").fill_null(False)).select("person_id").unique()
    return frames.messages.filter(pl.col("person_id").is_not_null()).join(
        bots, on="person_id", how="anti"
    )


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when there is no whole (never a division by zero)."""
    return part / whole if whole else None
