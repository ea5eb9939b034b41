"""Who answers whom, where the platform records no reply links.

WhatsApp and WeChat text exports, QQ and IRC logs say who spoke when, not which
message a message answers; who-answers-whom metrics (response times,
reciprocity, helpers) need it. :func:`infer_replies` guesses it from what
people do in chat rooms, first rule that applies:

1. **An explicit reply** (``reply_to_id``) always wins.
2. **A bot answers a command**: someone whose messages mostly come within
   ``COMMAND_WINDOW`` messages after another person's ``!command`` is taken for
   a bot, and such a message of theirs answers that command.
3. **Addressing**: ``name: text``, ``name, text``, ``@name``, a platform
   mention, or a known name as the first or the last word, of a person who has
   spoken before. The answer is to their latest message to the speaker or to no
   one among their last ``LOOKBACK``; the one before it instead when that is
   ``BURST_RATIO`` times longer, within ``BURST_WINDOW`` and after the speaker's
   own last message (people answer the question, not the "anyone?" after it).
   When the speaker's own previous message addressed the same person after that
   person last spoke, this one continues it.
4. **Turn-taking**: the latest message addressed to the speaker, when it came
   after the speaker's own last message and within ``TURN_GAP``; else the
   latest message of the speaker's partner (whoever last addressed them or
   whom they last addressed), on the same terms and when it was to the speaker
   or to no one.
5. **Continuation**: the speaker's own previous message, within ``OWN_GAP``, or
   within ``CHAIN_GAP`` when nobody spoke in between; not after a bare
   greeting ("hi all"): what follows a greeting starts a topic.
6. Otherwise **no target**: the message starts a conversation.

A continuation's target is the speaker's own message: consumers counting who
answers whom skip rows whose inferred person is the speaker.

Measured on the hand-annotated #ubuntu reply links of Kummerfeld et al. (2019)
by ``bench/reply_inference.py``; figures in ``tests/analytics/test_replies.py``.
Limits: names match whole words, case-insensitively (a name several persons
share is ignored; inside unspaced CJK text a name is found only as
``name：``/``@name`` or a platform mention); nick typos are missed; what a
message is about is not looked at.

Vectorised (a sort, as-of joins, gathers) and per group: a million messages
take well under two seconds.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

COMMAND_WINDOW = 3
"""A bot's answer comes within this many messages after the command."""
BOT_SHARE = 0.5
"""A bot: at least this share of their messages (and two) answer commands."""
LOOKBACK = 6
"""How many of the addressed person's last messages are searched."""
BURST_WINDOW = timedelta(minutes=3)
BURST_RATIO = 3.0
TURN_GAP = timedelta(minutes=5)
OWN_GAP = timedelta(seconds=90)
CHAIN_GAP = timedelta(minutes=30)

TARGET = "inferred_reply_to_id"
TARGET_PERSON = "inferred_reply_person_id"

_SEPARATORS = "\t\n :,;!?()<>'\"|：，；！？（）、。"
_WORD_END = r"[\s:,;!?()<>'\"|：，；！？（）、。]|$"
_LAST_WORD = r"[^\s:,;!?()<>'\"|：，；！？（）、。]+[\s:,;!?()<>'\"|：，；！？（）、。]*$"
_GREETING = (
    r"(?i)^\W*(hi|hello|hey|hallo|hola|greetings|yo|morning|hiya|howdy|"
    r"good (morning|evening|afternoon|day)|大家好|你好|您好|早上好|早安|晚上好)(\W|$)"
)
_GREETING_CHARS = 30
_NAME_CHARS = 32


