"""Newcomers (PLAYBOOK §3): do they speak, does anyone answer, and who welcomes them?

The seeds ask operators to respond quickly when a newcomer speaks, to let veterans
welcome newcomers, and to run an entry ritual (自我介绍/需要资源/拥有资源). This metric
measures each of those for the people who joined the group in the window.

Definitions:

- newcomer: a human person with a stay in this group whose ``joined_at`` falls in the
  window; someone who joined twice in the window counts once, from the first join;
- first message: their first message at or after that join, in the window (system
  lines are not speech; deleted messages are, they were said);
- answer: the first later message, by another human, that replies to the first
  message explicitly (``reply_to_id``) or by inference (``inferred_reply_to_id``,
  when that column exists), or that mentions the newcomer;
- who answered: ``operator`` (owner/admin/assistant/monitor of this group), else
  ``veteran`` (in the group before the newcomer joined, or join unknown), else
  ``newcomer``; ``nobody`` counts newcomers who spoke and are still waiting;
- introduction: their first message, or any of theirs within a day of joining, that
  looks like the entry-ritual template (see ``INTRODUCTION``).

A newcomer who joined just before the end of the window has had little time to
speak or be answered; the report's window should be read with that in mind.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.base import Result, ratio
from shequn.analytics.metrics.structure import spoken

OPERATOR_ROLES = ("owner", "admin", "assistant", "monitor")
ANSWERERS = ("operator", "veteran", "newcomer")
FIRST_DAY = timedelta(days=1)
# The entry-ritual template, kept deliberately simple: the words 自我介绍, 需要资源 or
# 拥有资源 anywhere; 我是 opening the message (after an optional greeting such as
# 大家好/各位好/hi/hello); or English "I am"/"I'm" followed later by "work" or "from".
INTRODUCTION = (
    r"自我介绍|需要资源|拥有资源"
    r"|^\W*(?:大家好|各位好|(?i:hi|hello))?\W*我是"
    r"|(?i:\bI(?:\s+am|\s*['’]m)\b.*\b(?:work|from))"
)


def _minutes(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds() / 60_000_000


def _joins(frames: Frames) -> pl.DataFrame:
    """person_id, joined_at: humans whose stay in this group began in the window.

    Founders (joined within a day of the group's creation) are not newcomers: nobody
    was there before them to answer, and counting them would drown the real arrivals.
    """
    since, until = frames.window.since, frames.window.until
    created = frames.groups.filter(pl.col("group_id") == frames.group_id)["created_at"]
    if created.len() and created[0] is not None:
        since = max(since, created[0] + timedelta(days=1))
    return (
        frames.group_members.filter(
            ~pl.col("is_bot").fill_null(False)
            & (pl.col("joined_at") >= since)
            & (pl.col("joined_at") < until)
        )
        .group_by("person_id")
        .agg(pl.col("joined_at").min())
    )


def _first_messages(joins: pl.DataFrame, said: pl.DataFrame) -> pl.DataFrame:
    """person_id, joined_at, first_message_id, first_message_at: each newcomer's first word."""
    return (
        said.join(joins, on="person_id", how="inner")
        .filter(pl.col("at") >= pl.col("joined_at"))
        .group_by("person_id")
        .agg(
            pl.col("joined_at").first(),
            pl.col("id").sort_by("at", "id").first().alias("first_message_id"),
            pl.col("at").min().alias("first_message_at"),
        )
    )


def _candidate_answers(firsts: pl.DataFrame, said: pl.DataFrame) -> pl.DataFrame:
    """Every later message that turns to a newcomer's first message: person_id, id, at, by."""
    first = firsts.select("person_id", "first_message_id", "first_message_at", "joined_at")
    answer = said.select("id", "at", pl.col("person_id").alias("by"), *_reply_columns(said))
    by_reply = [
        answer.join(first, left_on=c, right_on="first_message_id", how="inner")
        .with_columns(first_message_id=pl.col(c))
        .select("person_id", "joined_at", "first_message_id", "first_message_at", "id", "at", "by")
        for c in _reply_columns(said)
    ]
    by_mention = (
        said.filter(pl.col("mentioned").list.len() > 0)
        .select("id", "at", pl.col("person_id").alias("by"), pl.col("mentioned").alias("person_id"))
        .explode("person_id")
        .join(first, on="person_id", how="inner")
        .select("person_id", "joined_at", "first_message_id", "first_message_at", "id", "at", "by")
    )
    later = (pl.col("at") > pl.col("first_message_at")) | (
        (pl.col("at") == pl.col("first_message_at")) & (pl.col("id") > pl.col("first_message_id"))
    )
    return pl.concat([*by_reply, by_mention]).filter(later & (pl.col("by") != pl.col("person_id")))


def _reply_columns(said: pl.DataFrame) -> list[str]:
    return [c for c in ("reply_to_id", "inferred_reply_to_id") if c in said.columns]


def _answers(frames: Frames, firsts: pl.DataFrame, said: pl.DataFrame) -> pl.DataFrame:
    """person_id, answer_at, minutes_to_reply, replied_by: the first answer to each newcomer."""
    stays = frames.group_members.group_by("person_id").agg(
        pl.coalesce("joined_at", "first_seen_at").min().alias("by_start"),
        pl.col("role").is_in(OPERATOR_ROLES).any().alias("by_operator"),
    )
    return (
        _candidate_answers(firsts, said)
        .group_by("person_id")
        .agg(pl.all().sort_by("at", "id").first())
        .join(stays, left_on="by", right_on="person_id", how="left")
        .with_columns(
            minutes_to_reply=_minutes("at", "first_message_at"),
            replied_by=pl.when(pl.col("by_operator").fill_null(False))
            .then(pl.lit("operator"))
            .when(pl.col("by_start").is_null() | (pl.col("by_start") < pl.col("joined_at")))
            .then(pl.lit("veteran"))
            .otherwise(pl.lit("newcomer")),
        )
        .select("person_id", "minutes_to_reply", "replied_by")
    )


def _introductions(firsts: pl.DataFrame, said: pl.DataFrame) -> pl.DataFrame:
    """person_id, id: each newcomer's first message that looks like a self-introduction."""
    early = (pl.col("at") < pl.col("joined_at") + FIRST_DAY) | (
        pl.col("id") == pl.col("first_message_id")
    )
    return (
        said.select("id", "at", "person_id", "text")
        .join(firsts, on="person_id", how="inner")
        .filter((pl.col("at") >= pl.col("joined_at")) & early)
        .filter(pl.col("text").str.contains(INTRODUCTION))
        .group_by("person_id")
        .agg(pl.col("id").sort_by("at", "id").first())
    )


def _waiting(frames: Frames, firsts: pl.DataFrame, answers: pl.DataFrame) -> list[dict[str, Any]]:
    """Newcomers who spoke and got no answer, the one waiting longest first."""
    names = frames.persons.select("person_id", "name").unique("person_id")
    rows = (
        firsts.join(answers, on="person_id", how="anti")
        .join(names, on="person_id", how="left")
        .sort("first_message_at", "person_id")
        .select("person_id", "name", "joined_at", "first_message_id", "first_message_at")
        .to_dicts()
    )
    for row in rows:
        row["joined_at"] = row["joined_at"].isoformat()
        row["first_message_at"] = row["first_message_at"].isoformat()
    return rows


def newcomers(frames: Frames) -> Result:
    """Newcomers in the window: who spoke, how fast, who answered them, who introduced themself."""
    joins = _joins(frames)
    said = spoken(frames)
    firsts = _first_messages(joins, said)
    answers = _answers(frames, firsts, said)
    intros = _introductions(firsts, said)
    waiting = _waiting(frames, firsts, answers)
    by = answers["replied_by"]
    replied_by = {k: int((by == k).sum()) for k in ANSWERERS} | {"nobody": len(waiting)}
    silent = joins.join(firsts, on="person_id", how="anti")["person_id"].sort()
    return Result(
        "newcomers",
        value={
            "newcomers": joins.height,
            "spoke": firsts.height,
            "never_spoke_share": ratio(silent.len(), joins.height),
            "median_minutes_to_first_message": firsts.select(
                _minutes("first_message_at", "joined_at").median()
            ).item(),
            "replied": answers.height,
            "median_minutes_to_reply": answers["minutes_to_reply"].median(),
            "replied_by": replied_by,
            "introduced": intros.height,
            "introduced_share": ratio(intros.height, firsts.height),
        },
        evidence={
            "waiting": waiting,
            "silent": silent.to_list(),
            "introductions": intros["id"].sort().to_list(),
        },
    )
