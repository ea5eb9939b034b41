"""Message load: how much there is to scroll back (爬楼) and how often talk is crowded.

Seed 003: more than about four people talking at once is chaos, and a few hundred
people chatting freely produce noise, not value. "At once" is measured per clock
hour in the community's zone, a coarse but robust proxy: an hour is *crowded* when
more than four distinct members wrote in it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.activity import (
    COUNT,
    iso,
    local_time,
    member_ids,
    rounded,
    window_messages,
)
from shequn.analytics.metrics.base import Result, ratio

CROWD = 4  # more speakers than this in one hour is a crowd
TOP_HOURS = 20


def speakers_per_hour(frames: Frames, messages: pl.DataFrame) -> pl.DataFrame:
    """``hour`` (naive local start of the clock hour) and its distinct ``speakers``."""
    hour = local_time(frames).dt.truncate("1h").alias("hour")
    return messages.group_by(hour).agg(pl.col("person_id").n_unique().cast(COUNT).alias("speakers"))


def load(frames: Frames) -> Result:
    """Messages a member must scroll back per day, per member, and the crowded hours.

    ``messages_per_day`` is human messages over the window's length in days (0.0 for
    an empty window); ``per_member_per_day`` divides it by the members at the end.
    ``crowded_share`` is crowded hours over hours with any message.
    """
    messages = window_messages(frames)
    per_day = ratio(messages.height, frames.window.days) or 0.0
    members = member_ids(frames).height
    hours = speakers_per_hour(frames, messages)
    crowded = hours.filter(pl.col("speakers") > CROWD).sort(
        ["speakers", "hour"], descending=[True, False]
    )
    value = {
        "messages_per_day": rounded(per_day, 2),
        "per_member_per_day": rounded(ratio(per_day, members)),
        "crowded_hours": crowded.height,
        "crowded_share": rounded(ratio(crowded.height, hours.height)),
    }
    zone = ZoneInfo(frames.zone)
    evidence = [
        [iso(hour.replace(tzinfo=zone)), n] for hour, n in crowded.head(TOP_HOURS).iter_rows()
    ]
    return Result("load", value=value, evidence={"crowded_hours": evidence})
