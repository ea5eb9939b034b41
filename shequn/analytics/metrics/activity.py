"""How much a group talks: messages, daily and weekly active members, and the trend.

This module also holds the calendar the other metrics share: the window's local days
and Monday weeks in the community's time zone, daily and weekly counts, and the
relative least-squares slope. Every metric thus counts days and weeks the same way.

Weeks are calendar weeks starting on Monday (local). A week is *full* when all its
seven days lie inside the window; averages and trends use full weeks only, because a
cut week at either end of the window looks like a drop or a jump that never happened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.base import Result, human_messages, members_at, ratio

TOP_DAYS = 5
COUNT = pl.Int64
SLOT_SECONDS = 900  # zones change offset on quarter hours


def rounded(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded for the report, None kept."""
    return None if value is None else round(float(value), digits)


def iso(value: datetime | date | None) -> str | None:
    """An ISO string for JSON (times keep their offset), None kept."""
    return None if value is None else value.isoformat()


def utc(value: datetime) -> pl.Expr:
    """A literal comparable with the frames' UTC time columns."""
    return pl.lit(value.astimezone(UTC), dtype=pl.Datetime("us", "UTC"))


@lru_cache(maxsize=256)
def zone_offsets(zone: str, since: datetime, until: datetime) -> tuple[datetime, pl.Series]:
    """The zone's UTC offset for every 15-minute slot of [since, until], and the first slot.

    Every zone's offsets and transitions fall on quarter hours, so the table is exact,
    and a lookup is ~20× faster than converting a million times through the tz database.
    """
    start = datetime.fromtimestamp(since.timestamp() // SLOT_SECONDS * SLOT_SECONDS, UTC)
    end = max(until.astimezone(UTC), start)
    slots = pl.datetime_range(start, end, f"{SLOT_SECONDS}s", time_zone="UTC", eager=True)
    local = slots.dt.convert_time_zone(zone)
    return start, local.dt.base_utc_offset() + local.dt.dst_offset()


def local_time(frames: Frames, column: str = "at") -> pl.Expr:
    """Naive wall-clock time in the community's zone of a UTC column, for times in the window."""
    start, offsets = zone_offsets(frames.zone, frames.window.since, frames.window.until)
    naive = pl.col(column).dt.replace_time_zone(None)
    if offsets.n_unique() == 1:  # most zones (Asia/Shanghai, UTC): one constant
        return naive + pl.lit(offsets.item(0))
    slot = (pl.col(column) - utc(start)).dt.total_seconds() // SLOT_SECONDS
    return naive + pl.lit(offsets).gather(slot.clip(0, offsets.len() - 1))


def local_day(frames: Frames, column: str = "at") -> pl.Expr:
    """The local calendar date of a UTC time column, in the community's zone."""
    return local_time(frames, column).dt.date()


def monday(column: str = "day") -> pl.Expr:
    """The Monday starting the week of a date column."""
    return pl.col(column).dt.truncate("1w")


def window_messages(frames: Frames) -> pl.DataFrame:
    """Human messages inside the window [since, until), each with its local ``day``."""
    window = frames.window
    return (
        human_messages(frames)
        .filter((pl.col("at") >= utc(window.since)) & (pl.col("at") < utc(window.until)))
        .with_columns(local_day(frames).alias("day"))
    )


def member_ids(frames: Frames) -> pl.DataFrame:
    """One row per human member (``person_id``) at the end of the window."""
    return members_at(frames, frames.window.until.astimezone(UTC)).select("person_id").unique()


def with_names(frames: Frames, rows: pl.DataFrame, key: str = "person_id") -> pl.DataFrame:
    """``rows`` with the ``name`` of the person in column ``key`` ("" when unknown)."""
    names = frames.persons.select(pl.col("person_id").alias(key), "name").unique(key)
    return rows.join(names, on=key, how="left").with_columns(pl.col("name").fill_null(""))


def window_days(frames: Frames) -> list[date]:
    """Every local calendar day the window touches, first to last (empty if no window)."""
    window = frames.window
    if window.until <= window.since:
        return []
    zone = ZoneInfo(frames.zone)
    first = window.since.astimezone(zone).date()
    last = (window.until - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def window_weeks(frames: Frames) -> pl.DataFrame:
    """The Monday weeks the window touches: ``week`` (Monday) and ``full`` (all 7 days in)."""
    days = window_days(frames)
    if not days:
        return pl.DataFrame(schema={"week": pl.Date, "full": pl.Boolean})
    first = days[0] - timedelta(days=days[0].weekday())
    weeks = [first + timedelta(weeks=n) for n in range((days[-1] - first).days // 7 + 1)]
    full = [days[0] <= w and w + timedelta(days=6) <= days[-1] for w in weeks]
    return pl.DataFrame({"week": weeks, "full": full}, schema={"week": pl.Date, "full": pl.Boolean})


def counts_by(messages: pl.DataFrame, key: str) -> pl.DataFrame:
    """Messages and distinct speakers (``active``) per value of ``key``."""
    return messages.group_by(key).agg(
        pl.len().cast(COUNT).alias("messages"),
        pl.col("person_id").n_unique().cast(COUNT).alias("active"),
    )


def daily(frames: Frames, messages: pl.DataFrame) -> pl.DataFrame:
    """``day``, ``messages``, ``active`` for every day of the window, quiet days as 0."""
    days = pl.DataFrame({"day": window_days(frames)}, schema={"day": pl.Date})
    counts = counts_by(messages, "day")
    return days.join(counts, on="day", how="left").fill_null(0).sort("day")


def weekly(frames: Frames, messages: pl.DataFrame) -> pl.DataFrame:
    """``week``, ``full``, ``messages``, ``active`` for every week of the window."""
    counts = counts_by(messages.with_columns(monday().alias("week")), "week")
    weeks = window_weeks(frames)
    return weeks.join(counts, on="week", how="left").fill_null(0).sort("week")


def relative_slope(values: list[int] | list[float]) -> float | None:
    """Least-squares slope of ``values`` over their index, divided by their mean.

    A relative change per step (+0.1 = growing 10% of the average level per week).
    None with fewer than 3 points or a zero mean.
    """
    n = len(values)
    if n < 3:
        return None
    mean_y = sum(values) / n
    mean_x = (n - 1) / 2
    spread = sum((x - mean_x) ** 2 for x in range(n))
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread
    return ratio(slope, mean_y)


def activity(frames: Frames) -> Result:
    """How much the group talks and how many take part, per day and per week.

    Days are the local calendar days the window touches (a 30-day window starting at
    08:00 local touches 31), and ``daily_active_mean`` averages over all of them.
    ``active_share`` counts members (at the window's end) who spoke in the window over
    all members, so it stays within [0, 1] and equals 1 − the lurkers' silent share.
    Weekly figures use full weeks (all of them when the window holds none).
    ``messages_per_day`` is 0.0 for a window of no length.
    """
    messages = window_messages(frames)
    days = daily(frames, messages)
    weeks = weekly(frames, messages)
    full = weeks.filter(pl.col("full"))
    members = member_ids(frames)
    speakers = messages.select("person_id").unique().join(members, on="person_id", how="semi")
    length = frames.window.days
    value: dict[str, Any] = {
        "messages": messages.height,
        "days": rounded(length),
        "messages_per_day": rounded(ratio(messages.height, length) or 0.0, 2),
        "daily_active_mean": rounded(mean(days["active"]), 2),
        "weekly_active_mean": rounded(mean((full if full.height else weeks)["active"]), 2),
        "members": members.height,
        "active_share": rounded(ratio(speakers.height, members.height)),
        "trend_per_week": rounded(relative_slope(full["messages"].to_list())),
    }
    return Result(
        "activity",
        value=value,
        evidence={"busiest_days": busiest_days(days)},
        series={
            "days": [iso(d) for d in days["day"]],
            "messages": days["messages"].to_list(),
            "active": days["active"].to_list(),
        },
    )


def busiest_days(days: pl.DataFrame) -> list[list[Any]]:
    """The top days by messages as [iso date, messages], ties to the earlier day."""
    busiest = days.filter(pl.col("messages") > 0).sort(
        ["messages", "day"], descending=[True, False]
    )
    return [[iso(d), n] for d, n in busiest.select("day", "messages").head(TOP_DAYS).iter_rows()]


def mean(values: pl.Series) -> float:
    """The mean of a count series, 0.0 when there is nothing to average."""
    return float(values.sum()) / values.len() if values.len() else 0.0