def infer_replies(messages: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """``messages`` with ``inferred_reply_to_id`` and ``inferred_reply_person_id``.

    ``messages`` needs id, person_id (null for system lines), at, text,
    reply_to_id and mentioned (list of person ids); group_id, when present,
    keeps groups apart; reply_person_id, when present, names the person of an
    explicit target. ``names``: person_id and name, every display name or nick
    a person is known by (several rows per person are fine). Row order is kept.
    """
    base = _with_explicit_persons(messages.with_row_index("_row"))
    keyed = _name_keys(names)
    groups = base.partition_by("group_id") if "group_id" in base.columns else [base]
    decided = [_decide(_context(work)) for g in groups if (work := _prepare(g, keyed)).height]
    target = pl.Series("_target_id", [None] * base.height, pl.Int64)
    person = pl.Series("_target_person", [None] * base.height, pl.Int64)
    for part in decided:
        target.scatter(part["_row"], part["_target_id"])
        person.scatter(part["_row"], part["_target_person"])
    explicit = pl.col("reply_to_id").is_not_null()
    return base.with_columns(
        pl.when(explicit).then(pl.col("reply_to_id")).otherwise(target).alias(TARGET),
        pl.when(explicit).then(pl.col("_explicit_person")).otherwise(person).alias(TARGET_PERSON),
    ).drop("_row", "_explicit_person")


def _with_explicit_persons(base: pl.DataFrame) -> pl.DataFrame:
    """``_explicit_person``: whom an explicit reply answers (reply_person_id, else its target's)."""
    if "reply_person_id" in base.columns:
        return base.with_columns(pl.col("reply_person_id").alias("_explicit_person"))
    if base["reply_to_id"].null_count() == base.height:
        return base.with_columns(pl.lit(None, pl.Int64).alias("_explicit_person"))
    owners = base.select(
        pl.col("id").alias("reply_to_id"), pl.col("person_id").alias("_explicit_person")
    ).unique("reply_to_id")
    return base.join(owners, on="reply_to_id", how="left", maintain_order="left")


def _clean(name: pl.Expr) -> pl.Expr:
    """A name as it is looked up: lower case, without '@' before or '.' after."""
    return (
        name.str.strip_chars(_SEPARATORS)
        .str.strip_chars_start("@")
        .str.strip_chars_end(".")
        .str.to_lowercase()
    )


def _name_keys(names: pl.DataFrame) -> pl.DataFrame:
    """name -> person_id for names that belong to exactly one person."""
    return (
        names.select("person_id", _clean(pl.col("name").cast(pl.String)).alias("name"))
        .filter(pl.col("name").str.len_chars() > 0)
        .unique()
        .filter(pl.len().over("name") == 1)
    )


def _prepare(group: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """One group's messages by people in time order: position, seconds, length, kind."""
    work = group.filter(pl.col("person_id").is_not_null())
    in_order = work.select(
        ((pl.col("at").diff() > 0) | ((pl.col("at").diff() == 0) & (pl.col("id").diff() > 0)))
        .fill_null(True)
        .all()
    ).item()
    text = pl.col("_text")
    work = (
        (work if in_order else work.sort("at", "id"))
        .with_columns(pl.col("text").fill_null("").alias("_text"))
        .with_row_index("_pos")
        .with_columns(
            pl.col("_pos").cast(pl.Int64),
            (pl.col("at").dt.epoch("ms") / 1000.0).alias("_t"),
            text.str.len_chars().alias("_len"),
            text.str.contains(r"^![A-Za-z]").alias("_cmd"),
            (
                text.str.contains(_GREETING) & (text.str.len_chars() <= _GREETING_CHARS)
            ).alias("_greet"),
        )
    )
    return _addressees(work, keyed)


def _addressees(work: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """``_to``: the person a message addresses, who has spoken before it."""
    text = pl.col("_text").str.strip_chars_start(_SEPARATORS + "@")
    colon = pl.col("_text").str.slice(0, _NAME_CHARS + 1).str.find(r"[:,：，]")
    words = {
        "_c0": pl.col("_text").str.head(colon),
        "_c2": text.str.head(text.str.find(_WORD_END)),
        "_c3": pl.col("_text").str.slice(pl.col("_text").str.find(_LAST_WORD)),
    }
    first = work.group_by("person_id").agg(pl.col("_pos").min().alias("_first"))
    me, mention = pl.col("person_id"), pl.col("mentioned").list

    def person(name: pl.Expr) -> pl.Expr:
        return _clean(name).replace_strict(keyed["name"], keyed["person_id"], default=None)

    candidates = [person(name) for name in words.values()]
    candidates.insert(
        1,
        pl.when(mention.get(0, null_on_oob=True) != me)
        .then(mention.get(0, null_on_oob=True))
        .otherwise(mention.get(1, null_on_oob=True)),
    )
    spoken = [
        pl.when(
            (who != me)
            & (who.replace_strict(first["person_id"], first["_first"], default=None) < pl.col("_pos"))
        ).then(who)
        for who in candidates
    ]
    return work.with_columns(_to=pl.coalesce(pl.col("_explicit_person"), *spoken))
