"""The entry ritual and chat windows replayed over stored history decide as they did live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.community.models import AuditLog, Community, Group
from shequn.events import Actor, Event, JoinHow, MemberJoined, MessagePosted
from shequn.playbook.replay import replay
from shequn.playbook.replay_recorder import Decision
from shequn.playbook.ritual import Ritual
from shequn.playbook.welcome import Welcome
from shequn.playbook.windows import Windows
from tests.playbook.test_replay import run_live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

RULES = (Welcome, Ritual, Windows)
# Wednesday 4 March 2026, 18:00 in Beijing.
START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
Key = tuple[str, str, str, str, str]


def joined(minute: int, who: str, name: str, group: str) -> MemberJoined:
    member = Actor(who, name)
    return MemberJoined(
        platform="test", group=group, event_id=f"j{minute}", at=START + timedelta(minutes=minute),
        actor=member, member=member, how=JoinHow.LINK,
    )  # fmt: skip


def said(minute: int, who: str, text: str, group: str, **extra: Any) -> MessagePosted:
    return MessagePosted(
        platform="test", group=group, event_id=f"m{minute}", at=START + timedelta(minutes=minute),
        actor=Actor(who, f"成员{who}"), text=text, **extra,
    )  # fmt: skip


def history(group: str) -> list[Event]:
    return [
        joined(0, "u1", "小王", group),
        said(5, "u1", "自我介绍：小王，做设计\n需要资源：客户\n拥有资源：UI 设计", group),
        joined(10, "u2", "深圳-电商-阿强", group),
        said(
            20, "u2", "Hi all, I'm Qiang, selling furniture online from Shenzhen for years", group
        ),
        said(70, "u1", "今晚吃什么", group),  # 19:10: the class is on
        said(75, "u1", "哈哈", group),  # reminded once already
        said(80, "u2", "老师，课件在哪里？", group),  # on topic
        said(85, "u2", "😂😂", group),
        joined(90, "u3", "Ann", group),
        said(130, "u3", "Intro: Ann, product designer. Needs: mentors. Offers: Figma tips", group),
        said(190, "u1", "class over, chat time", group),  # 21:10
    ]


def settings(dry_run: bool) -> dict[str, Any]:
    return {
        "welcome": {"enabled": True, "template": "欢迎 {name}（{number} 号）！请自我介绍"},
        "ritual": {"enabled": True, "dry_run": dry_run},
        "windows": {
            "enabled": True,
            "dry_run": dry_run,
            "chat_hours": [{"start": "21:00", "end": "23:30"}],
            "topic_windows": [{"name": "周三晚课", "days": ["wed"], "start": "19:00",
                               "end": "21:00", "keywords": ["课件"]}],
        },
    }  # fmt: skip


def live_decisions(community: Community, group: Group) -> list[Key]:
    rows = AuditLog.objects.filter(
        community=community, group=group, rule__in=[r.name for r in RULES]
    )
    return [
        (r.rule, r.action, r.target, r.reason, str(r.details["action"].get("text", "")))
        for r in rows.order_by("pk")
        if "action" in r.details and not r.details.get("event_id", "").startswith("job:")
    ]


def replayed(decisions: list[Decision]) -> list[Key]:
    return [(d.rule, d.action, d.member_id, d.reason, d.text) for d in decisions]


def test_ritual_and_windows_replay_as_lived(community: Community) -> None:
    groups = {"g1": settings(dry_run=False), "g2": settings(dry_run=True)}
    run_live(community, groups, history("g1") + history("g2"), "test", rules=RULES)
    for key in groups:
        group = Group.objects.get(external_id=key)
        live = live_decisions(community, group)
        result = replay(group, group.settings, rules=RULES, keep=True)
        assert replayed(result.decisions) == live, key
        kinds = {(rule, action) for rule, action, *_ in live}
        assert kinds == {
            ("welcome", "Send"), ("ritual", "Send"), ("ritual", "Schedule"),
            ("ritual", "FillArchive"), ("windows", "Reply"),
        }  # fmt: skip
        replies = [row for row in live if row[1] == "Reply"]
        assert [r[3] for r in replies] == [
            "深圳-电商-阿强: idle chat outside chat hours",  # 18:20; the intros at 18:05, 20:10 not
            "小王: idle chat topic window 周三晚课",
            "深圳-电商-阿强: idle chat topic window 周三晚课",
        ]
        welcome = next(row for row in live if row[0] == "welcome")
        assert welcome[4].startswith("欢迎 小王（") and "?" not in welcome[4]
