"""The store as polars frames, read Arrow-native (connectorx), never row by row.

Metrics are pure functions of these frames, so they are tested on small frames
built by hand and run unchanged on a million messages. Every time is UTC.

Frames and their columns:

- ``messages``: id, group_id, account_id, person_id, at, kind, text,
  reply_to (platform id), reply_to_id (our id, when the target is stored, even
  outside the window), reply_person_id, mentioned (list of person ids), deleted (bool)
- ``members`` (every stay in every group of the community): group_id, account_id,
  person_id, joined_at, left_at, left_how, join_how, inviter_person_id, role,
  first_seen_at, nickname, is_bot
- ``persons``: person_id, number, name, tier, city, industry, tags (list of str)
- ``links``: person_a, person_b, dimension, source, first_seen
- ``groups``: group_id, name, kind, platform, created_at
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from django.db import connection

from shequn.analytics.sqlite_reader import read_sqlite

UTC_US = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Window:
    """A half-open span of time [since, until) in UTC."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        # Frames hold UTC; a window given in another zone is the same instants in UTC.
        object.__setattr__(self, "since", self.since.astimezone(UTC))
        object.__setattr__(self, "until", self.until.astimezone(UTC))

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds() / 86400, 0.0)


@dataclass(frozen=True)
class Frames:
    """One group's messages in a window, with the community around it."""

    group_id: int
    window: Window
    messages: pl.DataFrame
    members: pl.DataFrame
    persons: pl.DataFrame
    links: pl.DataFrame
    groups: pl.DataFrame
    zone: str = "UTC"  # the community's time zone: days and hours are counted in it

    @property
    def group_members(self) -> pl.DataFrame:
        """Stays in this group only."""
        return self.members.filter(pl.col("group_id") == self.group_id)


def database_uri() -> str:
    """A connectorx URI for the database Django is using (test databases included)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite://{settings['NAME']}"
    if connection.vendor == "postgresql":
        user = settings.get("USER") or ""
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host = settings.get("HOST") or "localhost"
        port = settings.get("PORT") or "5432"
        return f"postgresql://{user}{password}@{host}:{port}/{settings['NAME']}"
    raise RuntimeError(f"analytics cannot read {connection.vendor}")


def read(sql: str, partition_on: str | None = None) -> pl.DataFrame:
    """Run one query through connectorx; SQLite times come back naive UTC and are tagged.

    ``partition_on`` (a numeric column of the result) splits a large read over two
    connections on PostgreSQL, one per core; SQLite reads one file, so it is ignored.
    On SQLite the read runs in a helper process (see ``sqlite_reader`` for why).
    """
    if connection.vendor == "sqlite":
        frame = read_sqlite(sql, database_uri())
    elif partition_on:
        frame = pl.read_database_uri(
            sql, database_uri(), engine="connectorx", partition_on=partition_on, partition_num=2
        )
    else:
        frame = pl.read_database_uri(sql, database_uri(), engine="connectorx")
    fixes = [
        (
            pl.col(name).dt.replace_time_zone("UTC")
            if dtype.time_zone is None
            else pl.col(name).dt.convert_time_zone("UTC")
        ).cast(UTC_US)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    return frame.with_columns(fixes) if fixes else frame


def _stamp(value: datetime) -> str:
    """A literal both engines compare correctly with stored times."""
    naive = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return f"'{naive}'" if connection.vendor == "sqlite" else f"'{naive}+00'"


def load(group_id: int, window: Window) -> Frames:
    """Everything the metrics need about one group in ``window``."""
    owner = read(
        "SELECT g.community_id, c.time_zone FROM community_group g "
        f"JOIN community_community c ON c.id = g.community_id WHERE g.id = {int(group_id)}"
    )
    community_id, zone = int(owner[0, 0]), str(owner[0, 1])
    members = read_members(community_id)
    messages = read_messages(group_id, window, members)
    return Frames(
        group_id=group_id,
        window=window,
        messages=messages,
        members=members,
        persons=read_persons(community_id),
        links=read(
            "SELECT person_a_id AS person_a, person_b_id AS person_b, dimension, source, "
            f"first_seen FROM community_link WHERE community_id = {community_id}"
        ),
        groups=read(
            "SELECT id AS group_id, name, kind, platform, created_at FROM community_group "
            f"WHERE community_id = {community_id}"
        ),
        zone=zone,
    )


def read_members(community_id: int) -> pl.DataFrame:
    return read(
        "SELECT m.group_id, m.account_id, a.person_id, m.joined_at, m.left_at, m.left_how, "
        "m.join_how, i.person_id AS inviter_person_id, m.role, m.first_seen_at, m.nickname, "
        "a.is_bot FROM community_membership m "
        "JOIN community_account a ON a.id = m.account_id "
        "LEFT JOIN community_account i ON i.id = m.inviter_id "
        f"WHERE a.community_id = {int(community_id)}"
    ).with_columns(pl.col("is_bot").cast(pl.Boolean))


def read_persons(community_id: int) -> pl.DataFrame:
    persons = read(
        "SELECT id AS person_id, number, display_name AS name, tier, city, industry "
        f"FROM community_person WHERE community_id = {int(community_id)}"
    )
    tags = read(
        "SELECT pt.person_id, t.name AS tag FROM community_person_tags pt "
        f"JOIN community_tag t ON t.id = pt.tag_id WHERE t.community_id = {int(community_id)}"
    )
    grouped = tags.group_by("person_id").agg(pl.col("tag").alias("tags"))
    return persons.join(grouped, on="person_id", how="left").with_columns(
        pl.col("tags").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def read_messages(group_id: int, window: Window, members: pl.DataFrame) -> pl.DataFrame:
    # Replies are resolved here, through the (group, external_id) index, so that a
    # million platform ids never have to be loaded; targets outside the window count too.
    raw = read(
        "SELECT m.id, m.group_id, m.sender_id AS account_id, a.person_id, m.at, m.kind, "
        "m.text, m.reply_to, r.id AS reply_to_id, ra.person_id AS reply_person_id, "
        "m.mentions, m.deleted_at "
        "FROM chat_message m LEFT JOIN community_account a ON a.id = m.sender_id "
        "LEFT JOIN chat_message r ON r.group_id = m.group_id AND r.external_id = m.reply_to "
        "LEFT JOIN community_account ra ON ra.id = r.sender_id "
        f"WHERE m.group_id = {int(group_id)} AND m.at >= {_stamp(window.since)} "
        f"AND m.at < {_stamp(window.until)}",
        partition_on="id",
    )
    return shape_messages(raw, members)


def shape_messages(raw: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Mentions to persons, deletion as a flag, time order; shared with the test builders."""
    account_person = members.select("account_id", "person_id").unique("account_id")
    mentioned = (
        raw.filter(pl.col("mentions").is_not_null())
        .select("id", pl.col("mentions").str.json_decode(pl.List(pl.Int64)).alias("acc"))
        .explode("acc")
        .drop_nulls("acc")
        .join(account_person, left_on="acc", right_on="account_id", how="inner")
        .group_by("id")
        .agg(pl.col("person_id").unique().alias("mentioned"))
    )
    return (
        raw.join(mentioned, on="id", how="left")
        .with_columns(
            pl.col("mentioned").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
            pl.col("deleted_at").is_not_null().alias("deleted"),
        )
        .drop("mentions", "deleted_at")
        .sort("at", "id")
    )
