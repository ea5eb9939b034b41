"""The ad rule on real developer chats (few flags) and on the demo community (its advertisers).

Every flagged real message is listed in the assertion message, printed (``-s``)
and written to ``test-artifacts/moderation-realdata.txt`` so that a person can
judge them. The real chats are read with the project's importers.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shequn.community.models import Community
from shequn.demo.generator import build
from shequn.demo.world import START, ZONE, shown
from shequn.events import Event, MemberJoined, MessagePosted, Warn
from shequn.importers import irc, telegram
from shequn.importers.base import ImportOptions
from shequn.playbook.moderation.rule import Moderation
from shequn.playbook.moderation.scan import Decision, scan
from shequn.playbook.testing import feed
from tests.playbook.conftest import MakeEngine

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MAX_FLAGGED = 0.005  # the bar: at most 0.5% of messages


def tgif_events(real: Path) -> list[Event]:
    """All 14 Telegram groups as one community, in time order."""
    events: list[Event] = []
    for path in sorted((real / "telegram-tgif").glob("*/exported.json")):
        events += telegram.read(path, ImportOptions(tz=ZoneInfo("Asia/Jakarta")))
    return sorted(events, key=lambda e: e.at)


def ubuntu_events(real: Path) -> list[Event]:
    """The #ubuntu train logs, one group, in file (date) order."""
    events: list[Event] = []
    for path in sorted((real / "irc-ubuntu" / "train").glob("*.raw.txt")):
        events += irc.read(path, ImportOptions(tz=ZoneInfo("UTC"), group="#ubuntu"))
    return events


def member_of(event: Event) -> str:
    if isinstance(event, MemberJoined):
        return event.member.id
    return event.actor.id if event.actor is not None else ""


def listing(decisions: Iterable[Decision]) -> list[str]:
    lines = []
    for d in decisions:
        text = d.event.text if isinstance(d.event, MessagePosted) else "(joined)"
        actions = "+".join(type(a).__name__ for a in d.actions)
        lines.append(
            f"{d.event.group} {member_of(d.event)}: {text[:160]!r} → {actions}: {d.reason}"
        )
    return lines


@lru_cache(maxsize=1)
def real_scans(real: Path) -> tuple[tuple[str, int, tuple[Decision, ...]], ...]:
    """Per chat: its name, its number of messages and the rule's decisions (computed once)."""
    chats = (("telegram-tgif", tgif_events(real)), ("irc-ubuntu", ubuntu_events(real)))
    return tuple(
        (name, sum(isinstance(e, MessagePosted) for e in events), tuple(scan(events)))
        for name, events in chats
    )


@pytest.mark.realdata
def test_real_developer_chats_are_rarely_flagged(real_data: Path) -> None:
    report: list[str] = []
    total = flagged = 0
    for name, messages, decisions in real_scans(real_data):
        on_messages = [d for d in decisions if isinstance(d.event, MessagePosted)]
        total += messages
        flagged += len(on_messages)
        report.append(f"== {name}: {len(on_messages)} of {messages} messages flagged")
        report += listing(decisions)
    rate = flagged / total
    report.insert(0, f"moderation on real chats: {flagged} of {total} flagged ({rate:.4%})")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "moderation-realdata.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    assert total > 190_000
    assert rate <= MAX_FLAGGED, "\n".join(report)


@pytest.mark.realdata
def test_no_real_message_is_an_ad_by_its_links_alone(real_data: Path) -> None:
    """Developers paste github, pastebin and launchpad links all day: never an ad by itself."""
    ads = [
        d for _n, _m, found in real_scans(real_data) for d in found if d.reason.startswith("ad:")
    ]
    for d in ads:
        codes = {part.split("[")[0] for part in d.reason.split("(", 1)[1].split(", ")}
        assert codes - {"link"}, d.reason
    assert len(ads) <= 5, "\n".join(listing(ads))


# --- the demo community -------------------------------------------------------------------


def test_demo_advertisers_are_caught() -> None:
    demo = build()
    roles = {(key, person.key): role for key, person, role in demo.roles}
    decisions = scan(demo.events, roles=roles)
    planted = {
        e.actor.id
        for e in demo.events
        if isinstance(e, MessagePosted) and e.actor is not None and e.actor.id.startswith("wxid_ad")
    }
    flagged = {member_of(d.event) for d in decisions}
    caught = planted & flagged
    wrong = flagged - planted
    summary = (
        f"demo: {len(caught)} of {len(planted)} planted advertisers caught "
        f"({len(caught) / len(planted):.0%}); {len(wrong)} other members flagged"
    )
    print(summary)
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [summary, *listing(decisions)]
    (ARTIFACTS / "moderation-demo.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(planted) == 8
    assert len(caught) >= 0.9 * len(planted), "\n".join(lines)
    assert len(wrong) <= 1, "\n".join(lines)
    first_steps = [type(d.actions[-1]).__name__ for d in decisions]
    assert first_steps == ["Warn"] * len(decisions)  # one ad each: the first step


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_demo_day_through_the_engine(make_engine: MakeEngine, community: Community) -> None:
    """The fan group's first advertiser day, live: the advertiser is warned, nobody else."""
    demo = build()
    day = shown(START + timedelta(days=10))
    events = [
        e
        for e in demo.events
        if e.group == "demo-fans@chatroom" and e.at.astimezone(ZONE).date() == day
    ]
    events = [_in_test_group(e) for e in events]
    engine, memory = make_engine({"moderation": {"enabled": True}}, rules=[Moderation])
    performed = asyncio.run(feed(engine, *events))
    assert [type(a).__name__ for a in performed] == ["Delete", "Warn"]
    (warned,) = {a.member.id for a in performed if isinstance(a, Warn)}
    assert warned.startswith("wxid_ad")
    assert memory.performed == performed


def _in_test_group(event: Event) -> Event:
    """The demo event, moved into the test engine's group ``g1`` on platform ``test``."""
    return dataclasses.replace(event, platform="test", group="g1")
