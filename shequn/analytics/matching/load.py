"""Profiles of a community read from the store, Arrow-native (see ``analytics.frames``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import polars as pl
from django.db import connection

from shequn.analytics.frames import read, read_members, read_persons
from shequn.analytics.matching.build import build_profiles
from shequn.analytics.matching.profiles import Profiles
from shequn.analytics.replies import infer_replies

HISTORY = timedelta(days=365)  # answers older than this say little about today's members


def load_profiles(
    community_id: int, opted_out: Collection[int] = (), since: datetime | None = None
) -> Profiles:
    """Profiles of every member of ``community_id`` from the archive and the last year of chat.

    ``opted_out``: person ids never to suggest (the caller reads the opt-out
    records). Who answers whom comes from reply links, inferred where the
    platform has none (``analytics.replies``).
    """
    cid = int(community_id)
    members = read_members(cid)
    persons = read_persons(cid).join(
        read(
            "SELECT id AS person_id, intro, needs, offers FROM community_person "
            f"WHERE community_id = {cid}"
        ),
        on="person_id",
        how="left",
    )
    groups = read(f"SELECT id AS group_id, name FROM community_group WHERE community_id = {cid}")
    links = read(
        "SELECT person_a_id AS person_a, person_b_id AS person_b, dimension "
        f"FROM community_link WHERE community_id = {cid}"
    )
    start = since or datetime.now(UTC) - HISTORY
    messages = _messages(cid, start, members, persons)
    return build_profiles(persons, members, messages, links, groups, opted_out)


def _messages(
    community_id: int, since: datetime, members: pl.DataFrame, persons: pl.DataFrame
) -> pl.DataFrame:
    raw = read(
        "SELECT m.id, m.group_id, m.external_id, a.person_id, m.at, m.text, "
        "r.id AS reply_to_id, ra.person_id AS reply_person_id, m.mentions "
        "FROM chat_message m JOIN community_group g ON g.id = m.group_id "
        "LEFT JOIN community_account a ON a.id = m.sender_id "
        "LEFT JOIN chat_message r ON r.group_id = m.group_id AND r.external_id = m.reply_to "
        "LEFT JOIN community_account ra ON ra.id = r.sender_id "
        f"WHERE g.community_id = {community_id} AND m.at >= {_literal(since)} "
        "AND m.deleted_at IS NULL AND m.kind = 'text'",
        partition_on="id",
    )
    reactions = read(
        "SELECT x.group_id, x.message_external_id AS external_id, COUNT(*) AS reactions "
        "FROM chat_reaction x JOIN community_group g ON g.id = x.group_id "
        f"WHERE g.community_id = {community_id} GROUP BY x.group_id, x.message_external_id"
    ).cast({"group_id": pl.Int64, "external_id": pl.String, "reactions": pl.Int64})
    raw = (
        raw.with_columns(pl.col("group_id").cast(pl.Int64))
        .join(reactions, on=["group_id", "external_id"], how="left")
        .with_columns(pl.col("reactions").fill_null(0).cast(pl.Int64))
        .drop("external_id")
    )
    account_person = members.select("account_id", "person_id").unique("account_id")
    mentioned = (
        raw.filter(pl.col("mentions").is_not_null())
        .select("id", pl.col("mentions").str.json_decode(pl.List(pl.Int64)).alias("acc"))
        .explode("acc")
        .join(account_person, left_on="acc", right_on="account_id")
        .group_by("id")
        .agg(pl.col("person_id").unique().alias("mentioned"))
    )
    shaped = (
        raw.join(mentioned, on="id", how="left")
        .with_columns(
            pl.col("mentioned").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
        )
        .drop("mentions")
        .sort("at", "id")
    )
    names = pl.concat(
        [
            persons.select("person_id", "name"),
            members.select("person_id", pl.col("nickname").alias("name")),
        ]
    ).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    inferred = infer_replies(shaped, names.unique())
    return inferred.with_columns(
        pl.coalesce("reply_to_id", "inferred_reply_to_id").alias("reply_to_id")
    )


def _literal(value: datetime) -> str:
    """A UTC time literal both engines compare correctly with stored times."""
    naive = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return f"'{naive}'" if connection.vendor == "sqlite" else f"'{naive}+00'"
