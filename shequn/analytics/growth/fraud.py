"""Fraud signals of fission (裂变作弊信号): what an operator should look at, never a verdict.

Per inviter, from their invitations (``outcomes.invitations``) and the raw stays:

- ``burst``: at least BURST_JOINS joins the inviter brought within BURST_WINDOW
  (bought accounts, or one person's many accounts, arrive together);
- ``quick_leave``: at least QUICK_LEAVERS invitees left within a day of joining
  (羊毛党: in for the reward, out again);
- ``ad_posts``: at least one invitee posted ads or was removed as an advertiser;
- ``inactive``: at least INACTIVE_MIN invitees, old enough to judge (7 days), and
  at least INACTIVE_SHARE of them never wrote a message anywhere in the community.

Each signal carries its count and the invitees behind it (person ids), so the
review list can show the evidence. Nothing here punishes anyone: the signals go
to the operators' review list (``community.referral_actions.record_flags``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

BURST_JOINS = 5
BURST_WINDOW = timedelta(hours=1)
QUICK_LEAVERS = 3
INACTIVE_MIN = 5
INACTIVE_SHARE = 0.8
KINDS = ("burst", "quick_leave", "ad_posts", "inactive")
SIGNALS: dict[str, Any] = {
    "inviter_person_id": pl.Int64,
    "kind": pl.String,
    "count": pl.Int64,
    "persons": pl.List(pl.Int64),
}


def _bursts(stays: pl.DataFrame) -> pl.DataFrame:
    """The largest number of joins each inviter brought within BURST_WINDOW, where ≥ BURST_JOINS.

    A rolling count over each inviter's joins in time order: for each join, how
    many of the inviter's joins fell in the window ending at it.
    """
    brought = stays.filter(
        pl.col("inviter_person_id").is_not_null()
        & pl.col("joined_at").is_not_null()
        & (pl.col("inviter_person_id") != pl.col("person_id"))
        & ~pl.col("is_bot").fill_null(False)
    ).sort("inviter_person_id", "joined_at")
    if brought.is_empty():
        return pl.DataFrame(schema=SIGNALS)
    window = f"{int(BURST_WINDOW.total_seconds())}s"
    rolled = brought.rolling("joined_at", period=window, group_by="inviter_person_id").agg(
        pl.len().cast(pl.Int64).alias("count"), pl.col("person_id").alias("persons")
    )
    best = rolled.sort("count", descending=True).unique("inviter_person_id", keep="first")
    return best.filter(pl.col("count") >= BURST_JOINS).select(
        "inviter_person_id",
        pl.lit("burst").alias("kind"),
        "count",
        pl.col("persons").list.unique().list.sort(),
    )


def _counted(invites: pl.DataFrame, kind: str, hit: pl.Expr, keep: pl.Expr) -> pl.DataFrame:
    """Inviters for whom ``keep`` holds over their invitees, with those where ``hit`` holds."""
    per = invites.group_by("inviter_person_id").agg(
        hit.sum().cast(pl.Int64).alias("count"),
        pl.len().alias("judged"),
        pl.col("person_id").filter(hit).sort().alias("persons"),
    )
    return per.filter(keep).select(
        "inviter_person_id", pl.lit(kind).alias("kind"), "count", "persons"
    )


def fraud_signals(stays: pl.DataFrame, invites: pl.DataFrame) -> pl.DataFrame:
    """Every signal of every inviter: inviter_person_id, kind, count, persons (see module doc)."""
    count = pl.col("count")
    judged = invites.filter(pl.col("eligible7"))
    found = [
        _bursts(stays),
        _counted(invites, "quick_leave", pl.col("left_in_a_day"), count >= QUICK_LEAVERS),
        _counted(invites, "ad_posts", pl.col("advertised"), count >= 1),
        _counted(
            judged,
            "inactive",
            pl.col("never_active"),
            (pl.col("judged") >= INACTIVE_MIN) & (count >= pl.col("judged") * INACTIVE_SHARE),
        ),
    ]
    return pl.concat([f.cast(SIGNALS) for f in found]).sort(  # type: ignore[arg-type]
        "inviter_person_id", "kind"
    )
