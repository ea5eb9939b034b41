"""The daily digest (每日精华) of a group: what was talked about, what was kept, who gave it.

A pure function of frames (``digest_load`` reads them Arrow-native) for one day
of the community's calendar (``day_window``: local midnight to midnight, so a
message at 23:30 Beijing time belongs to that day even though it is 15:30 UTC):

- **threads**: a message answers another (an explicit reply, else the one
  ``analytics.replies`` infers); following answers back to a message that answers
  nothing gives each message its thread. Threads are ranked by *replies* (answers
  by someone other than the author of the message answered; a speaker going on is
  not a reply), then by *participants* (who spoke in it, and whom it answered), then
  by who started first. A thread that
  answers a message of an earlier day ``continues`` it.
- **keywords**: ``digest_keywords`` (jieba, stop words, IDF); members' names are left
  out (they are credited below, not topics).
- **essence**: the messages of the day marked as essence, and earlier ones marked today.
- **credited members**, by name: 3 points for each essence message of theirs, 2 for
  each thread they opened that drew replies, 1 for each reply they gave in a ranked
  thread. Bots, system lines and deleted messages count for nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from shequn.analytics.digest_keywords import keywords
from shequn.analytics.frames import Frames, Window
from shequn.analytics.replies import TARGET, TARGET_PERSON

EXCERPT = 200  # characters of a message shown in a digest
MAX_JUMPS = 32  # pointer jumping halves a chain each round: 2**32 messages deep is enough
POINTS = {"essence": 3, "threads": 2, "replies": 1}
COMMAND = r"^\s*[/／]\S{1,32}(?:\s+\S.{0,20})?\s*$"  # a bot command, with a short note at most


def day_window(day: date, zone: str) -> Window:
    """The community's calendar day ``day`` in ``zone`` as a UTC window.

    Midnight to midnight on the local wall clock: 23 or 25 hours on a day the clocks change.
    """
    tz = ZoneInfo(zone)
    since = datetime.combine(day, time(0), tzinfo=tz)
    until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Window(since, until)


@dataclass(frozen=True)
class Line:
    """A message as the digest quotes it."""

    id: int
    at: datetime
    person_id: int | None
    name: str
    text: str


@dataclass(frozen=True)
class Thread:
    """One thread of the day: its opening (the first of it on this day) and its figures."""

    opening: Line
    replies: int
    participants: int
    messages: int
    names: tuple[str, ...]
    continues: bool = False


@dataclass(frozen=True)
class Keyword:
    word: str
    messages: int
    speakers: int
    score: float


@dataclass(frozen=True)
class EssenceLine:
    """A message kept as essence; ``line`` is None when the message is not stored."""

    message_id: str
    how: str
    marked_at: datetime
    marked_by: str
    line: Line | None


@dataclass(frozen=True)
class Credit:
    """A member credited by name, with what earned it."""

    person_id: int
    name: str
    points: int
    essence: int = 0
    threads: int = 0
    replies: int = 0


@dataclass
class Digest:
    group_id: int
    group_name: str
    day: date
    zone: str
    messages: int
    speakers: int
    threads: list[Thread] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    essence: list[EssenceLine] = field(default_factory=list)
    credited: list[Credit] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: dates and times as ISO strings."""
        return _plain(asdict(self))  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def spoken(frames: Frames) -> pl.DataFrame:
    """The day's messages by people, with names.

    Left out: bots, system lines, deleted messages, and commands to a bot (``/精华``,
    ``/checkin`` …: a word after a slash, alone), which are not conversation.
    """
    bots = frames.group_members.filter(pl.col("is_bot")).select("account_id").unique()
    names = frames.persons.select("person_id", "name")
    command = pl.col("text").fill_null("").str.contains(COMMAND)
    return (
        frames.messages.filter(pl.col("person_id").is_not_null() & ~pl.col("deleted") & ~command)
        .join(bots, on="account_id", how="anti")
        .join(names, on="person_id", how="left")
        .with_columns(pl.col("name").fill_null(""), pl.col("text").fill_null(""))
    )


def roots(messages: pl.DataFrame) -> pl.DataFrame:
    """``messages`` with ``root``: the message its chain of answers starts from.

    The parent is the answered message (``inferred_reply_to_id``); a parent outside
    the frame (an earlier day) is the root itself. Pointer jumping: each round every
    message takes its parent's parent, so long chains take a few rounds, not many.
    """
    parent = pl.col(TARGET)
    work = messages.with_columns(pl.coalesce(parent, pl.col("id")).alias("root"))
    ids = work["id"]
    for _ in range(MAX_JUMPS):
        up = work["root"].replace_strict(ids, work["root"], default=work["root"])
        if up.equals(work["root"]):
            break
        work = work.with_columns(up.alias("root"))
    return work


