"""People and structure (PLAYBOOK §2): tiers against 5/20/75, the soul figure, tag coverage.

The seeds' healthy group has a soul figure it gathers around, about 5% big names
(大咖), 20% mid (中咖) and 75% ordinary members (普通人), and varied tags so that
someone can answer any question. Operators set tiers in the member archive; where
they have not, the tier is suggested from influence in chat.

Influence is read from who answers whom:

- replies received: explicit replies (``reply_person_id``) plus inferred ones
  (``inferred_reply_person_id``, when the messages frame carries that column);
- mentions received: messages whose ``mentioned`` list holds the person;
- reach: distinct people who replied to or mentioned them.

``score = replies_received + mentions_received + 2 * reach``: every distinct person
who turns to someone weighs as much as two more messages from the same people, so
ten people asking once outrank one friend asking ten times.

Suggested tiers go by rank of score among the members: the top 5% (rounded half
up) big, the next 20% mid, the rest ordinary; a member with score 0 is ordinary
whatever their rank.

Soul figure: the member with the highest score, if their reach is at least 25% of
the active speakers of the window and their score at least 1.5 times the
runner-up's. The lead is judged on score, not reach: over months of a small group
almost everyone has touched almost everyone, so reach saturates while the share of
attention still shows who the group gathers around. Otherwise there is none, and
that absence is itself a finding. A tie at the top therefore means no soul figure.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.base import Result, human_messages, members_at, ratio

TIERS = ("big", "mid", "ordinary")
TARGET = {"big": 0.05, "mid": 0.20, "ordinary": 0.75}
SOUL_MIN_SHARE = 0.25  # of the active speakers
SOUL_MIN_LEAD = 1.5  # times the runner-up's score
EVIDENCE_TOP = 30
RANKING = ["score", "reach", "person_id"]  # descending, descending, ascending
INTERACTION_SCHEMA = {
    "id": pl.Int64,
    "at": pl.Datetime("us", "UTC"),
    "actor": pl.Int64,
    "target": pl.Int64,
    "how": pl.String,
}


def spoken(frames: Frames) -> pl.DataFrame:
    """Messages people said: by humans (no bots, no system lines), deleted ones included."""
    return human_messages(frames).filter(pl.col("kind").fill_null("") != "system")


def interactions(frames: Frames) -> pl.DataFrame:
    """One row per (message, person it turns to): id, at, actor, target, how (reply|mention).

    A message that replies to someone explicitly and by inference counts once; a
    person never replies to or mentions themself.
    """
    said = spoken(frames)
    columns = ["reply_person_id"]
    if "inferred_reply_person_id" in said.columns:
        columns.append("inferred_reply_person_id")
    replies = [
        said.select("id", "at", pl.col("person_id").alias("actor"), pl.col(c).alias("target"))
        for c in columns
    ]
    mentions = (
        said.filter(pl.col("mentioned").list.len() > 0)
        .select("id", "at", pl.col("person_id").alias("actor"), pl.col("mentioned").alias("target"))
        .explode("target")
    )
    return (
        pl.concat(
            [
                pl.concat(replies).with_columns(how=pl.lit("reply")),
                mentions.with_columns(how=pl.lit("mention")),
            ]
        )
        .cast(INTERACTION_SCHEMA)  # type: ignore[arg-type]
        .filter(pl.col("target").is_not_null() & (pl.col("target") != pl.col("actor")))
        .unique(["id", "target", "how"])
    )


def influence(frames: Frames, people: pl.DataFrame) -> pl.DataFrame:
    """Per member: replies_received, mentions_received, reach and score (0 when nobody)."""
    received = (
        interactions(frames)
        .join(people, left_on="target", right_on="person_id", how="semi")
        .group_by("target")
        .agg(
            replies_received=(pl.col("how") == "reply").sum(),
            mentions_received=(pl.col("how") == "mention").sum(),
            reach=pl.col("actor").n_unique(),
        )
        .rename({"target": "person_id"})
    )
    counts = ["replies_received", "mentions_received", "reach"]
    return (
        people.join(received, on="person_id", how="left")
        .with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
        .with_columns(
            score=pl.col("replies_received") + pl.col("mentions_received") + 2 * pl.col("reach")
        )
    )


def suggest_tiers(scores: pl.DataFrame) -> pl.DataFrame:
    """Add ``suggested`` (big/mid/ordinary) by rank of score: top 5%, next 20%, rest."""
    n = scores.height
    big_n, mid_n = int(n * 0.05 + 0.5), int(n * 0.25 + 0.5)
    rank = pl.int_range(pl.len())
    return scores.sort(RANKING, descending=[True, True, False]).with_columns(
        suggested=pl.when(pl.col("score") <= 0)
        .then(pl.lit("ordinary"))
        .when(rank < big_n)
        .then(pl.lit("big"))
        .when(rank < mid_n)
        .then(pl.lit("mid"))
        .otherwise(pl.lit("ordinary"))
    )


def _with_archive(table: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Join name, archive tier (null unless big/mid/ordinary) and tags onto the members."""
    archive = persons.select(
        "person_id",
        "name",
        pl.when(pl.col("tier").is_in(TIERS)).then(pl.col("tier")).alias("archive_tier"),
        pl.col("tags").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    ).unique("person_id")
    return table.join(archive, on="person_id", how="left").with_columns(
        tier=pl.coalesce("archive_tier", "suggested"),
        tags=pl.col("tags").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def _soul(table: pl.DataFrame, speakers: int) -> dict[str, Any] | None:
    """The soul figure's evidence, or None when nobody clearly leads."""
    ranked = table.sort(["score", "reach", "person_id"], descending=[True, True, False])
    if ranked.height == 0 or speakers == 0:
        return None
    top = ranked.row(0, named=True)
    runner_up = int(ranked["score"][1]) if ranked.height > 1 else 0
    score, reach = int(top["score"]), int(top["reach"])
    if score == 0 or reach < SOUL_MIN_SHARE * speakers or score < SOUL_MIN_LEAD * runner_up:
        return None
    keys = ("person_id", "name", "replies_received", "mentions_received", "reach")
    return {**{k: top[k] for k in keys}, "share": reach / speakers}


def _source(table: pl.DataFrame) -> str:
    """archive (every member has an archive tier), suggested (none has), else mixed."""
    set_ = int(table["archive_tier"].is_not_null().sum())
    if table.height and set_ == table.height:
        return "archive"
    return "mixed" if set_ else "suggested"


def structure(frames: Frames) -> Result:
    """Tier mix against 5/20/75, the soul figure, and how varied the members' tags are."""
    people = members_at(frames, frames.window.until).select("person_id").unique()
    table = _with_archive(suggest_tiers(influence(frames, people)), frames.persons)
    n = table.height
    tiers = {t: int((table["tier"] == t).sum()) for t in TIERS}
    speakers = spoken(frames)["person_id"].n_unique()
    soul = _soul(table, speakers)
    tags = table["tags"].explode().drop_nulls()
    top = table.filter(pl.col("score") > 0).sort(RANKING, descending=[True, True, False])
    keys = ["person_id", "name", "suggested", "score", "replies_received"]
    suggested = top.head(EVIDENCE_TOP).select(*keys, "mentions_received", "reach")
    return Result(
        "structure",
        value={
            "members": n,
            "tiers": tiers,
            "tier_share": {t: ratio(c, n) for t, c in tiers.items()},
            "source": _source(table),
            "target": dict(TARGET),
            "soul_figure": soul["person_id"] if soul else None,
            "soul_share": soul["share"] if soul else None,
            "tag_coverage": ratio(int((table["tags"].list.len() > 0).sum()), n),
            "distinct_tags": tags.filter(tags.str.strip_chars() != "").n_unique(),
        },
        evidence={"suggested": suggested.rename({"suggested": "tier"}).to_dicts(), "soul": soul},
    )
