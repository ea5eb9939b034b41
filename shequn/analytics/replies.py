"""Who answers whom where the platform records no reply links (WhatsApp, WeChat text, QQ, IRC).

:func:`infer_replies` guesses the message each message answers from what people
do in chat rooms; the first rule that applies wins:

1. **An explicit reply** (``reply_to_id``, or a ``reply_to`` not loaded).
2. **A bot answers a command**: someone whose messages mostly come within
   ``COMMAND_WINDOW`` messages after another person's ``!command`` is a bot,
   and such a message of theirs answers that command.
3. **Addressing** (``name: text``, ``name, text``, ``@name``, a platform
   mention, a known name as the first or last word) of a person who has spoken:
   their latest message to the speaker or to no one among their last
   ``LOOKBACK`` (the one before it when ``BURST_RATIO`` times longer, within
   ``BURST_WINDOW`` and after the speaker's own last message: people answer
   the question, not the "anyone?" after it); or the speaker's own previous
   message when that addressed the same person after they last spoke.
4. **Turn-taking**: the latest message to the speaker, when after the
   speaker's own last one and within ``TURN_GAP``; else, on the same terms and
   when it was to the speaker or to no one, the latest message of the speaker's
   partner (whoever last addressed them or whom they last addressed).
5. **Continuation**: the speaker's own previous message, within ``OWN_GAP``,
   or ``CHAIN_GAP`` when nobody spoke in between; not after a bare greeting.
6. Otherwise **no target**: the message starts a conversation.

A continuation's inferred person is the speaker: who-answers-whom counts skip
those rows. Measured on the hand-annotated #ubuntu links (Kummerfeld et al.
2019) by ``bench/reply_inference.py``; figures in the tests' docstring.
Limits: names match whole words, case-insensitively (a name several persons
share is ignored; one like a common word, "ok", is addressed by "ok, ...";
in unspaced CJK text a name counts only before a separator); typos in names
are missed; content is not looked at. Vectorised (as-of joins and gathers,
per group): a million messages take about a second.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

COMMAND_WINDOW = 2  # messages
BOT_SHARE = 0.5  # of a bot's messages (and at least two) answer commands
LOOKBACK = 3  # of the addressed person's last messages
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
    several = "group_id" in base.columns and base["group_id"].n_unique() > 1
    groups = base.partition_by("group_id") if several else [base]
    decided = [_decide(_context(work)) for g in groups if (work := _prepare(g, keyed)).height]
    target = pl.repeat(None, base.height, dtype=pl.Int64, eager=True)
    person = pl.repeat(None, base.height, dtype=pl.Int64, eager=True)
    for part in decided:
        target.scatter(part["_row"], part["_target_id"])
        person.scatter(part["_row"], part["_target_person"])
    explicit = pl.col("reply_to_id").is_not_null()
    if "reply_to" in base.columns:  # a reply to a message outside the frame: no guessing
        explicit = explicit | pl.col("reply_to").is_not_null()
    return base.with_columns(
        pl.when(explicit).then("reply_to_id").otherwise(target).alias(TARGET),
        pl.when(explicit).then("_explicit_person").otherwise(person).alias(TARGET_PERSON),
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
    """A name as it is looked up: lower case, without separators, '@' before or '.' after."""
    lower = name.str.to_lowercase().str.strip_chars(_SEPARATORS)
    return lower.str.strip_prefix("@").str.strip_chars_end(".")


def _name_keys(names: pl.DataFrame) -> pl.DataFrame:
    """name -> person_id for names that belong to exactly one person."""
    return (
        names.select(pl.col("person_id").cast(pl.Int64), _clean(pl.col("name").cast(pl.String)))
        .filter(pl.col("name").str.len_chars() > 0)
        .unique()
        .filter(pl.len().over("name") == 1)
    )


def _prepare(group: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """One group's messages by people in time order: position, seconds, length, kind."""
    work = group.filter(pl.col("person_id").is_not_null())
    if not work["at"].is_sorted():
        work = work.sort("at", "id", maintain_order=True)
    text = pl.col("_text")
    needed = ["_row", "id", "person_id", "at", "mentioned", "_explicit_person"]
    work = (
        work.select(*needed, pl.col("text").fill_null("").alias("_text"))
        .with_row_index("_pos")
        .with_columns(
            pl.col("_pos").cast(pl.Int64),
            (pl.col("at").dt.epoch("ms") / 1000.0).alias("_t"),
            text.str.len_chars().alias("_len"),
            text.str.contains(r"^![A-Za-z]").alias("_cmd"),
            _greet=text.str.contains(_GREETING) & (text.str.len_chars() <= _GREETING_CHARS),
        )
    )
    return _addressees(work, keyed)


