"""Who speaks and who doesn't: lurkers (潜水) and "only a few talk" concentration.

The seeds ask operators to give silent members presence and to let the majority
speak; these two metrics name the silent and measure how few carry the talk.
Both count the members at the window's end (bots left out): people who left are
no longer anyone's audience, and silent members count as writers of 0 messages.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.activity import (
    COUNT,
    iso,
    member_ids,
    rounded,
    utc,
    window_messages,
    with_names,
)
from shequn.analytics.metrics.base import Result, human_messages, members_at, ratio

TOP_SHARE = 0.05  # the "top 5%" of members
TOP_LISTED = 10
LORENZ_POINTS = 100  # steps, so at most 101 points
DAY_US = 86_400_000_000


def lurkers(frames: Frames) -> Result:
    """Members who wrote nothing in the window, longest-silent first.

    ``silent_days`` runs to the window's end from their last message in the frames,
    or, when the frames hold none, from when they joined or the window began,
    whichever is later (before the window we cannot see).
    """
    window = frames.window
    members = (
        members_at(frames, window.until.astimezone(UTC))
        .group_by("person_id")
        .agg(pl.coalesce("joined_at", "first_seen_at").min().alias("start"))
    )
    spoke = window_messages(frames).select("person_id").unique()
    last = (
        human_messages(frames)
        .filter(pl.col("at") < utc(window.until))
        .group_by("person_id")
        .agg(pl.col("at").max().alias("last_at"))
    )
    since = pl.coalesce("last_at", pl.max_horizontal("start", utc(window.since)))
    silent = with_names(
        frames,
        members.join(spoke, on="person_id", how="anti")
        .join(last, on="person_id", how="left")
        .with_columns(((utc(window.until) - since).dt.total_microseconds() / DAY_US).alias("days")),
    ).sort(["days", "person_id"], descending=[True, False])
    value = {
        "members": members.height,
        "silent": silent.height,
        "silent_share": rounded(ratio(silent.height, members.height)),
    }
    return Result("lurkers", value=value, evidence={"silent": silent_rows(silent)})


def silent_rows(silent: pl.DataFrame) -> list[dict[str, Any]]:
    """The lurkers' evidence rows, in the frame's order."""
    return [
        {
            "person_id": row["person_id"],
            "name": row["name"],
            "last_message_at": iso(row["last_at"]),
            "silent_days": rounded(row["days"], 2),
        }
        for row in silent.iter_rows(named=True)
    ]


def per_member(frames: Frames) -> pl.DataFrame:
    """``person_id``, ``messages`` for every member, most messages first, silent as 0."""
    counts = window_messages(frames).group_by("person_id").agg(pl.len().cast(COUNT).alias("n"))
    return (
        member_ids(frames)
        .join(counts, on="person_id", how="left")
        .select("person_id", pl.col("n").fill_null(0).alias("messages"))
        .sort(["messages", "person_id"], descending=[True, False])
    )


def gini(ascending: pl.Series) -> float | None:
    """Gini coefficient of counts sorted ascending: 2·Σ i·xᵢ / (n·Σx) − (n+1)/n, i from 1."""
    n, total = ascending.len(), int(ascending.sum())
    if not n or not total:
        return None
    weighted = int((pl.int_range(1, n + 1, eager=True) * ascending).sum())
    return 2 * weighted / (n * total) - (n + 1) / n


def lorenz(ascending: pl.Series) -> dict[str, list[Any]]:
    """Lorenz curve points (share of members, share of messages), at most 101 of them."""
    n, total = ascending.len(), int(ascending.sum())
    if not n or not total:
        return {"lorenz_x": [], "lorenz_y": []}
    cumulative = pl.concat([pl.Series([0], dtype=COUNT), ascending.cum_sum()])
    steps = min(n, LORENZ_POINTS)
    index = pl.Series([round(j * n / steps) for j in range(steps + 1)], dtype=COUNT)
    return {
        "lorenz_x": [round(float(i) / n, 4) for i in index],
        "lorenz_y": [round(float(c) / total, 4) for c in cumulative.gather(index)],
    }


def concentration(frames: Frames) -> Result:
    """How few members carry the talk: top-5% share, Gini, and who writes half.

    The top 5% is ⌊5% of members⌋ people, at least one. ``messages`` counts the
    members' messages only (people who left are outside the curve), so the shares
    add up to 1. ``half_writers`` is the smallest number of members whose messages
    reach half the total.
    """
    rows = per_member(frames)
    counts = rows["messages"]
    n, total = rows.height, int(counts.sum())
    top = max(1, int(n * TOP_SHARE))
    half = int((counts.cum_sum() * 2 < total).sum()) + 1 if total else 0
    value = {
        "members": n,
        "speakers": int((counts > 0).sum()),
        "messages": total,
        "top5_share": rounded(ratio(int(counts.head(top).sum()), total)) if n else None,
        "gini": rounded(gini(counts.reverse())),
        "half_writers": half,
    }
    listed = with_names(frames, rows.filter(pl.col("messages") > 0).head(TOP_LISTED))
    evidence = [
        {
            "person_id": row["person_id"],
            "name": row["name"],
            "messages": row["messages"],
            "share": rounded(ratio(row["messages"], total)),
        }
        for row in listed.sort(["messages", "person_id"], descending=[True, False]).iter_rows(
            named=True
        )
    ]
    return Result(
        "concentration",
        value=value,
        evidence={"top": evidence},
        series=lorenz(counts.reverse()),
    )
