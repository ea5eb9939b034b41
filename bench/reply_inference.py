"""Reply inference (shequn.analytics.replies) against hand-annotated #ubuntu reply links.

Data: Kummerfeld et al. (2019), ``/work/shared/data/real/irc-ubuntu/{train,dev}``:
``*.raw.txt`` IRC logs and ``*.annotation.txt`` lines ``a b -`` meaning line b
(0-based, every line counted, system lines too) answers line a; ``b b`` marks b
as starting a conversation. Links are given from line 1000 on.

The messages frame is built from the raw lines directly, so line numbers stay
exact: one row per ``[HH:MM] <nick> text`` line, id = line number, one person
per nick (case-insensitive), mentioned = the importer's ``nick:``/``nick,``
mention; system lines (joins, parts, ``=== nick acts``) are not messages.

Scores, per gold link whose b is a message line:

* strict: links a -> b with a != b and a a message line; correct when b's
  inferred target is a (a message with two parents can get one of them).
* with self-links: the same, plus every self-link b b, correct when b gets no
  target (the message starts a conversation).

The baseline is "mention or previous message": a message that starts with a
known nick's ``nick:``/``nick,`` answers that nick's latest message, any other
answers the message before it.

Run: ``.venv/bin/python bench/reply_inference.py [--data DIR] [--speed N]``.
Design on train only; dev is what is reported.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from shequn.analytics.replies import TARGET, TARGET_PERSON, infer_replies

DATA = Path("/work/shared/data/real/irc-ubuntu")
_MESSAGE = re.compile(r"^\[(\d\d):(\d\d)\] <([^>]+)> ?(.*)$")
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_ADDRESSED = re.compile(r"([^\s:,]+)[:,](?:\s|$)")  # as shequn.importers.irc


@dataclass
class Log:
    """One annotated log: its messages frame, names frame and gold links."""

    name: str
    messages: pl.DataFrame
    names: pl.DataFrame
    parents: dict[int, set[int]] = field(default_factory=dict)  # b -> {a}


def _times(path: Path, clocks: list[tuple[int, int]]) -> list[datetime]:
    """UTC times of the message lines: file-name date, clock wraps as the importer reads them."""
    match = _DATE.search(path.name)
    if match is None:
        raise ValueError(f"no date in {path.name}")
    day = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    step = timedelta(hours=12 if all(h <= 12 for h, _ in clocks) else 24)
    shift, last, out = timedelta(0), None, []
    for hour, minute in clocks:
        at = day + timedelta(hours=hour, minutes=minute) + shift
        while last is not None and at < last - timedelta(hours=1):
            shift += step
            at += step
        last = at
        out.append(at)
    return out


def read_log(raw: Path) -> Log:
    """The messages of one raw log with their exact line numbers, and its gold links."""
    lines = raw.read_text(encoding="utf-8", errors="replace").split("\n")
    rows = [(n, m) for n, m in ((n, _MESSAGE.match(line)) for n, line in enumerate(lines)) if m]
    people: dict[str, int] = {}  # lower-case nick -> person id, in order of first message
    written: dict[str, str] = {}
    mentioned: list[list[int]] = []
    for _, m in rows:
        nick, address = m[3].lower(), _ADDRESSED.match(m[4])
        to = address[1].lower() if address is not None else None
        mentioned.append([people[to]] if to in people and to != nick else [])
        people.setdefault(nick, len(people) + 1)
        written[nick] = m[3]
    schema: dict[str, pl.DataType] = {
        "id": pl.Int64(),
        "person_id": pl.Int64(),
        "nick": pl.String(),
        "at": pl.Datetime("us", "UTC"),
        "text": pl.String(),
        "reply_to_id": pl.Int64(),
        "mentioned": pl.List(pl.Int64),
    }
    values = [
        [n for n, _ in rows],
        [people[m[3].lower()] for _, m in rows],
        [m[3].lower() for _, m in rows],
        _times(raw, [(int(m[1]), int(m[2])) for _, m in rows]),
        [m[4] for _, m in rows],
        [None] * len(rows),
        mentioned,
    ]
    messages = pl.DataFrame(dict(zip(schema, values, strict=True)), schema=schema)
    names = pl.DataFrame(
        {"person_id": list(people.values()), "name": [written[k] for k in people]},
        schema={"person_id": pl.Int64, "name": pl.String},
    )
    return Log(raw.name.removesuffix(".raw.txt"), messages, names, read_gold(raw))


def read_gold(raw: Path) -> dict[int, set[int]]:
    """line b -> the lines a it answers (b itself when it starts a conversation)."""
    parents: dict[int, set[int]] = defaultdict(set)
    annotation = raw.with_name(raw.name.replace(".raw.", ".annotation."))
    for line in annotation.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            parents[int(parts[1])].add(int(parts[0]))
    return dict(parents)


def baseline(messages: pl.DataFrame) -> dict[int, int | None]:
    """Mention or previous message: the addressed known nick's latest message, else the last one."""
    latest: dict[str, int] = {}
    out: dict[int, int | None] = {}
    previous = None
    for line, nick, text in messages.select("id", "nick", "text").iter_rows():
        address = _ADDRESSED.match(text)
        to = address[1].lower() if address is not None else None
        out[line] = latest[to] if to is not None and to in latest else previous
        latest[nick] = previous = line
    return out


