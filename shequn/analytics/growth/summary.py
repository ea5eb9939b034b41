"""Fission quality of a community in one object: tree, inviters, campaigns, channels, signals.

What the console's growth page, the API and the report section show, as plain
JSON-ready rows (person ids, numbers, names, counts, rates rounded to 4
places, scores to 1), so that all three give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import polars as pl

from shequn.analytics.growth.frames import GrowthFrames
from shequn.analytics.growth.fraud import fraud_signals
from shequn.analytics.growth.outcomes import invitations, stay_outcomes
from shequn.analytics.growth.quality import quality
from shequn.analytics.growth.tree import Tree, referral_tree

#: Figures of a quality row, in the order tables show them.
FIGURES = ("invitees", "stayed7", "stayed30", "spoke", "checked_in", "bought", "advertised",
           "removed_ad", "left_in_a_day", "never_active", "eligible7", "eligible30")  # fmt: skip
RATES = ("stayed7_rate", "stayed30_rate", "spoke_rate", "checked_in_rate", "bought_rate",
         "advertised_rate", "left_in_a_day_rate")  # fmt: skip
NO_CAMPAIGN = ""


@dataclass(frozen=True)
class Growth:
    """A community's fission figures as tables; rows as dicts on first use (see ``FIGURES``).

    Inviter rows and signals carry the inviter's ``number`` and ``name``. The dicts
    are made only when read: a caller that needs a few rows (or none) does not pay
    for converting every inviter of a large community.
    """

    as_of: datetime
    joins: int
    tree: Tree
    inviter_table: pl.DataFrame
    campaign_table: pl.DataFrame
    channel_table: pl.DataFrame
    signal_table: pl.DataFrame
    persons: pl.DataFrame

    @cached_property
    def inviters(self) -> list[dict[str, Any]]:
        return self.inviter_table.to_dicts()

    @cached_property
    def campaigns(self) -> list[dict[str, Any]]:
        return self.campaign_table.to_dicts()

    @cached_property
    def channels(self) -> list[dict[str, Any]]:
        return self.channel_table.to_dicts()

    @cached_property
    def signals(self) -> list[dict[str, Any]]:
        return self.signal_table.to_dicts()

    @cached_property
    def names(self) -> dict[int, tuple[int, str]]:
        """person id → (member number, name)."""
        rows = self.persons.select("person_id", "number", "name").iter_rows()
        return {pid: (num, name or "") for pid, num, name in rows}

    def tree_figures(self) -> dict[str, int]:
        t = self.tree
        return {"people": t.people, "roots": t.roots, "referred": t.referred,
                "max_depth": t.max_depth, "in_loops": t.in_loops}  # fmt: skip


def _shaped(table: pl.DataFrame, key: str) -> pl.DataFrame:
    return table.select(
        pl.col(key),
        pl.col("score").cast(pl.Float64),
        *[pl.col(name).fill_null(0).cast(pl.Int64) for name in FIGURES],
        *[pl.col(rate).cast(pl.Float64).round(4) for rate in RATES],
    )


def _named(table: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """``table`` with the inviter's number and name, in its own order."""
    who = persons.select(
        pl.col("person_id").alias("inviter_person_id"), "number", pl.col("name").fill_null("")
    )
    named = table.join(who, on="inviter_person_id", how="left", maintain_order="left")
    return named.with_columns(pl.col("name").fill_null(""))


def campaign_rows(outcomes: pl.DataFrame) -> pl.DataFrame:
    """Stays that came through a named campaign, one per (campaign, person): their first."""
    named = outcomes.filter(pl.col("campaign").fill_null(NO_CAMPAIGN) != NO_CAMPAIGN)
    return named.sort("joined_at", "stay_id", nulls_last=True).unique(
        ["campaign", "person_id"], keep="first", maintain_order=True
    )


def summarise(frames: GrowthFrames, outcomes: pl.DataFrame | None = None) -> Growth:
    """The figures of ``frames``; ``outcomes`` narrows them (e.g. one group's joins in a window).

    The tree is always the whole community's: who brought whom does not depend on the window.
    """
    rows = stay_outcomes(frames) if outcomes is None else outcomes
    invites = invitations(rows)
    inviters = _shaped(quality(invites, "inviter_person_id"), "inviter_person_id")
    return Growth(
        as_of=frames.as_of,
        joins=rows.height,
        tree=referral_tree(frames.stays),
        inviter_table=_named(inviters, frames.persons),
        campaign_table=_shaped(quality(campaign_rows(rows), "campaign"), "campaign"),
        channel_table=_shaped(quality(rows, "join_how"), "join_how"),
        signal_table=_named(fraud_signals(frames.stays, invites), frames.persons),
        persons=frames.persons,
    )
