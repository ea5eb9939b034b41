"""Question routing against who really answered, on the hand-annotated #ubuntu IRC logs.

Data: Kummerfeld et al. (2019), ``/work/shared/data/real/irc-ubuntu/train``
(CC-BY-4.0): ``*.raw.txt`` logs, read with shequn's IRC importer, and
``*.annotation.txt`` reply links ``a b -`` (line b, 0-based, answers line a),
given from line 1000 on.

A *question* is a ``<nick>`` line with a ``?`` that another
nick replied to; its answerers are those nicks. For each question, candidates
are ranked from what the channel showed before it, never after: who is present
(joined or spoke, not left), who spoke or answered lately, who answered this
asker before, whom the question addresses (``nick:``), and the topics of
everyone's earlier answers (BM25 profiles). The answers to the question itself
are hidden. A hit at k: a real answerer among the first k.

Baseline, "most active answerers so far": nicks ranked by how many replies to
someone else's message they had given earlier in the same log (ties by name).

Run: ``.venv/bin/python bench/matching_quality.py [--data DIR] [--split train|dev]
[--files N]``. The weights (``activity.Tuning``) were set on ``dev``; ``train``
is what is reported.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from shequn.analytics.matching.profiles import Profiles
from shequn.analytics.matching.types import Evidence
from shequn.events import MemberJoined, MemberLeft, MemberRenamed, MessagePosted
from shequn.importers.base import ImportOptions
from shequn.importers.irc import numbered_events

DATA = Path("/work/shared/data/real/irc-ubuntu")
GROUP = 0
KS = (1, 3, 5)


@dataclass
class Score:
    """Questions seen and hits at 1, 3 and 5."""

    questions: int = 0
    hits: Counter[int] = field(default_factory=Counter)

    def add(self, ranked: list[int], answerers: set[int]) -> None:
        self.questions += 1
        for k in KS:
            if answerers & set(ranked[:k]):
                self.hits[k] += 1

    def share(self, k: int) -> float:
        return self.hits[k] / max(self.questions, 1)


@dataclass
class Line:
    number: int  # 0-based, as in the annotations
    nick: str
    text: str
    at: float
    mentioned: tuple[str, ...]


def gold(path: Path) -> dict[int, set[int]]:
    """line b → the lines a it answers (a < b, self-links left out)."""
    parents: dict[int, set[int]] = defaultdict(set)
    for row in path.read_text().splitlines():
        a, b = (int(x) for x in row.split()[:2])
        if a != b:
            parents[max(a, b)].add(min(a, b))
    return parents


def events(raw: Path) -> Iterator[tuple[str, Line]]:
    """("message"|"join"|"leave", line) in log order, through shequn's importer."""
    options = ImportOptions(tz=UTC, group="#ubuntu")
    for number, event in numbered_events(raw, options):
        nick = (event.actor.id if event.actor else "").lower()
        at = event.at.timestamp()
        if isinstance(event, MessagePosted) and not event.text.startswith("/me "):
            mentioned = tuple(m.id.lower() for m in event.mentions)
            yield "message", Line(number - 1, nick, event.text, at, mentioned)
        elif isinstance(event, MemberJoined):
            yield "join", Line(number - 1, event.member.id.lower(), "", at, ())
        elif isinstance(event, MemberLeft):
            yield "leave", Line(number - 1, event.member.id.lower(), "", at, ())
        elif isinstance(event, MemberRenamed):
            yield "leave", Line(number - 1, nick, "", at, ())
            yield "join", Line(number - 1, event.new_name.lower(), "", at, ())


class Channel:
    """One log replayed line by line: profiles grow only from what came before."""

    def __init__(self) -> None:
        self.profiles = Profiles()
        self.ids: dict[str, int] = {}
        self.lines: dict[int, Line] = {}
        self.replies: Counter[int] = Counter()  # the baseline's counts

    def person(self, nick: str) -> int:
        return self.ids.setdefault(nick, len(self.ids) + 1)

    def rank(self, line: Line, limit: int = 5) -> list[int]:
        mentioned = [self.ids[n] for n in line.mentioned if n in self.ids]
        found = self.profiles.route(
            line.text,
            group_id=GROUP,
            asker=self.person(line.nick),
            at=line.at,
            mentioned=mentioned,
            limit=limit,
        )
        return [c.person_id for c in found]

    def baseline(self, line: Line, limit: int = 5) -> list[int]:
        asker = self.person(line.nick)
        nick_of = {v: k for k, v in self.ids.items()}
        ranked = sorted(
            (p for p in self.replies if p != asker), key=lambda p: (-self.replies[p], nick_of[p])
        )
        return ranked[:limit]

    def observe(self, kind: str, line: Line, parents: set[int]) -> None:
        activity = self.profiles.activity
        person = self.person(line.nick)
        if kind == "join":
            activity.joined(GROUP, person)
        elif kind == "leave":
            activity.left(GROUP, person)
        else:
            self.lines[line.number] = line
            activity.spoke(GROUP, person, line.at)
            for a in sorted(parents):
                self._answer(line, self.lines.get(a))

    def _answer(self, line: Line, target: Line | None) -> None:
        if target is None or target.nick == line.nick:
            return
        person = self.person(line.nick)
        self.replies[person] += 1
        self.profiles.activity.answered(GROUP, person, self.person(target.nick), line.at)
        evidence = Evidence("answer", f"message:{line.number}", GROUP, line.text)
        self.profiles.index.add(person, evidence, f"{target.text} {line.text}")


def questions(lines: dict[int, Line], parents: dict[int, set[int]]) -> dict[int, set[str]]:
    """Answered questions: line → the nicks that answered it."""
    out: dict[int, set[str]] = defaultdict(set)
    for b, found in parents.items():
        for a in found:
            question = lines.get(a)
            answer = lines.get(b)
            if question and answer and "?" in question.text and answer.nick != question.nick:
                out[a].add(answer.nick)
    return out


def evaluate(raw: Path) -> tuple[Score, Score]:
    """(ours, baseline) over one log."""
    parents = gold(raw.with_name(raw.name.replace(".raw.txt", ".annotation.txt")))
    log = list(events(raw))
    asked = questions({line.number: line for kind, line in log if kind == "message"}, parents)
    channel = Channel()
    ours, base = Score(), Score()
    for kind, line in log:
        if kind == "message" and line.number in asked:
            answerers = {channel.person(n) for n in asked[line.number]}
            ours.add(channel.rank(line), answerers)
            base.add(channel.baseline(line), answerers)
        channel.observe(kind, line, parents.get(line.number, set()))
    return ours, base


def run(folder: Path, files: int | None = None) -> tuple[Score, Score]:
    """(ours, baseline) over the first ``files`` logs of ``folder`` (all by default)."""
    ours, base = Score(), Score()
    for raw in sorted(folder.glob("*.raw.txt"))[:files]:
        mine, theirs = evaluate(raw)
        for total, part in ((ours, mine), (base, theirs)):
            total.questions += part.questions
            total.hits.update(part.hits)
    return ours, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="train", choices=["train", "dev"])
    parser.add_argument("--files", type=int, default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    ours, base = run(args.data / args.split, args.files)
    print(f"{args.split}: {ours.questions} answered questions with a '?'")
    print(f"{'':10}{'top-1':>8}{'top-3':>8}{'top-5':>8}")
    for name, score in (("baseline", base), ("shequn", ours)):
        print(f"{name:10}" + "".join(f"{100 * score.share(k):7.1f}%" for k in KS))
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