def ours(log: Log) -> tuple[dict[int, int | None], dict[int, int | None]]:
    """Inferred target line and person of every message line."""
    frame = infer_replies(log.messages, log.names)
    lines = frame["id"].to_list()
    return (
        dict(zip(lines, frame[TARGET].to_list(), strict=True)),
        dict(zip(lines, frame[TARGET_PERSON].to_list(), strict=True)),
    )


@dataclass
class Score:
    """Counts over gold links whose answering line b is a message."""

    correct: int = 0  # a != b, inferred target of b is a
    links: int = 0  # a != b, both message lines
    self_correct: int = 0  # b b and no target inferred
    self_links: int = 0
    person_correct: int = 0  # a != b, inferred person is a's speaker
    messages: int = 0
    targeted: int = 0  # messages that got any target

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def strict(self) -> float:
        return self.correct / max(self.links, 1)

    @property
    def with_self(self) -> float:
        return (self.correct + self.self_correct) / max(self.links + self.self_links, 1)


def score(log: Log, target: dict[int, int | None], person: dict[int, int | None]) -> Score:
    """Compare one log's inferred targets with its gold links."""
    speaker = dict(log.messages.select("id", "person_id").iter_rows())
    out = Score()
    for b, parents in log.parents.items():
        if b not in speaker:
            continue
        out.messages += 1
        out.targeted += target.get(b) is not None
        for a in parents:
            if a == b:
                out.self_links += 1
                out.self_correct += target.get(b) is None
            elif a in speaker:
                out.links += 1
                out.correct += target.get(b) == a
                out.person_correct += person.get(b) == speaker[a]
    return out


def evaluate(split: Path) -> tuple[Score, Score, int]:
    """(ours, baseline, message count) over every log of one split."""
    mine, base, count = Score(), Score(), 0
    for raw in sorted(split.glob("*.raw.txt")):
        log = read_log(raw)
        count += log.messages.height
        mine.add(score(log, *ours(log)))
        guess = baseline(log.messages)
        speakers = dict(log.messages.select("id", "person_id").iter_rows())
        base.add(score(log, guess, {b: speakers.get(a) for b, a in guess.items()}))
    return mine, base, count


def million(data: Path, size: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``size`` messages: the real train logs end to end, each copy with its own persons."""
    logs = [read_log(raw) for raw in sorted((data / "train").glob("*.raw.txt"))]
    frames: list[pl.DataFrame] = []
    names: list[pl.DataFrame] = []
    total = offset = 0
    while total < size:
        for log in logs:
            offset, days = offset + 1_000_000, timedelta(days=len(frames))
            frames.append(
                log.messages.with_columns(
                    pl.col("id", "person_id") + offset,
                    pl.col("at") + days,
                    pl.col("mentioned").list.eval(pl.element() + offset),
                )
            )
            names.append(log.names.with_columns(pl.col("person_id") + offset))
            total += log.messages.height
    return pl.concat(frames).head(size), pl.concat(names)


def speed(data: Path, size: int) -> tuple[float, float]:
    """Seconds infer_replies takes on ``size`` messages: first call, best of three."""
    messages, names = million(data, size)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        infer_replies(messages, names)
        times.append(time.perf_counter() - started)
    return times[0], min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--speed", type=int, default=1_000_000, help="messages; 0 skips")
    args = parser.parse_args()
    header = (
        f"{'split':<6}{'msgs':>7}{'links':>7}{'self':>6}  {'ours':>7}{'ours+self':>10}"
        f"{'person':>8}{'targeted':>9}  {'base':>7}{'base+self':>10}"
    )
    print(header)
    for split in ("train", "dev"):
        mine, base, count = evaluate(args.data / split)
        print(
            f"{split:<6}{count:>7}{mine.links:>7}{mine.self_links:>6}  {mine.strict:>7.1%}"
            f"{mine.with_self:>10.1%}{mine.person_correct / max(mine.links, 1):>8.1%}"
            f"{mine.targeted / max(mine.messages, 1):>9.1%}  {base.strict:>7.1%}"
            f"{base.with_self:>10.1%}"
        )
    if args.speed:
        first, best = speed(args.data, args.speed)
        took = f"{first:.2f} s first call, {best:.2f} s best of 3"
        print(f"infer_replies on {args.speed:,} messages: {took}")


if __name__ == "__main__":
    main()
