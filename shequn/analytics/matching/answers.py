"""Proven help in chat: answers the asker thanked or others reacted to, threads others joined.

Pure polars over a messages frame (id, group_id, person_id, at, text, reply_to_id,
reply_person_id, mentioned, reactions). A reply counts as an answer when it
replies to another member's question (``is_question``); it is a *good* answer —
profile evidence — when the asker later replied to it or mentioned its author
with thanks, or when it got a reaction. A thread is a non-reply message that at
least ``THREAD_JOINERS`` other members replied to.
"""

from __future__ import annotations

import polars as pl

from shequn.analytics.matching.questions import is_question

THANKS = (
    r"(?i)谢谢|感谢|多谢|谢啦|谢了|学到了|明白了|懂了|受教|thanks|thank you|\bthx\b|\bty\b|"
    r"cheers|that worked|works now"
)
THREAD_JOINERS = 2


def flag_questions(messages: pl.DataFrame) -> pl.DataFrame:
    """``messages`` with a boolean ``question`` column (each distinct text judged once)."""
    texts = messages["text"].fill_null("").unique()
    judged = pl.DataFrame(
        {"text": texts, "question": [is_question(t) for t in texts]},
        schema={"text": pl.String, "question": pl.Boolean},
    )
    return messages.with_columns(pl.col("text").fill_null("")).join(judged, on="text", how="left")


def answers(messages: pl.DataFrame) -> pl.DataFrame:
    """Replies to another member's question: answer_id, group_id, person_id (answerer),
    asker_id, at, question_text, answer_text, good (thanked or reacted to)."""
    flagged = flag_questions(messages)
    questions = flagged.filter(pl.col("question")).select(
        pl.col("id").alias("reply_to_id"),
        pl.col("person_id").alias("asker_id"),
        pl.col("text").alias("question_text"),
    )
    replies = flagged.filter(pl.col("reply_to_id").is_not_null()).join(questions, on="reply_to_id")
    replies = replies.filter(
        pl.col("person_id").is_not_null() & (pl.col("person_id") != pl.col("asker_id"))
    )
    thanked = _thanked(flagged, replies)
    return replies.select(
        pl.col("id").alias("answer_id"),
        "group_id",
        "person_id",
        "asker_id",
        "at",
        "question_text",
        pl.col("text").alias("answer_text"),
        (pl.col("id").is_in(thanked.implode()) | (pl.col("reactions") > 0)).alias("good"),
    )


def _thanked(flagged: pl.DataFrame, replies: pl.DataFrame) -> pl.Series:
    """Ids of replies the asker thanked: a later thanks replying to them or naming their author."""
    thanks = flagged.filter(pl.col("text").str.contains(THANKS)).select(
        pl.col("person_id").alias("asker_id"),
        pl.col("reply_to_id").alias("thanked_id"),
        pl.col("mentioned"),
        pl.col("at").alias("thanked_at"),
    )
    direct = replies.join(
        thanks.drop_nulls("thanked_id"),
        left_on=["asker_id", "id"],
        right_on=["asker_id", "thanked_id"],
    )["id"]
    named = (
        replies.select("id", "person_id", "asker_id", "at")
        .join(thanks.explode("mentioned"), on="asker_id")
        .filter(
            (pl.col("mentioned") == pl.col("person_id")) & (pl.col("thanked_at") > pl.col("at"))
        )
    )["id"]
    return pl.concat([direct, named]).unique()


def threads(messages: pl.DataFrame) -> pl.DataFrame:
    """Messages that started a thread: id, group_id, person_id, text, joiners."""
    joined = (
        messages.filter(pl.col("reply_to_id").is_not_null() & pl.col("person_id").is_not_null())
        .join(
            messages.select(
                pl.col("id").alias("reply_to_id"), pl.col("person_id").alias("starter")
            ),
            on="reply_to_id",
        )
        .filter(pl.col("person_id") != pl.col("starter"))
        .group_by("reply_to_id")
        .agg(pl.col("person_id").n_unique().alias("joiners"))
        .filter(pl.col("joiners") >= THREAD_JOINERS)
    )
    starters = messages.filter(pl.col("reply_to_id").is_null())
    return starters.join(joined, left_on="id", right_on="reply_to_id").select(
        "id", "group_id", "person_id", "text", "joiners"
    )
