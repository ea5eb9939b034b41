"""What became of each stay: stayed 7/30 days, spoke, checked in, bought, advertised, left.

One row per stay (bots left out) with the stay's attribution (inviter,
campaign, channel) and its outcomes as booleans. An outcome that cannot be
known yet is not counted against anyone: ``eligible7`` / ``eligible30`` say
whether the stay can be judged on staying 7 / 30 days: it is old enough (as
of the frames' ``as_of``), or it already ended sooner. Everything counts from
the stay's join on (a message, check-in, order or ad from before the join
belongs to an earlier stay).

- stayed7 / stayed30: still in the group, or left at least 7 / 30 days after joining
- spoke: wrote at least one message in the group after joining
- checked_in: at least one recognised check-in (打卡) in the group
- bought: a paid order of the person after joining (any offer of the community)
- advertised: posted an ad in the group (recognised, or a moderation step against them)
- removed_ad: removed from the group as an advertiser (a moderation removal, or
  removed after posting an ad)
- left_in_a_day: left within 24 hours of joining
- never_active: never wrote a message in any group of the community
"""

from __future__ import annotations

from datetime import UTC, timedelta

import polars as pl

from shequn.analytics.growth.frames import UTC_US, GrowthFrames

DAY, WEEK, MONTH = timedelta(days=1), timedelta(days=7), timedelta(days=30)
OUTCOMES = (
    "stayed7",
    "stayed30",
    "spoke",
    "checked_in",
    "bought",
    "advertised",
    "removed_ad",
    "left_in_a_day",
    "never_active",
)


def _since_join(events: pl.DataFrame, stays: pl.DataFrame, on: list[str], at: str) -> pl.DataFrame:
    """Stay ids with at least one event (on the ``on`` keys) at or after the stay's join."""
    joined = stays.select("stay_id", *on, "joined_at").join(events.select(*on, at), on=on)
    after = pl.col("joined_at").is_null() | (pl.col(at) >= pl.col("joined_at"))
    return joined.filter(after).select("stay_id").unique()


def _flag(stays: pl.DataFrame, hits: pl.DataFrame, name: str) -> pl.DataFrame:
    return stays.join(hits.with_columns(pl.lit(True).alias(name)), on="stay_id", how="left")


def _with_hits(frames: GrowthFrames, stays: pl.DataFrame) -> pl.DataFrame:
    """The stays with a flag per kind of event since their join, and ``never_active``."""
    key = ["group_id", "person_id"]
    hits = {
        "spoke": _since_join(frames.activity.rename({"last_at": "at"}), stays, key, "at"),
        "checked_in": _since_join(frames.checkins, stays, key, "at"),
        "bought": _since_join(frames.orders.rename({"paid_at": "at"}), stays, ["person_id"], "at"),
        "advertised": _since_join(frames.ads, stays, key, "at"),
        "moderated_out": _since_join(frames.removals, stays, key, "at"),
    }
    for name, found in hits.items():
        stays = _flag(stays, found, name)
    active = frames.activity.filter(pl.col("messages") > 0).select("person_id").unique()
    stays = stays.join(active.with_columns(pl.lit(False).alias("never_active")), on="person_id",
                       how="left")  # fmt: skip
    return stays.with_columns(
        [pl.col(n).fill_null(False) for n in hits] + [pl.col("never_active").fill_null(True)]
    )


def stay_outcomes(frames: GrowthFrames) -> pl.DataFrame:
    """Every human stay with its attribution and outcomes (see the module doc)."""
    as_of = pl.lit(frames.as_of.astimezone(UTC), dtype=UTC_US)
    stays = frames.stays.filter(~pl.col("is_bot").fill_null(False)).drop("is_bot")
    stays = _with_hits(frames, stays)
    lasted = pl.col("left_at") - pl.col("joined_at")
    age = as_of - pl.col("joined_at")
    known = pl.col("joined_at").is_not_null()
    removed = pl.col("left_how") == "removed"
    return (
        stays.with_columns(
            # Judged once old enough, or once gone sooner (then it is known they did not stay).
            eligible7=known & ((age >= WEEK) | (lasted < WEEK).fill_null(False)),
            eligible30=known & ((age >= MONTH) | (lasted < MONTH).fill_null(False)),
            # Stayed, and old enough to say so: a stay of three days has not "stayed 7 days".
            stayed7=known & (age >= WEEK) & (pl.col("left_at").is_null() | (lasted >= WEEK)),
            stayed30=known & (age >= MONTH) & (pl.col("left_at").is_null() | (lasted >= MONTH)),
            removed_ad=removed & (pl.col("moderated_out") | pl.col("advertised")),
            left_in_a_day=known & pl.col("left_at").is_not_null() & (lasted < DAY),
        )
        .with_columns(
            # A member the moderation rule removed was removed as an advertiser: they advertised.
            advertised=pl.col("advertised") | pl.col("removed_ad"),
        )
        .drop("moderated_out")
    )


def invitations(outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per (inviter, invitee): the invitee's first stay the inviter brought them into.

    Someone brought into three groups by the same inviter is one invitee, judged
    by that first stay, so an inviter cannot count a person three times.
    """
    brought = outcomes.filter(
        pl.col("inviter_person_id").is_not_null()
        & (pl.col("inviter_person_id") != pl.col("person_id"))
    )
    return brought.sort("joined_at", "stay_id", nulls_last=True).unique(
        ["inviter_person_id", "person_id"], keep="first", maintain_order=True
    )
