"""Where a group stands in its life: new, alive, fading, or dead (死群 / 僵尸群).

Seed 002: the first week decides, so a new group's first 7 days are shown day by day
(the activation curve). Seed 000 §3: a dead group is better dissolved and rebuilt; that
verdict belongs to diagnosis, this metric only says whether the group is dead and why.

A group is *dead* when it had a real life (a peak Monday week of at least 20 messages)
and either nobody wrote in the last 14 days of the window, or the last 4 weeks (28 days
back from the window's end) hold under 5% of 4 × the peak week's messages while no
7-day block of them had more than 2 active members.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.activity import (
    COUNT,
    iso,
    relative_slope,
    rounded,
    utc,
    weekly,
    window_messages,
)
from shequn.analytics.metrics.base import Result

NEW_DAYS = 30
ALIVE_PEAK = 20  # messages in the peak week: the group once had a real life
SILENT_DAYS = 14
RECENT_WEEKS = 4
FADED_SHARE = 0.05
FADED_ACTIVE = 2
TREND_WEEKS = 8
ACTIVATION_DAYS = 7
DAY_SECONDS = 86_400


def created_at(frames: Frames) -> datetime | None:
    """The group's creation time from ``groups``, if known."""
    rows = frames.groups.filter(pl.col("group_id") == frames.group_id)["created_at"]
    return moment(rows.drop_nulls().min()) if rows.len() else None


def moment(value: object) -> datetime | None:
    """A Series aggregate as a datetime (None for an empty Series)."""
    return value if isinstance(value, datetime) else None


def days_between(start: datetime, end: datetime) -> float:
    """Days from ``start`` to ``end``, fractional."""
    return (end - start).total_seconds() / DAY_SECONDS


def recent(frames: Frames, messages: pl.DataFrame) -> tuple[int, int]:
    """Messages in the last 4 weeks and the most active members of any of its 7-day blocks."""
    until = frames.window.until
    back = (utc(until) - pl.col("at")).dt.total_microseconds() - 1  # in (0, 28 days]
    block = (back // (7 * DAY_SECONDS * 1_000_000)).alias("block")
    last = messages.filter(pl.col("at") >= utc(until - timedelta(weeks=RECENT_WEEKS)))
    active = last.group_by(block).agg(pl.col("person_id").n_unique().cast(COUNT).alias("n"))
    return last.height, int(active.select(pl.col("n").max()).item() or 0)


def verdict(peak: int, quiet: float | None, last4: int, active: int) -> list[str]:
    """The reasons the group is dead; empty when it is not (or never lived)."""
    if peak < ALIVE_PEAK:
        return []
    reasons = []
    if quiet is not None and quiet >= SILENT_DAYS:
        reasons.append(f"no message in the last {int(quiet)} days")
    if last4 < FADED_SHARE * peak * RECENT_WEEKS and active <= FADED_ACTIVE:
        reasons.append(
            f"last {RECENT_WEEKS} weeks hold {last4} messages, under "
            f"{FADED_SHARE:.0%} of {RECENT_WEEKS} x the peak week's {peak}, "
            f"with at most {active} active members a week"
        )
    return [f"peak week had {peak} messages", *reasons] if reasons else []


def activation(frames: Frames, messages: pl.DataFrame, origin: datetime | None) -> dict[str, Any]:
    """Messages and speakers on each of the group's first 7 local days, if the window holds them."""
    window = frames.window
    if origin is None or not window.since <= origin < window.until:
        return {"activation_day": [], "activation_messages": [], "activation_speakers": []}
    first = origin.astimezone(ZoneInfo(frames.zone)).date()
    days = pl.DataFrame(
        {"day": [first + timedelta(days=n) for n in range(ACTIVATION_DAYS)]},
        schema={"day": pl.Date},
    )
    counts = messages.group_by("day").agg(
        pl.len().cast(COUNT).alias("messages"),
        pl.col("person_id").n_unique().cast(COUNT).alias("speakers"),
    )
    curve = days.join(counts, on="day", how="left").fill_null(0).sort("day")
    return {
        "activation_day": list(range(1, ACTIVATION_DAYS + 1)),
        "activation_messages": curve["messages"].to_list(),
        "activation_speakers": curve["speakers"].to_list(),
    }


def lifecycle(frames: Frames) -> Result:
    """Age, newness, last message, peak and recent weeks, activity trend, and death."""
    window = frames.window
    messages = window_messages(frames)
    created = created_at(frames)
    first, last = moment(messages["at"].min()), moment(messages["at"].max())
    origin = created or first
    quiet = days_between(last, window.until) if last else None
    weeks = weekly(frames, messages)
    peak = int(weeks.select(pl.col("messages").max()).item() or 0)
    last4, active = recent(frames, messages)
    reasons = verdict(peak, quiet, last4, active)
    full = weeks.filter(pl.col("full")).tail(TREND_WEEKS)
    value = {
        "created_at": iso(created),
        "age_days": rounded(max(days_between(origin, window.until), 0.0), 2) if origin else None,
        "is_new": created is not None
        and window.since <= created < window.until
        and days_between(created, window.until) < NEW_DAYS,
        "last_message_at": iso(last),
        "days_since_last": rounded(quiet, 2),
        "peak_week_messages": peak,
        "last_4_weeks_messages": last4,
        "weekly_active_trend": rounded(relative_slope(full["active"].to_list())),
        "dead": bool(reasons),
    }
    series = {
        **activation(frames, messages, origin),
        "weeks": [iso(w) for w in weeks["week"]],
        "weekly_messages": weeks["messages"].to_list(),
        "weekly_active": weeks["active"].to_list(),
    }
    return Result("lifecycle", value=value, evidence={"dead_reasons": reasons}, series=series)
