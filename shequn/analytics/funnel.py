"""The free → trial → paid funnel (转化漏斗) of a community, per cohort of joiners: pure polars.

The seeds: lead the willing payers from the free group into the paid one, and
let trust come first (刷脸刷出信任度). So the funnel starts at the free group: its
population is everyone who ever stayed in a group of kind ``free``. A member
*reached trial* with a stay in a ``trial`` group, and *reached paid* with a stay
in a ``paid`` group or a paid order for an offer of kind ``paid_group`` or
``course``, in both cases no earlier than their first free stay (someone who
paid before ever entering the free group was not converted by it).

Cohorts are months of a member's first join to the community (any group, the
community's zone). Breakdowns: by tier, by activity (messages in free groups
before paying), by who invited them into the free group, and by time since
joining the free group (censored: only members in the free group long enough
are counted for "within N days"). ``seeds`` are members still in a free group,
active and trusted, never in trial or paid and never sold a paid offer: the
people to lead on first.

Inputs are frames (``FunnelInput``; see ``funnel_load`` for the store's); every
time is UTC and nothing after ``now`` counts, so the funnel can be drawn as of
any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

PAID_OFFERS = ("paid_group", "course")
#: Activity bands: (label, lowest messages in the band), in order.
ACTIVITY = (("0", 0), ("1-9", 1), ("10-49", 10), ("50+", 50))
WITHIN_DAYS = (7, 30, 90)
TRUSTED_TIERS = ("big", "mid")


@dataclass(frozen=True)
class FunnelInput:
    """The frames a funnel needs.

    ``members``: group_id, person_id, joined_at, first_seen_at, left_at,
    inviter_person_id, is_bot; ``groups``: group_id, kind; ``persons``:
    person_id, number, name, tier; ``orders``: person_id, offer_kind, status, at;
    ``messages`` (free groups only): person_id, at; ``links``: person_a, person_b.
    """

    members: pl.DataFrame
    groups: pl.DataFrame
    persons: pl.DataFrame
    orders: pl.DataFrame
    messages: pl.DataFrame
    links: pl.DataFrame
    zone: str
    now: datetime


@dataclass(frozen=True)
class SeedRules:
    """Who counts as active and trusted in the free group."""

    active_days: int = 30
    min_messages: int = 5
    min_ties: int = 2


@dataclass(frozen=True)
class Funnel:
    """Every table of the funnel; rates are shares (0..1) or None when nobody is counted."""

    totals: dict[str, Any]
    cohorts: pl.DataFrame
    by_tier: pl.DataFrame
    by_activity: pl.DataFrame
    by_inviter: pl.DataFrame
    by_time: pl.DataFrame
    seeds: pl.DataFrame

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the JSON report."""
        tables = ("cohorts", "by_tier", "by_activity", "by_inviter", "by_time", "seeds")
        return {"totals": self.totals} | {t: getattr(self, t).to_dicts() for t in tables}


def _stays(inp: FunnelInput) -> pl.DataFrame:
    """Human stays up to ``now`` with their group's kind and a time (join, else first seen)."""
    return (
        inp.members.filter(~pl.col("is_bot").fill_null(False))
        .join(inp.groups.select("group_id", "kind"), on="group_id", how="inner")
        .with_columns(pl.coalesce("joined_at", "first_seen_at").alias("at"))
        .filter(pl.col("at").is_null() | (pl.col("at") <= inp.now))
    )


def _first(stays: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """Per person with a stay of ``kind``: the earliest time (``<name>_at``) and a flag."""
    return (
        stays.filter(pl.col("kind") == kind)
        .sort("at", nulls_last=True)
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("at").min().alias(f"{name}_at"),
            pl.col("inviter_person_id").first().alias(f"{name}_inviter"),
        )
        .with_columns(pl.lit(True).alias(f"in_{name}"))
    )


def _paid_orders(inp: FunnelInput) -> pl.DataFrame:
    """Per person: the first paid order for a paid group or course, up to ``now``."""
    return (
        inp.orders.filter(
            (pl.col("status") == "paid")
            & pl.col("offer_kind").is_in(PAID_OFFERS)
            & (pl.col("at") <= inp.now)
        )
        .group_by("person_id")
        .agg(pl.col("at").min().alias("bought_at"))
    )


def _reached(name: str) -> pl.Expr:
    """Reached stage ``name`` no earlier than the first free stay (unknown times: yes)."""
    at, free = pl.col(f"{name}_at"), pl.col("free_at")
    return (pl.col(f"in_{name}") & (at.is_null() | free.is_null() | (at >= free))).alias(name)


