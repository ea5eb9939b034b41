"""The fission quality score (裂变质量分) of an inviter, a campaign or a channel.

The seeds' fission brings members, and with them advertisers and 羊毛党 (people
who come for the reward and go); "don't fission beyond your capacity". So the
score rewards what makes a group better, people who stay and talk, and charges
for what harms it, advertisers and people gone within a day:

    good  = Σ wᵢ · rateᵢ / Σ wᵢ   over the outcomes that can be judged
            stayed 7 days 0.20 · stayed 30 days 0.20 · spoke 0.30 ·
            checked in 0.10 · bought 0.20
    score = 100 · (good − 1.5 · advertiser rate − 0.5 · left-within-a-day rate)

Each rate is ``k / (n + 1)``: k invitees with the outcome out of the n that can
be judged on it, plus one imaginary invitee who did nothing, so that a single
lucky invitee does not top the table and a single advertiser does not sink an
inviter as deep as eight do. An outcome no invitee can be judged on yet (all
joined less than 30 days ago) drops out of ``good`` and the weights of the rest
count in full. The score runs from −200 (every invitee an advertiser gone
within the day) to 100 (every invitee stayed, spoke, checked in and bought);
below zero, the growth did the group more harm than good: an advertiser costs
more than a good member brings, which is why its weight is 1.5.
"""

from __future__ import annotations

import polars as pl

#: Weights of the good outcomes (they add up to 1) and the eligibility column each needs.
GOOD: dict[str, tuple[float, str | None]] = {
    "stayed7": (0.20, "eligible7"),
    "stayed30": (0.20, "eligible30"),
    "spoke": (0.30, None),
    "checked_in": (0.10, None),
    "bought": (0.20, None),
}
#: Penalties per unit of rate: advertisers (removed or not), and people gone within a day.
BAD: dict[str, float] = {"advertised": 1.5, "left_in_a_day": 0.5}
COUNTS = ("stayed7", "stayed30", "spoke", "checked_in", "bought", "advertised",
          "removed_ad", "left_in_a_day", "never_active")  # fmt: skip


def _aggregates() -> list[pl.Expr]:
    counts = [pl.col(name).sum().cast(pl.Int64).alias(name) for name in COUNTS]
    eligible = [pl.col(c).sum().cast(pl.Int64).alias(c) for c in ("eligible7", "eligible30")]
    return [pl.len().cast(pl.Int64).alias("invitees"), *counts, *eligible]


def _rate(count: str, base: str) -> pl.Expr:
    """k / (n + 1), or null when nobody can be judged (n = 0)."""
    n = pl.col(base)
    return pl.when(n > 0).then(pl.col(count) / (n + 1)).otherwise(None)


def _score() -> pl.Expr:
    weighted = pl.lit(0.0)
    weights = pl.lit(0.0)
    for name, (weight, _) in GOOD.items():
        rate = pl.col(f"{name}_rate")
        weighted = weighted + pl.when(rate.is_not_null()).then(rate * weight).otherwise(0.0)
        weights = weights + pl.when(rate.is_not_null()).then(weight).otherwise(0.0)
    good = pl.when(weights > 0).then(weighted / weights).otherwise(0.0)
    bad = sum((pl.col(f"{name}_rate").fill_null(0.0) * w for name, w in BAD.items()), pl.lit(0.0))
    return (100 * (good - bad)).round(1)


def quality(rows: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per value of ``by``: invitees, each outcome's count and rate, and the score.

    ``rows`` are stay outcomes (``outcomes.stay_outcomes`` or ``invitations``);
    the result is sorted best score first, then most invitees.
    """
    grouped = rows.group_by(by).agg(_aggregates())
    rates = [
        _rate(name, base or "invitees").alias(f"{name}_rate") for name, (_, base) in GOOD.items()
    ] + [_rate(name, "invitees").alias(f"{name}_rate") for name in BAD]
    return (
        grouped.with_columns(rates)
        .with_columns(_score().alias("score"))
        .sort(["score", "invitees", by], descending=[True, True, False], nulls_last=True)
    )