def _line(row: dict[str, Any]) -> Line:
    text = str(row.get("text") or "")
    short = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
    return Line(int(row["id"]), row["at"], row.get("person_id"), str(row.get("name") or ""), short)


def _figures(work: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Per root: replies, participants, messages, names, first message; the best ``limit``."""
    participants = pl.col("person_id").append(pl.col(TARGET_PERSON)).drop_nulls().n_unique()
    figures = (
        work.sort("at", "id")
        .group_by("root", maintain_order=True)
        .agg(
            pl.col("is_reply").sum().alias("replies"),
            participants.alias("participants"),
            pl.len().alias("messages"),
            pl.col("name").unique(maintain_order=True).alias("names"),
            pl.first("id").alias("first_id"),
            pl.first("at").alias("first_at"),
        )
        .filter(pl.col("replies") > 0)
        .sort(["replies", "participants", "first_at"], descending=[True, True, False])
        .head(limit)
    )
    return figures.with_columns((~pl.col("root").is_in(work["id"].implode())).alias("continues"))


def rank_threads(messages: pl.DataFrame, limit: int) -> tuple[list[Thread], pl.DataFrame]:
    """The best ``limit`` threads with at least one reply, and the messages of those threads.

    A reply is an answer to someone else's message (a speaker going on is not one).
    """
    work = roots(messages).with_columns(
        (pl.col(TARGET).is_not_null() & (pl.col(TARGET_PERSON) != pl.col("person_id")))
        .fill_null(False)
        .alias("is_reply")
    )
    figures = _figures(work, limit)
    chosen = work.filter(pl.col("id").is_in(figures["first_id"].implode()))
    openings = {row["id"]: row for row in chosen.iter_rows(named=True)}
    threads = [
        Thread(
            opening=_line(openings[row["first_id"]]),
            replies=int(row["replies"]),
            participants=int(row["participants"]),
            messages=int(row["messages"]),
            names=tuple(n for n in row["names"] if n),
            continues=bool(row["continues"]),
        )
        for row in figures.iter_rows(named=True)
    ]
    return threads, work.join(figures.select("root"), on="root", how="semi")


def essence_lines(essence: pl.DataFrame, names: dict[int, str]) -> list[EssenceLine]:
    """The essence frame (``digest_load.read_essence``) as lines, oldest message first."""
    out: list[EssenceLine] = []
    for row in essence.sort("at", "marked_at", nulls_last=True).iter_rows(named=True):
        person = row.get("person_id")
        line = None
        if row.get("id") is not None:
            named = {**row, "name": names.get(person, "") if person is not None else ""}
            line = _line(named)
        marker = row.get("marked_by_person")
        by = names.get(marker, "") if marker is not None else str(row.get("marked_by_user") or "")
        how, marked_at = str(row["how"]), row["marked_at"]
        out.append(EssenceLine(str(row["message_external_id"]), how, marked_at, by, line))
    return out


def credit(
    essence: list[EssenceLine], threads: list[Thread], ranked: pl.DataFrame, names: dict[int, str]
) -> list[Credit]:
    """Members credited by name, most points first (see the module docstring)."""
    tally: dict[int, dict[str, int]] = {}

    def add(person: int | None, what: str) -> None:
        if person is not None and person in names:
            tally.setdefault(person, {"essence": 0, "threads": 0, "replies": 0})[what] += 1

    for item in essence:
        add(item.line.person_id if item.line else None, "essence")
    for thread in threads:
        add(thread.opening.person_id, "threads")
    for person in ranked.filter(pl.col("is_reply"))["person_id"]:
        add(person, "replies")
    credits = [
        Credit(person, names[person], sum(POINTS[k] * v for k, v in got.items()), **got)
        for person, got in tally.items()
    ]
    return sorted(credits, key=lambda c: (-c.points, -c.essence, c.name, c.person_id))


def build_digest(
    frames: Frames, essence: pl.DataFrame, day: date, threads: int = 5, top: int = 10
) -> Digest:
    """The digest of ``day`` from ``frames`` (with inferred replies) and the essence frame."""
    messages = spoken(frames)
    names = {
        int(p): str(n or "") for p, n in frames.persons.select("person_id", "name").iter_rows()
    }
    ranked_threads, ranked = rank_threads(messages, threads)
    kept = essence_lines(essence, names)
    group = frames.groups.filter(pl.col("group_id") == frames.group_id)
    return Digest(
        group_id=frames.group_id,
        group_name=str(group["name"][0]) if group.height else "",
        day=day,
        zone=frames.zone,
        messages=messages.height,
        speakers=messages["person_id"].n_unique(),
        threads=ranked_threads,
        keywords=[
            Keyword(**k) for k in keywords(messages, top, set(names.values())).iter_rows(named=True)
        ],
        essence=kept,
        credited=credit(kept, ranked_threads, ranked, names)[:top],
    )