def journeys(inp: FunnelInput) -> pl.DataFrame:
    """One row per member: cohort, when they entered free/trial/paid, and whether converted."""
    stays = _stays(inp)
    first = stays.group_by("person_id").agg(pl.col("at").min().alias("first_at"))
    paid_group = _first(stays, "paid", "paid").select("person_id", "paid_at")
    paid = (
        paid_group.join(_paid_orders(inp), on="person_id", how="full", coalesce=True)
        .with_columns(pl.min_horizontal("paid_at", "bought_at").alias("paid_at"))
        .select("person_id", "paid_at", pl.lit(True).alias("in_paid"))
    )
    frame = (
        first.join(_first(stays, "free", "free"), on="person_id", how="left")
        .join(_first(stays, "trial", "trial").drop("trial_inviter"), on="person_id", how="left")
        .join(paid, on="person_id", how="left")
        .with_columns(pl.col("in_free", "in_trial", "in_paid").fill_null(False))
        .with_columns(_reached("trial"), _reached("paid"))
        .with_columns(
            pl.col("first_at")
            .dt.convert_time_zone(inp.zone)
            .dt.strftime("%Y-%m")
            .fill_null("?")
            .alias("cohort")
        )
    )
    return frame.join(
        inp.persons.select("person_id", "number", "name", "tier"), on="person_id", how="left"
    ).with_columns(pl.col("tier").fill_null("").alias("tier"))


def _rate(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole)).otherwise(None)


def breakdown(free: pl.DataFrame, key: str) -> pl.DataFrame:
    """Free-group members by ``key``: how many, reached trial, reached paid, and the rates."""
    return (
        free.group_by(key)
        .agg(
            pl.len().alias("members"),
            pl.col("trial").sum().alias("trial"),
            pl.col("paid").sum().alias("paid"),
        )
        .with_columns(
            _rate("trial", "members").alias("trial_rate"),
            _rate("paid", "members").alias("paid_rate"),
        )
        .sort(["members", key], descending=[True, False])
    )


def cohort_table(people: pl.DataFrame) -> pl.DataFrame:
    """Per cohort month: joiners, in the free group, reached trial, reached paid, rates."""
    table = (
        people.group_by("cohort")
        .agg(
            pl.len().alias("joined"),
            pl.col("in_free").sum().alias("free"),
            (pl.col("in_free") & pl.col("trial")).sum().alias("trial"),
            (pl.col("in_free") & pl.col("paid")).sum().alias("paid"),
            (pl.col("in_free") & pl.col("trial") & pl.col("paid")).sum().alias("trial_paid"),
        )
        .with_columns(
            _rate("trial", "free").alias("trial_rate"),
            _rate("paid", "free").alias("paid_rate"),
            _rate("trial_paid", "trial").alias("trial_to_paid_rate"),
        )
    )
    return table.sort("cohort")


def _messages_before_paying(inp: FunnelInput, people: pl.DataFrame) -> pl.DataFrame:
    """Per person: messages in free groups before they reached paid (all, if they did not)."""
    until = people.select(
        "person_id", pl.when(pl.col("paid")).then(pl.col("paid_at")).alias("until")
    )
    return (
        inp.messages.filter(pl.col("at") < inp.now)
        .join(until, on="person_id", how="inner")
        .filter(pl.col("until").is_null() | (pl.col("at") < pl.col("until")))
        .group_by("person_id")
        .agg(pl.len().alias("messages"))
    )


def activity_band(messages: pl.Expr) -> pl.Expr:
    """The band label of a message count (``ACTIVITY``)."""
    expr = pl.lit(ACTIVITY[0][0])
    for label, low in ACTIVITY[1:]:
        expr = pl.when(messages >= low).then(pl.lit(label)).otherwise(expr)
    return expr


def _by_inviter(free: pl.DataFrame, persons: pl.DataFrame, top: int) -> pl.DataFrame:
    """Free-group members by who invited them in (``none``: nobody recorded), best ``top``."""
    names = persons.select(
        pl.col("person_id").alias("free_inviter"),
        pl.col("number").alias("inviter_number"),
        pl.col("name").alias("inviter_name"),
    )
    table = breakdown(free, "free_inviter").join(names, on="free_inviter", how="left")
    return table.head(top)