def _name_words(keyed: pl.DataFrame) -> dict[str, pl.Expr]:
    """Where a name may stand: the first word, the last word, all before a ':' or ','."""
    head, tail = pl.col("_head"), pl.col("_tail")

    def cut(text: pl.Expr, pattern: str, keep_after: bool) -> pl.Expr:
        """Before or from the first match (str.find counts bytes, so cut bytes)."""
        raw, at = text.cast(pl.Binary).bin, text.str.find(pattern)
        return (raw.slice(at) if keep_after else raw.head(at)).cast(pl.String)

    words = {
        "_c2": cut(head, _WORD_END, False).str.strip_chars_end("."),
        "_c3": cut(tail, _LAST_WORD, True)
        .str.strip_chars_end(_SEPARATORS + ".")
        .str.strip_prefix("@"),
    }
    if keyed["name"].str.contains(" ", literal=True).any():  # only names with spaces need it
        before = cut(head, r"[:,：，]", False)
        words["_c0"] = pl.when(before.str.len_chars() <= _NAME_CHARS).then(
            before.str.strip_chars_end()
        )
    return words


def _addressees(work: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """``_to``: the person a message addresses, who has spoken before it."""
    text = pl.col("_text")
    work = work.with_columns(  # names are short: the ends of a message are enough
        _head=text.str.strip_chars_start(_SEPARATORS + "@").str.head(_NAME_CHARS * 2),
        _tail=text.str.tail(_NAME_CHARS * 2),
    ).with_columns(pl.col("_head", "_tail").str.to_lowercase())
    words = _name_words(keyed)
    first = work.group_by("person_id").agg(pl.col("_pos").min().alias("_first"))
    me, mention = pl.col("person_id"), pl.col("mentioned").cast(pl.List(pl.Int64)).list
    found = {
        key: name.replace_strict(
            keyed["name"], keyed["person_id"], default=None, return_dtype=pl.Int64
        )
        for key, name in words.items()
    }
    found["_c1"] = (
        pl.when(mention.get(0, null_on_oob=True) != me)
        .then(mention.get(0, null_on_oob=True))
        .otherwise(mention.get(1, null_on_oob=True))
    )
    work = work.with_columns(**found)
    spoken = [
        pl.when(
            (pl.col(key) != me)
            & (
                pl.col(key).replace_strict(first["person_id"], first["_first"], default=None)
                < pl.col("_pos")
            )
        ).then(pl.col(key))
        for key in ("_c0", "_c1", "_c2", "_c3")
        if key in found
    ]
    explicit = pl.when(pl.col("_explicit_person") != me).then(pl.col("_explicit_person"))
    return work.with_columns(_to=pl.coalesce(explicit, *spoken))


def _asof(work: pl.DataFrame, right: pl.DataFrame, left: str, key: str) -> pl.DataFrame:
    """Each row with the latest ``right`` row before it whose ``key`` equals its ``left``."""
    return work.join_asof(
        right,
        on="_pos",
        by_left=left,
        by_right=key,
        allow_exact_matches=False,
        check_sortedness=False,
    )


def _at(column: str, position: str) -> pl.Expr:
    """``column`` of the message at position ``position`` (a position is a row number)."""
    return pl.col(column).gather(pl.col(position))


def _unset_or_before(position: str, other: str) -> pl.Expr:
    """True when there is no ``position`` or it comes before ``other``."""
    return pl.col(position).is_null() | (pl.col(position) < pl.col(other))


def _context(work: pl.DataFrame) -> pl.DataFrame:
    """Positions a message may answer: own previous, to the speaker, partner's, command."""
    keys = work.select("_pos", "person_id", "_to")
    addressed = keys.filter(pl.col("_to").is_not_null())
    to_me = addressed.select("_pos", _key="_to", _tome="_pos", _tome_from="person_id")
    mine = addressed.select("_pos", "person_id", _ia="_pos", _ia_to="_to")
    keys = _asof(keys, keys.select("_pos", "person_id", _own="_pos"), "person_id", "person_id")
    keys = _asof(_asof(keys, to_me, "person_id", "_key"), mine, "person_id", "person_id")
    partner = (
        pl.when(pl.col("_tome").is_not_null() & _unset_or_before("_ia", "_tome"))
        .then("_tome_from")
        .otherwise("_ia_to")
    )
    keys = keys.with_columns(_who=pl.coalesce("_to", partner))
    latest = keys.select("_pos", _key="person_id", _wl="_pos")
    keys = _asof(keys, latest, "_who", "_key")
    command = pl.when("_cmd").then("_pos").forward_fill().shift(1)
    commander = pl.when("_cmd").then("person_id").forward_fill().shift(1)
    work = work.hstack(keys.select("_own", "_tome", "_wl")).with_columns(
        pl.col("_pos").shift(1).alias("_prev"),
        command.alias("_command"),
        commander.alias("_commander"),
    )
    return _addressed_target(_bots(work))


def _bots(work: pl.DataFrame) -> pl.DataFrame:
    """``_answers_command``: a bot's message soon after someone else's command."""
    after = (
        (pl.col("_pos") - pl.col("_command") <= COMMAND_WINDOW)
        & (pl.col("_commander") != pl.col("person_id"))
    ).fill_null(False)
    work = work.with_columns(after.alias("_after"))
    bots = (
        work.group_by("person_id")
        .agg(pl.col("_after").sum().alias("_k"), pl.len().alias("_all"))
        .filter((pl.col("_k") >= 2) & (pl.col("_k") >= BOT_SHARE * pl.col("_all")))
    )
    bot = pl.col("person_id").is_in(bots["person_id"].implode())
    return work.with_columns((pl.col("_after") & bot).alias("_answers_command"))


def _addressed_target(work: pl.DataFrame) -> pl.DataFrame:
    """``_addr``: which message of the addressed person a message answers."""
    me, x = pl.col("person_id"), pl.col("_x")
    none = pl.lit(None, pl.Int64)
    work = work.with_columns(
        _x=pl.when(pl.col("_to").is_not_null()).then("_wl"), _e1=none, _e2=none
    )
    for _ in range(LOOKBACK):  # back through their messages: the first two to me or no one
        ok = x.is_not_null() & (_at("_to", "_x").is_null() | (_at("_to", "_x") == me))
        first, second = pl.col("_e1"), pl.col("_e2")
        work = work.with_columns(
            _e1=pl.when(ok & first.is_null()).then(x).otherwise(first),
            _e2=pl.when(ok & first.is_not_null() & second.is_null()).then(x).otherwise(second),
            _x=_at("_own", "_x"),
        )
    work = work.with_columns(pl.coalesce("_e1", "_wl").alias("_e1"))
    earlier = (
        _unset_or_before("_own", "_e2")
        & (pl.col("_t") - _at("_t", "_e2") <= BURST_WINDOW.total_seconds())
        & (_at("_len", "_e2") > BURST_RATIO * _at("_len", "_e1"))
    )
    continues = (pl.col("_own") > pl.col("_wl")) & (_at("_to", "_own") == pl.col("_to"))
    return work.with_columns(
        pl.when(continues.fill_null(False))
        .then("_own")
        .when(earlier.fill_null(False))
        .then("_e2")
        .otherwise("_e1")
        .alias("_addr")
    )


def _decide(work: pl.DataFrame) -> pl.DataFrame:
    """The answered message of each message, by the rules in the module docstring."""
    t, own, me = pl.col("_t"), pl.col("_own"), pl.col("person_id")
    since_own = t - _at("_t", "_own")
    recent = {
        k: _unset_or_before("_own", k) & (t - _at("_t", k) <= TURN_GAP.total_seconds())
        for k in ("_tome", "_wl")
    }
    to_me = _at("_to", "_wl").is_null() | (_at("_to", "_wl") == me)
    chain = (pl.col("_prev") == own) & (since_own <= CHAIN_GAP.total_seconds())
    goes_on = (chain | (since_own <= OWN_GAP.total_seconds())) & ~_at("_greet", "_own")
    target = (
        pl.when(pl.col("_answers_command"))
        .then("_command")
        .when(pl.col("_to").is_not_null())
        .then("_addr")
        .when((pl.col("_tome").is_not_null() & recent["_tome"]).fill_null(False))
        .then("_tome")
        .when((pl.col("_wl").is_not_null() & to_me & recent["_wl"]).fill_null(False))
        .then("_wl")
        .when((own.is_not_null() & goes_on).fill_null(False))
        .then("_own")
    )
    answered = work.with_columns(target.alias("_target"))
    return answered.select(
        "_row", _target_id=_at("id", "_target"), _target_person=_at("person_id", "_target")
    )
