"""The people of the demo community and the plan of each group.

Everything is drawn from one seeded RNG in a fixed order, so the same seed
always gives the same people, groups and history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shequn.demo import corpus

SEED = 20261120
ZONE = ZoneInfo("Asia/Shanghai")
START = date(2026, 7, 1)
END = date(2026, 11, 20)  # the story stops before this day (community time)
PLATFORM = "wechat"


@dataclass
class Persona:
    """One person of the demo, with what the archive will know of them."""

    key: str
    name: str
    city: str
    industry: str
    need: str
    offer: str
    tier: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class GroupPlan:
    """One group: who is in it, when they come, how lively it is each day."""

    key: str
    name: str
    kind: str
    positioning: str
    value_statement: str
    created: date
    owner: Persona
    founders: list[Persona]
    arrivals: list[tuple[date, Persona, str, Persona | None]] = field(default_factory=list)
    departures: list[tuple[date, Persona, str]] = field(default_factory=list)
    talkers: dict[str, float] = field(default_factory=dict)
    ended: date | None = None


def days_behind(today: date | None = None) -> timedelta:
    """How far the story is moved forward so that it ends the day before ``today``.

    The story is written for fixed dates, but a demo whose groups all fell silent
    weeks ago would be diagnosed as dying. Nothing in it depends on the weekday or
    the calendar, so moving every moment by the same days changes nothing else.
    """
    today = today or datetime.now(ZONE).date()
    return timedelta(days=max((today - END).days, 0))


#: Fixed for the whole process, so that one load is one consistent history.
SHIFT = days_behind()


def shown(day: date) -> date:
    """The day a day of the story falls on in the loaded demo."""
    return day + SHIFT


def local(day: date, seconds: int) -> datetime:
    """A moment ``seconds`` after local midnight of the story's ``day`` (as shown), as aware UTC."""
    midnight = datetime.combine(shown(day), time(0), ZONE)
    return (midnight + timedelta(seconds=seconds)).astimezone(UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days)]


def make_personas(rng: random.Random, count: int) -> list[Persona]:
    people = []
    for i, name in enumerate(corpus.person_names(rng, count)):
        skills = rng.sample(corpus.SKILLS, 2)
        people.append(
            Persona(
                key=f"wxid_demo{i:04d}",
                name=name,
                city=rng.choice(corpus.CITIES),
                industry=rng.choice(corpus.INDUSTRIES),
                need=rng.choice(corpus.SKILLS),
                offer=skills[0],
                tags=tuple(skills),
            )
        )
    return people


def weights(
    rng: random.Random, people: list[Persona], heavy: int, share: float, silent: float = 0.0
) -> dict[str, float]:
    """Talk weights: ``heavy`` people carry ``share`` of the talking; ``silent`` never talk."""
    out = {p.key: (0.0 if rng.random() < silent else rng.uniform(0.2, 1.0)) for p in people}
    top = list(out)[:heavy]
    rest = sum(v for k, v in out.items() if k not in top)
    for k in top:
        out[k] = rest * share / (1 - share) / max(heavy, 1)
    return out


def spread(rng: random.Random, people: list[Persona], first: date, last: date) -> list[date]:
    span = (last - first).days
    return sorted(first + timedelta(days=rng.randrange(span)) for _ in people)
