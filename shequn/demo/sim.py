"""A day-by-day simulation of one group that emits canonical events."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from datetime import date

from shequn.demo.world import PLATFORM, GroupPlan, Persona, local
from shequn.events import (
    Actor,
    Event,
    GroupCreated,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageKind,
    MessagePosted,
)

Line = Callable[[random.Random, Persona], tuple[str, MessageKind]]


def actor(p: Persona) -> Actor:
    return Actor(id=p.key, name=p.name)


class GroupSim:
    """Holds who is present and what was said recently, and writes events in order."""

    def __init__(self, plan: GroupPlan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.seq = 0
        self.events: list[Event] = []
        self.present: dict[str, Persona] = {}
        self.recent: deque[tuple[str, Persona]] = deque(maxlen=30)
        self.today: date | None = None
        self.arrived: dict[str, date] = {}

    def _id(self) -> str:
        self.seq += 1
        return f"{self.plan.key}-{self.seq:06d}"

    def _base(self, day: date, sec: int, who: Persona | None) -> dict[str, object]:
        self.today = day
        return {
            "platform": PLATFORM,
            "group": self.plan.key,
            "group_name": self.plan.name,
            "event_id": self._id(),
            "at": local(day, sec),
            "actor": actor(who) if who is not None else None,
        }

    def create(self, day: date) -> None:
        self.events.append(GroupCreated(**self._base(day, 9 * 3600, self.plan.owner)))  # type: ignore[arg-type]
        self.join(day, 9 * 3600 + 1, self.plan.owner, JoinHow.ADDED, None)
        for i, p in enumerate(self.plan.founders):
            self.join(day, 9 * 3600 + 10 + i, p, JoinHow.INVITE, self.plan.owner)

    def join(self, day: date, sec: int, who: Persona, how: JoinHow, by: Persona | None) -> None:
        base = self._base(day, sec, by or who)
        inviter = actor(by) if by is not None else None
        self.events.append(MemberJoined(**base, member=actor(who), how=how, inviter=inviter))  # type: ignore[arg-type]
        self.present[who.key] = who
        # A newcomer's first words on their join day are the entry ritual, not chatter.
        self.arrived[who.key] = day

    def leave(self, day: date, sec: int, who: Persona, how: LeaveHow, by: Persona | None) -> None:
        base = self._base(day, sec, by or who)
        self.events.append(MemberLeft(**base, member=actor(who), how=how))  # type: ignore[arg-type]
        self.present.pop(who.key, None)

    def say(
        self,
        day: date,
        sec: int,
        who: Persona,
        text: str,
        kind: MessageKind = MessageKind.TEXT,
        reply_to: str | None = None,
        mention: Persona | None = None,
    ) -> str:
        base = self._base(day, sec, who)
        mentions = (Mention(id=mention.key, name=mention.name),) if mention is not None else ()
        event = MessagePosted(**base, kind=kind, text=text, reply_to=reply_to, mentions=mentions)  # type: ignore[arg-type]
        self.events.append(event)
        self.recent.append((event.event_id, who))
        return event.event_id

    def speaker(self) -> Persona:
        keys = [k for k in self.present if self.arrived.get(k) != self.today]
        keys = keys or list(self.present)
        chosen = self.rng.choices(keys, [self.plan.talkers.get(k, 0.3) for k in keys])[0]
        return self.present[chosen]

    def talk(self, day: date, count: int, line: Line, reply_share: float = 0.25) -> None:
        """``count`` messages spread over the waking hours, some of them replies."""
        self.today = day
        if not self.present:
            return
        for sec in sorted(self.rng.randrange(8 * 3600, 23 * 3600 + 1800) for _ in range(count)):
            who = self.speaker()
            text, kind = line(self.rng, who)
            target = None
            if self.recent and self.rng.random() < reply_share:
                target = self.rng.choice(list(self.recent))
                if target[1].key == who.key:
                    target = None
            mention = target[1] if target is not None and self.rng.random() < 0.3 else None
            self.say(day, sec, who, text, kind, target[0] if target else None, mention)

    def welcome(
        self, day: date, sec: int, newcomer: Persona, intro: str | None, answer: bool
    ) -> None:
        """A newcomer's first words, and (if ``answer``) a veteran's welcome minutes later."""
        if intro is None:
            return
        first = self.say(day, sec + self.rng.randrange(60, 3600), newcomer, intro)
        if answer:
            veterans = [p for p in self.present.values() if p.key != newcomer.key]
            if veterans:
                host = self.rng.choice(veterans[:10])
                text = self.rng.choice(("欢迎{n}！", "欢迎欢迎👏", "欢迎加入，{n}！")).format(
                    n=newcomer.name
                )
                self.say(
                    day,
                    sec + 3600 + self.rng.randrange(60, 600),
                    host,
                    text,
                    reply_to=first,
                    mention=newcomer,
                )
