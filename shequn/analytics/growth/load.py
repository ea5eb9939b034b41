"""The store as growth frames (``frames.GrowthFrames``), read Arrow-native through connectorx.

Big tables are aggregated or filtered in SQL: messages become one row per
(group, sender) with their count and last time (an index-only scan of
``(group, sender, at)``, which is why a system line with a sender counts as
speaking: filtering on ``kind`` would read every row); only messages that could
be a check-in or an ad are read with their text, and recognised here by the
same pure functions the live rules use (``playbook.checkin.is_checkin``,
``playbook.moderation.signals``). The Django reads (settings, audit entries)
run first in the caller's thread; the Arrow reads then run at once on PostgreSQL.

- Check-ins: the SQL keeps texts containing a keyword of some group's check-in
  settings (ASCII in any case); ``is_checkin`` with that group's settings decides.
- Ads: a message in the first NEWCOMER_WINDOW of a stay whose own signals reach
  AD_THRESHOLD (the moderation rule's default), among the messages the SQL keeps
  because they carry a link, a picture, a contact or a strong ad word; plus every
  step the moderation rule took against a member (warn, mute, remove, delete)
  that was not undone. Advertisers post as soon as they arrive, so the window
  keeps a long-standing member's shared link from counting as an ad.
- Removals: the moderation rule's performed removals that were not undone.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import polars as pl
from django.db import connection

from shequn.analytics.frames import read
from shequn.analytics.growth import frames as f
from shequn.analytics.growth.frames import GrowthFrames, conform

NEWCOMER_WINDOW = timedelta(hours=72)
AD_THRESHOLD = 4.0
MODERATION = "moderation"
MODERATION_STEPS = ("Warn", "Mute", "Remove", "Delete")
#: What an ad carries, for the SQL's first look (lower-cased text); see the module doc.
AD_CARRIERS = ("http", "://", "www.", "t.me/", "微信", "vx", "qq", "加v", "兼职", "日赚", "代购",
               "扫码", "二维码", "名片", "刷单")  # fmt: skip
AD_KINDS = ("link", "image", "file")
READERS = 3  # parallel reads on PostgreSQL


def _times(data: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Aggregated times come back as text from SQLite (no declared type): parse them as UTC."""
    fixes = [
        pl.col(c).str.to_datetime(time_zone="UTC", time_unit="us")
        for c in columns
        if data.schema.get(c) == pl.String
    ]
    return data.with_columns(fixes) if fixes else data


def _like_any(column: str, words: tuple[str, ...]) -> str:
    """Text holding any of ``words``, ASCII case ignored.

    SQLite's LIKE ignores ASCII case; on PostgreSQL one case-blind regular
    expression reads each text once, where a chain of ILIKEs read it once per word.
    """
    if connection.vendor == "postgresql":
        pattern = "|".join(re.escape(w.lower()) for w in words).replace("'", "''")
        return f"({column} ~* '{pattern}')"
    quoted = (w.replace("'", "''").replace("%", "").replace("_", "") for w in words)
    return "(" + " OR ".join(f"{column} LIKE '%{w.lower()}%'" for w in quoted) + ")"


def _accounts(raw: pl.DataFrame) -> pl.DataFrame:
    schema = {"account_id": pl.Int64, "person_id": pl.Int64, "is_bot": pl.Boolean}
    return conform(raw, schema)


