"""Content quality: ads, red-packet bursts (诈尸 then 躺尸) and idle chatter (水群).

Simple, documented signals rather than a classifier:

- **Ad**: a newcomer's contact message, i.e. a message with a URL, a mainland mobile
  number (1[3-9] and nine digits), a WeChat/QQ id (vx/wx/微信/QQ… then an id), or of
  kind ``link``, sent within 7 days after the sender joined this group; or any text of
  at least 15 characters the same person posted 3 times or more (the frames hold one
  group, so "the same text in two groups" cannot be seen here). Two guards keep the
  signals from flagging the group's own life: operators (owner, admin, assistant,
  monitor) are never advertisers, since their links and repeated posts are columns and
  notices; and a repeated text that other members also wrote is a shared phrase
  (greetings, 收到, memes), not someone's ad copy.
- **Red-packet burst**: a ``red_packet`` message followed by at least 5 messages within
  10 minutes; each burst reports the daily rate in the 7 days before and the 2 days after
  its day, which shows whether the packet woke the group only for the thank-yous.
- **Idle chatter**: a sticker, or a text message under 5 characters, or one made only
  of laughter (哈/呵/嘿…, hh, 233, 666), emoji, [表情] codes, punctuation and stock
  replies (好的, 收到, 谢谢, 赞, 老板). Images, files and links are content, not
  chatter, whatever their text.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.activity import (
    COUNT,
    iso,
    local_day,
    rounded,
    utc,
    window_days,
    window_messages,
)
from shequn.analytics.metrics.base import Result, ratio

NEWCOMER_DAYS = 7
OPERATORS = ["owner", "admin", "assistant", "monitor"]
# No \b or \d: Unicode word boundaries make the regex engine ~40× slower.
URL = r"https?://|www\.|[a-z0-9-]+\.(?:com|cn|net|org|top|xyz|cc|vip|io|me)(?:[^a-z0-9]|$)"
PHONE = r"(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$)"
CONTACT = r"(?:vx|wx|v信|微信|weixin|qq|扣扣)\s*号?\s*[:：]?\s*[a-z0-9][a-z0-9_-]{4,19}"
CONTACT_TEXT = f"(?i){URL}|{PHONE}|{CONTACT}"
REPEAT_CHARS, REPEAT_TIMES = 15, 3
BURST_MINUTES, BURST_MESSAGES = 10, 5
BEFORE_DAYS, AFTER_DAYS = 7, 2
SHORT = 5
IDLE_TEXT = (
    r"^(?:[\s\p{P}\p{S}\p{Extended_Pictographic}\x{200D}\x{FE0F}]|\[[^\[\]]{1,8}\]"
    r"|[哈呵嘿嘻嘎哇哦噢嗯啊呀哟啦嗷]|好的|收到|谢谢|多谢|感谢|赞|顶|老板"
    r"|(?i:h|lol|ok)|666+|233+|888+)+$"
)


def newcomer_contacts(frames: Frames, messages: pl.DataFrame) -> pl.DataFrame:
    """``id``, ``person_id`` of contact-bearing messages sent within 7 days of joining."""
    newcomer = timedelta(days=NEWCOMER_DAYS)
    joins = (
        frames.group_members.filter(pl.col("joined_at").is_not_null())
        .select("person_id", pl.col("joined_at").alias("joined"))
        .filter(pl.col("joined") >= utc(frames.window.since - newcomer))
        .unique()
    )
    early = (pl.col("at") >= pl.col("joined")) & (pl.col("at") < pl.col("joined") + newcomer)
    contact = (pl.col("kind") == "link") | pl.col("text").fill_null("").str.contains(CONTACT_TEXT)
    return (
        messages.select("id", "person_id", "at", "kind", "text")
        .join(joins, on="person_id", how="inner")
        .filter(early)
        .filter(contact)
        .select("id", "person_id")
    )


def repeated_texts(messages: pl.DataFrame) -> pl.DataFrame:
    """``id``, ``person_id`` of every copy of a long text one person posted 3+ times.

    Texts are compared exactly as posted, through a 64-bit hash; a text someone else
    also wrote is left out (a shared phrase, not ad copy).
    """
    long = messages.filter(pl.col("text").str.len_bytes() >= REPEAT_CHARS).filter(
        pl.col("text").str.len_chars() >= REPEAT_CHARS
    )
    keyed = long.select("id", "person_id", pl.col("text").hash().alias("key"))
    repeated = keyed.filter(pl.len().over("person_id", "key") >= REPEAT_TIMES)
    shared = (
        keyed.join(repeated.select("key").unique(), on="key", how="semi")
        .group_by("key")
        .agg(pl.col("person_id").n_unique().alias("people"))
        .filter(pl.col("people") > 1)
    )
    return repeated.join(shared, on="key", how="anti").select("id", "person_id")


def ads(frames: Frames, messages: pl.DataFrame) -> tuple[list[int], list[int]]:
    """Ids of messages with an ad signal, and of the people who sent them, ascending."""
    operators = frames.group_members.filter(pl.col("role").is_in(OPERATORS)).select("person_id")
    candidates = messages.join(operators.unique(), on="person_id", how="anti")
    found = pl.concat([newcomer_contacts(frames, candidates), repeated_texts(candidates)])
    return found["id"].unique().sort().to_list(), found["person_id"].unique().sort().to_list()


def bursts(frames: Frames, messages: pl.DataFrame) -> list[dict[str, Any]]:
    """Red packets followed by 5+ messages within 10 minutes, with the rates around them."""
    times = messages["at"].sort()
    packets = messages.filter(pl.col("kind") == "red_packet").sort("at", "id")
    window = timedelta(minutes=BURST_MINUTES)
    start = times.search_sorted(packets["at"], side="right")
    end = times.search_sorted(packets["at"] + window, side="right")
    found = (
        packets.select("id", "at", local_day(frames).alias("day"))
        .with_columns((end - start).cast(COUNT).alias("thanks"))
        .filter(pl.col("thanks") >= BURST_MESSAGES)
    )
    counts = dict.fromkeys(window_days(frames), 0)  # quiet days in the window count as 0
    counts.update(messages.group_by("day").len().iter_rows())
    return [
        {
            "message_id": row["id"],
            "at": iso(row["at"]),
            "thanks": row["thanks"],
            "before_per_day": around(counts, row["day"], -BEFORE_DAYS),
            "after_per_day": around(counts, row["day"], AFTER_DAYS),
        }
        for row in found.iter_rows(named=True)
    ]


def around(counts: dict[date, int], day: date, span: int) -> float | None:
    """Mean daily messages over ``span`` days before (negative) or after ``day``.

    Only days inside the window count; None when none of them is.
    """
    step = 1 if span > 0 else -1
    seen = [
        counts[d]
        for n in range(1, abs(span) + 1)
        if (d := day + timedelta(days=n * step)) in counts
    ]
    return rounded(sum(seen) / len(seen), 2) if seen else None


def idle(messages: pl.DataFrame) -> int:
    """How many messages are idle chatter (see the module docstring)."""
    text = pl.col("text").fill_null("")
    chatter = (pl.col("kind") == "sticker") | (
        (pl.col("kind") == "text") & ((text.str.len_chars() < SHORT) | text.str.contains(IDLE_TEXT))
    )
    return int(messages.select(chatter.sum()).item())


def quality(frames: Frames) -> Result:
    """Ads, red packets and their bursts, and the share of idle chatter."""
    messages = window_messages(frames)
    flagged, advertisers = ads(frames, messages)
    found = bursts(frames, messages)
    value = {
        "messages": messages.height,
        "ads": len(flagged),
        "ad_share": rounded(ratio(len(flagged), messages.height)),
        "advertisers": len(advertisers),
        "red_packets": messages.filter(pl.col("kind") == "red_packet").height,
        "bursts": len(found),
        "idle_share": rounded(ratio(idle(messages), messages.height)),
    }
    evidence = {"ads": flagged, "advertisers": advertisers, "bursts": found}
    return Result("quality", value=value, evidence=evidence)
