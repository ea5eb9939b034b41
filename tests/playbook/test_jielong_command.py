"""Starting a 接龙: the command in the group and the console's start, then members' repeats.

The command is parsed like the other rules' commands; the engine records the chain
(``StartJielong`` in the store) and posts its opening; members join by repeating
the list, and the stored chain is what their repeats continue, so line 1 stays
credited to the member who started it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from shequn.chat.ingest import ingest
from shequn.community.models import AuditLog, Community, Group
from shequn.connectors.memory import MemoryConnector
from shequn.events import Actor, MessagePosted, Reply, Send
from shequn.playbook.engine import Engine
from shequn.playbook.jielong_actions import JielongError, refresh, start_from_console
from shequn.playbook.jielong_models import JielongChain
from shequn.playbook.jielong_rule import JielongRule, opening_text, parse_command
from shequn.playbook.models import Job
from shequn.playbook.testing import feed
from tests.playbook.conftest import PLATFORM, T0, joined
from tests.playbook.test_columns_kit import run

COMMANDS = ("#接龙", "/jielong", "/接龙")


@pytest.mark.parametrize(
    ("text", "title", "description"),
    [
        ("#接龙 周六爬山", "周六爬山", ()),
        ("＃接龙  周六 爬山 ", "周六 爬山", ()),  # full-width # and spaces
        ("/jielong Saturday hike", "Saturday hike", ()),
        ("/JIELONG@shequn_bot 读书会", "读书会", ()),
        ("#接龙 周六爬山\n时间：8:00\n\n地点：香山", "周六爬山", ("时间：8:00", "地点：香山")),
        ("#接龙", "", ()),
    ],
)
def test_start_commands(text: str, title: str, description: tuple[str, ...]) -> None:
    asked = parse_command(text, COMMANDS)
    assert asked is not None
    assert (asked.title, asked.description) == (title, description)


@pytest.mark.parametrize(
    "text",
    [
        "#接龙 周六爬山\n1. 张三\n2. 李四",  # a member's repeat, not a start
        "#接龙 周六爬山\n１．张三",  # full-width numbering is a repeat too
        "#接龙活动真多",  # the command is not a word of its own
        "大家 #接龙 周六爬山",  # not at the start
        "接龙 周六爬山",  # not one of the commands
        "",
    ],
)
def test_not_start_commands(text: str) -> None:
    assert parse_command(text, COMMANDS) is None


def test_opening_text_keeps_a_title_that_names_the_marker() -> None:
    assert opening_text("周六爬山", ["8:00"], "张三") == "#接龙 周六爬山\n8:00\n1. 张三"
    assert opening_text("爬山接龙", [], "张三") == "爬山接龙\n1. 张三"


N = iter(range(1, 100000))


def says(who: str, text: str, minutes: int) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM, group="g1", event_id=f"m{next(N)}",
        at=T0 + timedelta(days=1, minutes=minutes), actor=Actor(id=who, name=f"成员{who}"),
        text=text,
    )  # fmt: skip


@pytest.fixture
def group(community: Community) -> Group:
    ingest([joined(i, f"u{i}") for i in range(1, 5)], community)
    found = Group.objects.get(community=community, external_id="g1")
    found.settings = {"jielong": {"enabled": True}}
    found.save()
    return found


def handle(community: Community, *events: MessagePosted) -> MemoryConnector:
    memory = MemoryConnector(platform=PLATFORM)
    asyncio.run(feed(Engine(community, [memory], rules=[JielongRule]), *events))
    return memory


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_a_started_chain_is_followed_through_members_repeats(
    community: Community, group: Group
) -> None:
    memory = handle(community, says("u1", "#接龙 周六爬山\n时间：周六 8:00", 0))
    opening = "#接龙 周六爬山\n时间：周六 8:00\n1. 成员u1"
    assert [a.text for a in memory.performed if isinstance(a, Send)] == [opening]
    row = JielongChain.objects.get(group=group)
    assert (row.origin, row.title, row.starter_id) == ("started", "周六爬山", "u1")
    assert AuditLog.objects.filter(action="StartJielong", outcome="performed").count() == 1
    # Members repeat the list; u3 types the full-width numbering, u2 adds a note later.
    handle(
        community,
        says("u2", f"{opening}\n2. 成员u2", 5),
        says("u3", f"{opening}\n2. 成员u2\n３．成员u3", 7),
        says("u2", f"{opening}\n2. 成员u2 +1\n3. 成员u3", 9),
        says("u4", "4. 成员u4", 11),  # a bare line continuing the numbering
    )
    refresh(group)
    row = JielongChain.objects.get(group=group)  # still one chain: the started one
    entries = [(e["text"], e["by"]) for e in row.entries]
    assert entries == [("成员u1", "u1"), ("成员u2 +1", "u2"), ("成员u3", "u3"), ("成员u4", "u4")]
    assert row.entries[1]["edited_by"] == "成员u2"
    assert row.posts == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_a_command_without_title_is_told_how(community: Community, group: Group) -> None:
    memory = handle(community, says("u1", "/jielong", 0))
    replies = [a for a in memory.performed if isinstance(a, Reply)]
    assert len(replies) == 1 and "/jielong" not in replies[0].text and "#接龙" in replies[0].text
    assert not JielongChain.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_the_same_command_event_twice_records_one_chain(community: Community, group: Group) -> None:
    event = says("u1", "#接龙 读书会", 0)
    handle(community, event)
    handle(community, event)
    assert JielongChain.objects.filter(group=group).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_the_console_start_is_posted_by_the_engine_and_audited(
    community: Community, group: Group
) -> None:
    alice = User.objects.create_user("alice")
    row = start_from_console(group, " 周六  爬山 ", "8:00 香山\n", "群主", alice)
    assert row.title == "周六 爬山" and row.job is not None and row.created_by == alice
    entry = AuditLog.objects.get(action="JielongStart")
    assert entry.user == alice and entry.details["text"] == "#接龙 周六 爬山\n8:00 香山\n1. 群主"
    memory = MemoryConnector(platform=PLATFORM)
    assert run(Engine(community, [memory])) == 1
    assert [a.text for a in memory.performed if isinstance(a, Send)] == [entry.details["text"]]
    assert Job.objects.get(pk=row.job.pk).state == Job.State.DONE
    assert AuditLog.objects.filter(action="Send", rule="jielong", outcome="performed").exists()
    # A member joins by repeating the opening: line 1 stays the console's entry.
    handle(community, says("u2", "#接龙 周六 爬山\n8:00 香山\n1. 群主\n2. 成员u2", 1))
    refresh(group)
    row.refresh_from_db()
    assert [(e["text"], e["by_name"]) for e in row.entries] == [
        ("群主", "群主"),
        ("成员u2", "成员u2"),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.store
def test_the_console_refuses_a_chain_without_title(group: Group) -> None:
    with pytest.raises(JielongError) as caught:
        start_from_console(group, "  ", "", "群主", None)
    assert caught.value.field == "title"
    assert not JielongChain.objects.exists() and not Job.objects.exists()
