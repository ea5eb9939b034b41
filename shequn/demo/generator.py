"""The whole demo: people, the five groups' histories, and the ties between people."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from shequn.demo import scenario
from shequn.demo.world import SEED, GroupPlan, Persona, make_personas
from shequn.events import Event


@dataclass
class Tie:
    a: Persona
    b: Persona
    dimension: str
    on: date


@dataclass
class Demo:
    people: list[Persona]
    plans: list[GroupPlan]
    events: list[Event]
    ties: list[Tie]
    roles: list[tuple[str, Persona, str]]  # (group key, person, role)


def build(seed: int = SEED) -> Demo:
    """The same seed always gives the same demo, event for event."""
    rng = random.Random(seed)
    people = make_personas(rng, 600)
    people[0].name = "林晓"
    people[505].name = "周老师"
    social, fans = people[0:42], people[20:470]
    hikers, students = people[470:505], people[506:566]
    paid = people[1:15] + people[60:74]
    for p in social[1:3]:
        p.tier = "big"
    for p in social[3:11]:
        p.tier = "mid"
    for p in social[11:]:
        p.tier = "ordinary"
    sims = [
        scenario.social_group(rng, social),
        scenario.fan_group(rng, fans, people[0]),
        scenario.dead_group(rng, hikers),
        scenario.student_group(rng, students, people[505]),
        scenario.paid_group(rng, paid, people[0]),
    ]
    events = sorted((e for sim in sims for e in sim.events), key=lambda e: e.at)
    ties = social_ties(rng, social) + [
        Tie(a, b, "collaborated", date(2026, 10, 1)) for a, b in pairs(rng, paid, 10)
    ]
    ties += [Tie(a, b, "friend", date(2026, 8, 20)) for a, b in pairs(rng, hikers, 3)]
    roles = [
        ("demo-social@chatroom", people[0], "owner"),
        ("demo-social@chatroom", people[1], "admin"),
        ("demo-fans@chatroom", people[0], "owner"),
        ("demo-hike@chatroom", hikers[0], "owner"),
        ("demo-class@chatroom", people[505], "owner"),
        ("demo-class@chatroom", students[0], "monitor"),
        ("demo-paid@chatroom", people[0], "owner"),
    ]
    plans = [sim.plan for sim in sims]
    return Demo(people=people, plans=plans, events=events, ties=ties, roles=roles)


def pairs(rng: random.Random, people: list[Persona], count: int) -> list[tuple[Persona, Persona]]:
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < count:
        i, j = sorted(rng.sample(range(len(people)), 2))
        chosen.add((i, j))
    return [(people[i], people[j]) for i, j in sorted(chosen)]


def social_ties(rng: random.Random, social: list[Persona]) -> list[Tie]:
    ties = []
    for on, size in ((date(2026, 8, 15), 18), (date(2026, 10, 17), 15)):
        attendees = [social[0], *rng.sample(social[1:], size - 1)]
        ties += [Tie(a, b, "met_offline", on) for a, b in combinations(attendees, 2)]
    ties += [Tie(a, b, "friend", date(2026, 7, 20)) for a, b in pairs(rng, social, 30)]
    ties += [Tie(a, b, "collaborated", date(2026, 9, 10)) for a, b in pairs(rng, social, 10)]
    return ties