def _stays(raw: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Stays with their persons and inviters' persons (joined here: cheaper than in SQL)."""
    if raw.is_empty():
        return f.frame(f.STAYS)
    inviters = accounts.select(
        pl.col("account_id").alias("inviter_id"), pl.col("person_id").alias("inviter_person_id")
    )
    stays = (
        _times(raw, "joined_at", "first_seen_at", "left_at")
        .join(accounts, on="account_id")
        .join(inviters, on="inviter_id", how="left")
        .with_columns(pl.coalesce("joined_at", "first_seen_at").alias("joined_at"))
    )
    return conform(stays, f.STAYS)


def _activity(raw: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    if raw.is_empty():
        return f.frame(f.ACTIVITY)
    joined = _times(raw, "last_at").join(accounts, on="account_id")
    summed = joined.group_by("group_id", "person_id").agg(
        pl.col("messages").sum(), pl.col("last_at").max()
    )
    return conform(summed, f.ACTIVITY)


def candidates_sql(community_id: int, words: tuple[str, ...], kinds: tuple[str, ...]) -> str:
    """Messages of the community's members whose kind is in ``kinds`` or text holds a word."""
    kind_list = ", ".join(f"'{k}'" for k in kinds) or "''"
    false = "0" if connection.vendor == "sqlite" else "FALSE"
    return (
        "SELECT m.group_id, a.person_id, m.at, m.kind, m.text FROM chat_message m "
        "JOIN community_account a ON a.id = m.sender_id "
        f"WHERE a.community_id = {int(community_id)} AND a.is_bot = {false} "
        f"AND (m.kind IN ({kind_list}) OR {_like_any('m.text', words)})"
    )


def shape_candidates(raw: pl.DataFrame) -> pl.DataFrame:
    return conform(raw, {**f.EVENTS, "kind": pl.String, "text": pl.String})


def _queries(community_id: int, words: tuple[str, ...]) -> dict[str, str]:
    """The reads of ``read_growth``; built here, where the connection's vendor is known."""
    c = int(community_id)
    return {
        "accounts": "SELECT id AS account_id, person_id, is_bot FROM community_account "
        f"WHERE community_id = {c}",
        # The stays by the (group, …) index; an index-only scan of (group, sender, at) for
        # the messages, which is why a system line with a sender counts as speaking.
        "stays": "SELECT m.id AS stay_id, m.group_id, m.account_id, m.inviter_id, m.join_how, "
        "m.campaign, m.joined_at, m.first_seen_at, m.left_at, m.left_how "
        "FROM community_membership m JOIN community_group g ON g.id = m.group_id "
        f"WHERE g.community_id = {c}",
        "activity": "SELECT m.group_id, m.sender_id AS account_id, COUNT(*) AS messages, "
        "MAX(m.at) AS last_at FROM chat_message m JOIN community_group g ON g.id = m.group_id "
        f"WHERE g.community_id = {c} AND m.sender_id IS NOT NULL "
        "GROUP BY m.group_id, m.sender_id",
        "candidates": candidates_sql(c, words, AD_KINDS),
        "orders": "SELECT person_id, COALESCE(paid_at, ordered_at) AS paid_at "
        f"FROM community_order WHERE community_id = {c} AND status = 'paid'",
        "persons": "SELECT id AS person_id, number, display_name AS name FROM community_person "
        f"WHERE community_id = {c}",
    }


def read_all(queries: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Every query's frame; at once on PostgreSQL (connectorx releases the GIL).

    SQLite's reads go one at a time through its helper process whatever the threads.
    """
    if connection.vendor != "postgresql":
        return {name: read(sql) for name, sql in queries.items()}
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return dict(zip(queries, pool.map(read, queries.values()), strict=True))


def read_growth(community_id: int, as_of: datetime | None = None) -> GrowthFrames:
    """The community's growth frames as of ``as_of`` (now by default)."""
    from django.utils import timezone

    from shequn.analytics.growth import recognise

    configs = recognise.checkin_configs(community_id)
    steps, removals = recognise.moderation_steps(community_id)
    raw = read_all(_queries(community_id, recognise.candidate_words(configs)))
    accounts = _accounts(raw["accounts"])
    stays = _stays(raw["stays"], accounts)
    found = shape_candidates(raw["candidates"])  # one scan for check-ins and ads
    return GrowthFrames(
        stays=stays,
        activity=_activity(raw["activity"], accounts),
        checkins=recognise.checkins(found, configs),
        ads=pl.concat([recognise.recognised_ads(found, stays), steps]),
        removals=removals,
        orders=conform(_times(raw["orders"], "paid_at"), f.ORDERS),
        persons=conform(raw["persons"], f.PERSONS),
        as_of=as_of or timezone.now(),
    )
