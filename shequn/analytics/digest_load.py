"""Reading what a digest needs, Arrow-native (connectorx → polars), never row by row.

``digest_for(group_id, day)`` is the whole path: the group's day in its
community's time zone, its messages with inferred replies, the essence marks,
then the pure ``build_digest``. ``essence_counts`` and ``contributions`` give the
tier suggestion what each member was credited with over any span.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl

from shequn.analytics.digest import (
    POINTS,
    Digest,
    build_digest,
    day_window,
    rank_threads,
    spoken,
)
from shequn.analytics.frames import (
    UTC_US,
    Frames,
    Window,
    _stamp,
    read,
    read_members,
    read_messages,
    read_persons,
)
from shequn.analytics.report.build import with_inferred_replies

if TYPE_CHECKING:
    from shequn.community.models import Community

ESSENCE_SCHEMA: dict[str, pl.DataType] = {
    "message_external_id": pl.String(),
    "how": pl.String(),
    "marked_at": UTC_US,
    "marked_by_person": pl.Int64(),
    "marked_by_user": pl.String(),
    "id": pl.Int64(),
    "at": UTC_US,
    "text": pl.String(),
    "person_id": pl.Int64(),
}


class DigestError(ValueError):
    """The digest cannot be made as asked (no such group)."""


def group_zone(group_id: int) -> tuple[int, str, str]:
    """(community id, time zone, group name) of a group; DigestError when there is none."""
    found = read(
        "SELECT g.community_id, c.time_zone, g.name FROM community_group g "
        f"JOIN community_community c ON c.id = g.community_id WHERE g.id = {int(group_id)}"
    )
    if found.is_empty():
        raise DigestError(f"no group with id {group_id}")
    return int(found[0, 0]), str(found[0, 1]), str(found[0, 2])


def load_window(group_id: int, window: Window, owner: tuple[int, str] | None = None) -> Frames:
    """One group's messages in ``window`` with inferred replies, its members and persons.

    ``owner``: the group's (community id, time zone) when the caller has read them.
    """
    community_id, zone = owner or group_zone(group_id)[:2]
    members = read_members(community_id)
    frames = Frames(
        group_id=group_id,
        window=window,
        messages=read_messages(group_id, window, members),
        members=members,
        persons=read_persons(community_id),
        links=pl.DataFrame(),
        groups=read(
            "SELECT id AS group_id, name, kind, platform FROM community_group "
            f"WHERE id = {int(group_id)}"
        ),
        zone=zone,
    )
    return with_inferred_replies(frames)


def read_essence(group_id: int, window: Window) -> pl.DataFrame:
    """Essence of the group whose message is in ``window`` or which was marked in it."""
    since, until = _stamp(window.since), _stamp(window.until)
    raw = read(
        "SELECT e.message_external_id, e.how, e.marked_at, mb.person_id AS marked_by_person, "
        "u.username AS marked_by_user, m.id, m.at, m.text, a.person_id "
        "FROM playbook_essence e "
        "LEFT JOIN chat_message m ON m.group_id = e.group_id "
        "AND m.external_id = e.message_external_id "
        "LEFT JOIN community_account a ON a.id = m.sender_id "
        "LEFT JOIN community_account mb ON mb.id = e.marked_by_id "
        "LEFT JOIN auth_user u ON u.id = e.marked_by_user_id "
        f"WHERE e.group_id = {int(group_id)} AND m.deleted_at IS NULL "
        f"AND ((m.at >= {since} AND m.at < {until}) "
        f"OR (e.marked_at >= {since} AND e.marked_at < {until}))"
    )
    if raw.is_empty():
        return pl.DataFrame(schema=ESSENCE_SCHEMA)
    return raw.select([pl.col(k).cast(v) for k, v in ESSENCE_SCHEMA.items()])


def digest_for(group_id: int, day: date, threads: int = 5, top: int = 10) -> Digest:
    """The digest of one group for one day of its community's calendar."""
    community_id, zone, _name = group_zone(group_id)
    window = day_window(day, zone)
    frames = load_window(group_id, window, (community_id, zone))
    return build_digest(frames, read_essence(group_id, window), day, threads=threads, top=top)


def _id_of(community: Community | int) -> int:
    return int(community) if isinstance(community, int) else int(community.pk)


def essence_counts(community: Community | int) -> dict[int, int]:
    """Person id → how many of their messages are essence, in every group of the community.

    For the tier suggestion: curated messages are the clearest sign of who gives
    the group its value. Deleted messages do not count.
    """
    counted = read(
        "SELECT a.person_id, COUNT(*) AS n FROM playbook_essence e "
        "JOIN community_group g ON g.id = e.group_id "
        "JOIN chat_message m ON m.group_id = e.group_id AND m.external_id = e.message_external_id "
        "JOIN community_account a ON a.id = m.sender_id "
        f"WHERE g.community_id = {_id_of(community)} AND m.deleted_at IS NULL "
        "GROUP BY a.person_id"
    )
    return {int(p): int(n) for p, n in counted.iter_rows()}


def contributions(community: Community | int, since: datetime, until: datetime) -> pl.DataFrame:
    """Per person over [since, until): essence, threads opened that drew replies, replies given.

    Columns person_id, essence, threads, replies, points (the digest's weights). The
    essence column counts marks of messages in the span; threads and replies come from
    each group's messages with inferred replies, as in the digest.
    """
    window = Window(since, until)
    groups = read(f"SELECT id FROM community_group WHERE community_id = {_id_of(community)}")
    parts: list[pl.DataFrame] = []
    for group_id in groups["id"]:
        _threads, ranked = rank_threads(spoken(load_window(int(group_id), window)), 1_000_000)
        essence = read_essence(int(group_id), window).filter(
            pl.col("at").is_not_null()
            & (pl.col("at") >= window.since)
            & (pl.col("at") < window.until)
        )
        parts.append(_tally(ranked, essence))
    schema: dict[str, pl.DataType] = {
        k: pl.Int64() for k in ("person_id", "essence", "threads", "replies", "points")
    }
    if not parts:
        return pl.DataFrame(schema=schema)
    total = pl.concat(parts).group_by("person_id").agg(pl.all().sum())
    points = pl.sum_horizontal([pl.col(k) * v for k, v in POINTS.items()])
    return (
        total.with_columns(points.alias("points"))
        .select([pl.col(name).cast(pl.Int64) for name in schema])
        .sort("points", "person_id", descending=[True, False])
    )


def _tally(ranked: pl.DataFrame, essence: pl.DataFrame) -> pl.DataFrame:
    """One group's counts per person (essence, threads, replies) as Int64 columns."""
    opened = ranked.filter(pl.col("id") == pl.col("root")).group_by("person_id").len("threads")
    replied = ranked.filter(pl.col("is_reply")).group_by("person_id").len("replies")
    kept = essence.drop_nulls("person_id").group_by("person_id").len("essence")
    people = pl.concat([f.select("person_id") for f in (opened, replied, kept)]).unique()
    out = people.join(kept, on="person_id", how="left").join(opened, on="person_id", how="left")
    out = out.join(replied, on="person_id", how="left")
    return out.select(
        pl.col("person_id").cast(pl.Int64),
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ("essence", "threads", "replies")],
    )
