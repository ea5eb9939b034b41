"""The store's frames for a community's funnel (``funnel.FunnelInput``), read Arrow-native.

Messages are read for the community's free groups only (two columns), since
the funnel's activity is activity in the free group; deleted messages (mostly
ads removed by moderation) do not count.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from shequn.analytics.frames import UTC_US, read, read_members, read_persons
from shequn.analytics.funnel import Funnel, FunnelInput, SeedRules, funnel


def community_zone(community_id: int) -> str:
    """The community's time zone."""
    found = read(f"SELECT time_zone FROM community_community WHERE id = {int(community_id)}")
    if found.height == 0:
        raise LookupError(f"no community {community_id}")
    return str(found[0, 0])


def load_funnel_input(community_id: int, now: datetime) -> FunnelInput:
    """Everything the funnel of ``community_id`` needs, as of ``now``."""
    cid = int(community_id)
    groups = read(f"SELECT id AS group_id, kind FROM community_group WHERE community_id = {cid}")
    orders = read(
        "SELECT o.person_id, f.kind AS offer_kind, o.status, o.paid_at, o.ordered_at "
        "FROM community_order o "
        f"JOIN community_offer f ON f.id = o.offer_id WHERE o.community_id = {cid}"
    )
    messages = read(
        "SELECT a.person_id, m.at FROM chat_message m "
        "JOIN community_account a ON a.id = m.sender_id "
        "JOIN community_group g ON g.id = m.group_id "
        f"WHERE g.community_id = {cid} AND g.kind = 'free' AND m.deleted_at IS NULL"
    )
    links = read(
        f"SELECT person_a_id AS person_a, person_b_id AS person_b FROM community_link "
        f"WHERE community_id = {cid}"
    )
    persons = read_persons(cid).select("person_id", "number", "name", "tier")
    return FunnelInput(
        members=read_members(cid), groups=groups, persons=persons, orders=_typed(orders),
        messages=messages, links=links, zone=community_zone(cid), now=now,
    )  # fmt: skip


def _typed(orders: pl.DataFrame) -> pl.DataFrame:
    """Orders dated when paid (else when ordered), typed even when there are none.

    The two times are read apart and joined here: SQLite returns a COALESCE of
    two timestamps as text, which connectorx cannot type.
    """
    dated = orders.with_columns(pl.col("paid_at", "ordered_at").cast(UTC_US))
    return dated.select(
        pl.col("person_id").cast(pl.Int64),
        pl.col("offer_kind", "status").cast(pl.String),
        pl.coalesce("paid_at", "ordered_at").alias("at"),
    )


def community_funnel(community_id: int, now: datetime, rules: SeedRules | None = None) -> Funnel:
    """The community's funnel as of ``now``."""
    return funnel(load_funnel_input(community_id, now), rules)
