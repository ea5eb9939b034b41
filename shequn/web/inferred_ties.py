"""Ties inferred from chat for the profile: who turns to whom, read by analytics.

Nothing is re-derived here: a group's messages are loaded as analytics frames,
replies are inferred as in the health report (``with_inferred_replies``), each
reply or mention comes from ``structure.interactions``, and a pair counts as an
interaction tie exactly as the exit test decides (``exit_test._interaction_pairs``:
both ways, on at least two distinct days). This module only sums those rows per
pair and picks the person's.

That costs a pass over the group's whole history, so each group's pair table is
kept in Django's cache. Invalidation: the key holds the group's id, the id of its
latest message, its membership row count and the sum of the community's
accounts' person ids. A new message, a join or leave, and a merge or its undo
(accounts moving between persons) each give a new key; stale entries are never
read again and expire after ``TIMEOUT``. The profile loads this list lazily
(htmx), so the first computation never holds up the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Sum
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.models import Account, Group, Membership, Person

log = logging.getLogger(__name__)

TIMEOUT = 6 * 60 * 60  # seconds
KEY_PREFIX = "shequn:inferred-ties:v1"
LIMIT = 20


@dataclass(frozen=True)
class InferredTie:
    """Another member the person exchanged replies or mentions with."""

    other: Person
    to_them: int  # replies and mentions from the person to the other
    from_them: int  # … from the other to the person
    last_at: datetime
    tie: bool  # an interaction tie as the exit test counts it, in some group
    groups: list[str]


def _cache_key(group: Group) -> str | None:
    latest = Message.objects.filter(group=group).aggregate(last=Max("id"))["last"]
    if latest is None:
        return None
    stays = Membership.objects.filter(group=group).aggregate(n=Count("id"))["n"]
    owners = Account.objects.filter(community_id=group.community_id).aggregate(s=Sum("person_id"))
    return f"{KEY_PREFIX}:{group.pk}:{latest}:{stays}:{owners['s']}"


def _checkpoint() -> None:
    """Let analytics' reader see this process's latest writes on SQLite.

    connectorx reads the SQLite file without the rows still in the write-ahead log
    of a connection that stays open (ours), so a new message would be missed until
    SQLite checkpoints on its own; a passive checkpoint moves them into the file.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def compute_pairs(group: Group) -> pl.DataFrame:
    """actor, target, n, last_at, tie: the group's who-turned-to-whom over its whole history."""
    from shequn.analytics.frames import Window, load
    from shequn.analytics.metrics.exit_test import _interaction_pairs
    from shequn.analytics.metrics.structure import interactions
    from shequn.analytics.report.build import with_inferred_replies

    first = Message.objects.filter(group=group).order_by("at").values_list("at", flat=True)
    now = timezone.now()
    _checkpoint()
    frames = with_inferred_replies(load(group.pk, Window(first.first() or now, now)))
    edges = interactions(frames)
    people = frames.persons.select("person_id")
    ties = _interaction_pairs(frames, people).select("a", "b", tie=pl.lit(True))
    return (
        edges.group_by("actor", "target")
        .agg(n=pl.len(), last_at=pl.col("at").max())
        .with_columns(
            a=pl.min_horizontal("actor", "target"), b=pl.max_horizontal("actor", "target")
        )
        .join(ties, on=["a", "b"], how="left")
        .with_columns(pl.col("tie").fill_null(False))
        .drop("a", "b")
    )


def group_pairs(group: Group) -> pl.DataFrame | None:
    """The group's pair table from the cache, computed on a miss; None without messages."""
    key = _cache_key(group)
    if key is None:
        return None
    found = cache.get(key)
    if isinstance(found, pl.DataFrame):
        return found
    pairs = compute_pairs(group)
    cache.set(key, pairs, TIMEOUT)
    return pairs


def _person_rows(person: Person) -> list[tuple[str, pl.DataFrame]]:
    """(group name, the person's rows of that group's pairs) for each group they were in."""
    groups = Group.objects.filter(memberships__account__person=person).distinct().order_by("name")
    found = []
    for group in groups:
        pairs = group_pairs(group)
        if pairs is None:
            continue
        mine = pairs.filter((pl.col("actor") == person.pk) | (pl.col("target") == person.pk))
        if mine.height:
            found.append((group.name, mine))
    return found


def inferred_ties(person: Person, limit: int = LIMIT) -> list[InferredTie]:
    """The people the person exchanged most replies and mentions with, most first."""
    rows = _person_rows(person)
    if not rows:
        return []
    table = pl.concat(
        [frame.with_columns(group=pl.lit(name)) for name, frame in rows], how="vertical_relaxed"
    )
    outgoing = pl.col("actor") == person.pk
    summary = (
        table.with_columns(other=pl.when(outgoing).then("target").otherwise("actor"))
        .group_by("other")
        .agg(
            to_them=pl.col("n").filter(outgoing).sum(),
            from_them=pl.col("n").filter(~outgoing).sum(),
            last_at=pl.col("last_at").max(),
            tie=pl.col("tie").any(),
            groups=pl.col("group").unique().sort(),
        )
        .with_columns(total=pl.col("to_them") + pl.col("from_them"))
        .sort(["total", "other"], descending=[True, False])
        .head(limit)
    )
    others = Person.objects.in_bulk(summary["other"].to_list())
    return [
        InferredTie(
            other=others[row["other"]],
            to_them=int(row["to_them"]),
            from_them=int(row["from_them"]),
            last_at=row["last_at"],
            tie=bool(row["tie"]),
            groups=list(row["groups"]),
        )
        for row in summary.iter_rows(named=True)
        if row["other"] in others
    ]


def safe_inferred_ties(person: Person) -> list[InferredTie] | None:
    """``inferred_ties``, or None when analytics fails (the profile says so, not a 500)."""
    try:
        return inferred_ties(person)
    except Exception:
        log.exception("inferred ties of person %s failed", person.pk)
        return None
