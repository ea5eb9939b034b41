"""Check-ins and 接龙 recognised by ``shequn import`` on the way in (no second command).

Exports are generated Telegram Desktop files (the format of the real tgif exports);
what the import stores must agree with what ``shequn activities`` reads from the
store afterwards, also when a later export continues a chain, an earlier one is
imported after it, or a chain post is recalled.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shequn.chat.ingest import ingest, start_batch
from shequn.cli import main
from shequn.community.actions import get_or_create_community
from shequn.community.models import Group
from shequn.events import Actor, MessageDeleted, MessagePosted
from shequn.playbook.activities import read_activities
from shequn.playbook.jielong_import import ImportRecognition
from shequn.playbook.jielong_models import JielongChain, JielongScan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

COMMUNITY = "读书会"
DAY = datetime(2026, 3, 7, 9, 0)
HIKE = "#接龙 周六爬山\n时间：8:00"


def export(path: Path, messages: list[tuple[int, str, str, str]]) -> Path:
    """A Telegram Desktop export of one group: (id, minutes after DAY, sender, text)."""
    items = [
        {"id": n, "type": "message", "date": (DAY + timedelta(minutes=m)).isoformat(),
         "from": f"成员{who}", "from_id": f"user{who}", "text": text}
        for n, m, who, text in messages
    ]  # fmt: skip
    body = {"name": "读书群", "type": "private_supergroup", "id": 42, "messages": items}
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def imported(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["import", str(path), "--community", COMMUNITY, "--json", "--tz", "UTC"]) == 0
    out = json.loads(capsys.readouterr().out)
    result: dict[str, Any] = out["files"][0]
    assert result["error"] == ""
    return result


def stored() -> list[tuple[str, list[tuple[str, str]]]]:
    rows = JielongChain.objects.order_by("started_at")
    return [(r.title, [(e["text"], e["by_name"]) for e in r.entries]) for r in rows]


def from_history() -> list[tuple[str, list[tuple[str, str]]]]:
    """The chains ``shequn activities`` finds in the store (the reference)."""
    found = read_activities(Group.objects.get().pk, checkins=False)
    return [(c.title, [(e.text, e.added_by_name) for e in c.entries]) for c in found.chains]


FIRST = [
    (1, 0, "1", f"{HIKE}\n1. 张三"),
    (2, 3, "2", f"{HIKE}\n1. 张三\n2. 李四"),
    (3, 4, "1", "打卡"),
    (4, 5, "3", "今天的签到✅"),
    (5, 60 * 24, "1", "打卡第2天"),  # the next day: a second check-in day
    (6, 60 * 24 + 1, "1", "打卡"),  # the same day again: not counted twice
    (7, 60 * 24 + 2, "2", "1. 我觉得这本书不错"),  # numbered, but no chain of its own
]


def test_import_stores_chains_and_counts_checkins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = imported(export(tmp_path / "a.json", FIRST), capsys)
    assert result["recognised"] == {"checkins": 3, "checkin_members": 2, "jielong_chains": 1}
    assert stored() == [("#接龙 周六爬山", [("张三", "成员1"), ("李四", "成员2")])]
    assert stored() == from_history()
    scan = JielongScan.objects.get()
    assert scan.through == (DAY + timedelta(minutes=60 * 24 + 2)).replace(tzinfo=UTC)
    activities = read_activities(Group.objects.get().pk, jielong=False)
    assert sum(m.streaks.total for m in activities.members) == 3


def test_a_later_export_continues_the_chain_and_an_earlier_one_is_read_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(export(tmp_path / "a.json", FIRST), capsys)
    later = [(20, 60 * 48, "3", f"{HIKE}\n1. 张三\n2. 李四\n3. 王五")]
    assert imported(export(tmp_path / "b.json", later), capsys)["recognised"]["jielong_chains"] == 1
    assert stored() == [
        ("#接龙 周六爬山", [("张三", "成员1"), ("李四", "成员2"), ("王五", "成员3")])
    ]
    # An export from the week before, imported last: read again from the start, in order.
    earlier = [
        (-10, -60 * 24 * 7, "2", "#接龙 读书会\n1. 赵六"),
        (-9, -60 * 24 * 7 + 5, "4", "#接龙 读书会\n1. 赵六\n2. 钱七"),
    ]
    imported(export(tmp_path / "c.json", earlier), capsys)
    assert [title for title, _ in stored()] == ["#接龙 读书会", "#接龙 周六爬山"]
    assert stored() == from_history()
    # The same file again adds nothing and changes nothing.
    again = imported(export(tmp_path / "c.json", earlier), capsys)
    assert again["stats"]["messages"] == 0 and stored() == from_history()


def _says(n: int, who: str, text: str) -> MessagePosted:
    return MessagePosted(
        platform="telegram", group="g9", event_id=f"m{n}",
        at=datetime(2026, 3, 7, 1, n, tzinfo=UTC), actor=Actor(id=who, name=who), text=text,
    )  # fmt: skip


def test_a_recalled_chain_post_is_left_out_as_activities_leaves_it_out() -> None:
    community = get_or_create_community(COMMUNITY)
    events = [
        _says(1, "张三", "#接龙 爬山\n1. 张三"),
        _says(2, "李四", "#接龙 爬山\n1. 张三\n2. 李四"),
        MessageDeleted(
            platform="telegram",
            group="g9",
            event_id="d2",
            at=datetime(2026, 3, 7, 1, 3, tzinfo=UTC),
            actor=Actor(id="李四"),
            message_id="m2",
        ),
        _says(4, "bot", "#接龙 爬山\n1. 张三\n2. 机器人"),
    ]
    events[-1] = MessagePosted(**{**vars_of(events[-1]), "actor": Actor(id="bot", is_bot=True)})
    recognition = ImportRecognition(community)
    batch = start_batch(community, "events", "test")
    ingest(recognition.tee(events), community, batch)
    recognition.finish(batch.pk)
    assert stored() == [("#接龙 爬山", [("张三", "张三")])] == from_history()


def vars_of(event: MessagePosted) -> dict[str, Any]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}


def test_messages_stored_before_but_never_read_are_read_first() -> None:
    """Live messages stored by the engine (never shown, so never read into chains), then an
    import continuing them: the chain is one, as ``shequn activities`` reads it."""
    community = get_or_create_community(COMMUNITY)
    live = [
        _says(1, "张三", "#接龙 爬山\n1. 张三"),
        _says(2, "李四", "#接龙 爬山\n1. 张三\n2. 李四"),
    ]
    ingest(live, community)
    recognition = ImportRecognition(community)
    batch = start_batch(community, "later", "test")
    ingest(
        recognition.tee([_says(5, "王五", "#接龙 爬山\n1. 张三\n2. 李四\n3. 王五")]),
        community,
        batch,
    )
    assert recognition.finish(batch.pk).chains == 1
    assert stored() == [("#接龙 爬山", [("张三", "张三"), ("李四", "李四"), ("王五", "王五")])]
    assert stored() == from_history()