def _by_time(free: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Reached paid within N days of entering the free group, among those in it ≥ N days."""
    rows: list[dict[str, int | None]] = []
    took = pl.col("paid_at") - pl.col("free_at")
    for days in WITHIN_DAYS:
        eligible = free.filter(pl.col("free_at") <= now - timedelta(days=days))
        done = eligible.filter(pl.col("paid") & (took <= timedelta(days=days)))
        rows.append({"within_days": days, "members": eligible.height, "paid": done.height})
    rows.append({"within_days": None, "members": free.height, "paid": int(free["paid"].sum())})
    frame = pl.DataFrame(
        rows, schema={"within_days": pl.Int64, "members": pl.Int64, "paid": pl.Int64}
    )
    return frame.with_columns(_rate("paid", "members").alias("paid_rate"))


def _ties(links: pl.DataFrame) -> pl.DataFrame:
    """Per person: how many other members they are tied to (any dimension)."""
    pairs = pl.concat(
        [
            links.select(pl.col("person_a").alias("person_id"), pl.col("person_b").alias("other")),
            links.select(pl.col("person_b").alias("person_id"), pl.col("person_a").alias("other")),
        ]
    )
    return pairs.group_by("person_id").agg(pl.col("other").n_unique().alias("ties"))


def seeds(inp: FunnelInput, people: pl.DataFrame, rules: SeedRules) -> pl.DataFrame:
    """Members in a free group now, active and trusted, never offered trial or paid.

    "Offered" is what shequn can see: a stay in a trial or paid group, or any order
    (whatever its status) for a paid group or course. Trusted first (tier, then ties),
    then the most active.
    """
    stays = _stays(inp)
    in_free_now = (
        stays.filter(
            (pl.col("kind") == "free")
            & (pl.col("left_at").is_null() | (pl.col("left_at") > inp.now))
        )
        .select("person_id")
        .unique()
    )
    offered = inp.orders.filter(pl.col("offer_kind").is_in(PAID_OFFERS)).select("person_id")
    since = inp.now - timedelta(days=rules.active_days)
    recent = (
        inp.messages.filter((pl.col("at") >= since) & (pl.col("at") < inp.now))
        .group_by("person_id")
        .agg(pl.len().alias("recent_messages"))
    )
    tier_order = pl.col("tier").replace_strict({"big": 0, "mid": 1}, default=2)
    return (
        people.join(in_free_now, on="person_id", how="semi")
        .filter(~pl.col("in_trial") & ~pl.col("in_paid"))
        .join(offered, on="person_id", how="anti")
        .join(recent, on="person_id", how="inner")
        .join(_ties(inp.links), on="person_id", how="left")
        .with_columns(pl.col("ties").fill_null(0))
        .filter(pl.col("recent_messages") >= rules.min_messages)
        .filter(pl.col("tier").is_in(TRUSTED_TIERS) | (pl.col("ties") >= rules.min_ties))
        .with_columns(((inp.now - pl.col("free_at")).dt.total_days()).alias("days_in_free"))
        .sort(
            [tier_order, pl.col("ties"), pl.col("recent_messages"), pl.col("number")],
            descending=[False, True, True, False],
        )
        .select(
            "person_id", "number", "name", "tier", "ties", "recent_messages", "days_in_free",
            pl.col("free_inviter").alias("inviter_person_id"),
        )
    )  # fmt: skip


def funnel(inp: FunnelInput, rules: SeedRules | None = None, top_inviters: int = 20) -> Funnel:
    """Every table of the community's funnel as of ``inp.now``."""
    people = journeys(inp)
    free = people.filter(pl.col("in_free"))
    counted = _messages_before_paying(inp, free)
    free = free.join(counted, on="person_id", how="left").with_columns(
        pl.col("messages").fill_null(0)
    )
    by_activity = breakdown(
        free.with_columns(activity_band(pl.col("messages")).alias("band")), "band"
    )
    order = {label: n for n, (label, _) in enumerate(ACTIVITY)}
    by_activity = by_activity.sort(pl.col("band").replace_strict(order, return_dtype=pl.Int64))
    totals = {
        "joined": people.height,
        "free": free.height,
        "trial": int(free["trial"].sum()),
        "paid": int(free["paid"].sum()),
        "now": inp.now.isoformat(),
    }
    return Funnel(
        totals=totals,
        cohorts=cohort_table(people),
        by_tier=breakdown(free, "tier"),
        by_activity=by_activity,
        by_inviter=_by_inviter(free, inp.persons, top_inviters),
        by_time=_by_time(free, inp.now),
        seeds=seeds(inp, people, rules or SeedRules()),
    )
