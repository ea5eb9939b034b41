"""接龙 recognition on real-looking chains: formats, edits, races, removals, two at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from shequn.playbook.jielong import (
    Chain,
    ChainMessage,
    JielongTracker,
    export_rows,
    find_chains,
)
from shequn.playbook.jielong_post import parse_post
from shequn.spreadsheet import safe_cell

T0 = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
_ids = count(1)


def msg(who: str, text: str, minutes: float = 0) -> ChainMessage:
    """A message from ``who`` (its id doubles as the name) ``minutes`` after T0."""
    return ChainMessage(f"m{next(_ids)}", who, who, T0 + timedelta(minutes=minutes), text)


def hike(*entries: str, title: str = "#接龙\n周六香山爬山") -> str:
    """The WeChat 接龙 layout: marker, title, example line, blank, numbered entries."""
    lines = [f"{n}. {e}" for n, e in enumerate(entries, 1)]
    return "\n".join([title, "例：姓名 人数", "", *lines])


def texts(chain: Chain) -> list[str]:
    return [e.text for e in chain.entries]


# --- one post -------------------------------------------------------------------


def test_parses_the_wechat_layout() -> None:
    post = parse_post(hike("张三", "李四 +1"))
    assert post is not None
    assert post.title == "#接龙 周六香山爬山"
    assert post.description == ("例：姓名 人数",)
    assert post.entries == ("张三", "李四 +1")
    assert post.marked


def test_chain_grows_and_credits_each_sender() -> None:
    chains = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", hike("张三", "李四 +1"), 3),
            msg("路人", "今天天气不错", 4),
            msg("王五", hike("张三", "李四 +1", "王五"), 9),
        ]
    )
    assert len(chains) == 1
    chain = chains[0]
    assert texts(chain) == ["张三", "李四 +1", "王五"]
    assert [e.added_by for e in chain.entries] == ["张三", "李四", "王五"]
    assert chain.entries[2].added_at == T0 + timedelta(minutes=9)
    assert chain.started_by_name == "张三" and chain.posts == 3
    assert chain.removed == [] and chain.conflicts == 0


def test_whitespace_and_width_edits_of_title_and_entries_keep_the_chain() -> None:
    chains = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", "#接龙\n周六 香山 爬山\n例：姓名 人数\n\n１．张三\n２、李四", 1),
            msg("王五", "#接龙\n周六香山爬山 \n例：姓名 人数\n1 张三\n2 李四\n3 王五", 2),
        ]
    )
    assert len(chains) == 1
    assert texts(chains[0]) == ["张三", "李四", "王五"]
    assert [e.added_by for e in chains[0].entries] == ["张三", "李四", "王五"]


def test_an_edited_line_keeps_its_adder() -> None:
    chain = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", hike("张三", "李四"), 1),
            msg("王五", hike("张三", "李四", "王五"), 2),
            msg("李四", hike("张三", "李四 +2（带孩子）", "王五"), 30),
        ]
    )[0]
    assert texts(chain) == ["张三", "李四 +2（带孩子）", "王五"]
    edited = chain.entries[1]
    assert edited.added_by == "李四" and edited.added_at == T0 + timedelta(minutes=1)
    assert edited.edited_at == T0 + timedelta(minutes=30) and edited.edited_by_name == "李四"
    assert chain.removed == []


def test_someone_taking_their_name_out_is_a_removal() -> None:
    chain = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", hike("张三", "李四"), 1),
            msg("王五", hike("张三", "李四", "王五"), 2),
            msg("李四", hike("张三", "王五"), 120),
        ]
    )[0]
    assert texts(chain) == ["张三", "王五"]
    assert [(e.text, e.added_by, e.removed_by_name) for e in chain.removed] == [
        ("李四", "李四", "李四")
    ]
    assert chain.removed[0].removed_at == T0 + timedelta(minutes=120)


def test_two_members_copying_the_same_list_at_once_are_both_kept() -> None:
    chain = find_chains(
        [
            msg("张三", hike("张三", "李四"), 0),
            msg("王五", hike("张三", "李四", "王五"), 5),
            msg("赵六", hike("张三", "李四", "赵六"), 5.5),  # copied before 王五 posted
            msg("钱七", "4. 钱七", 6),  # numbered from 赵六's copy
            msg("孙八", hike("张三", "李四", "王五", "赵六", "钱七", "孙八"), 8),
        ]
    )[0]
    assert texts(chain) == ["张三", "李四", "王五", "赵六", "钱七", "孙八"]
    assert [e.added_by for e in chain.entries][2:] == ["王五", "赵六", "钱七", "孙八"]
    assert chain.removed == [] and chain.conflicts == 1


def test_an_old_line_missing_from_a_late_copy_is_removed() -> None:
    # Hours later there is no race: the poster dropped 王五 and added themselves.
    chain = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("王五", hike("张三", "王五"), 5),
            msg("赵六", hike("张三", "赵六"), 300),
        ]
    )[0]
    assert texts(chain) == ["张三", "赵六"]
    assert [e.text for e in chain.removed] == ["王五"]
    assert chain.conflicts == 0


def test_two_chains_running_at_once() -> None:
    lunch = "#接龙 明天午饭订餐"
    chains = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("甲", hike("甲 宫保鸡丁", title=lunch), 1),
            msg("李四", hike("张三", "李四"), 2),
            msg("乙", hike("甲 宫保鸡丁", "乙 鱼香肉丝", title=lunch), 3),
            msg("张三", hike("甲 宫保鸡丁", "乙 鱼香肉丝", "张三 麻婆豆腐", title=lunch), 4),
            msg("王五", hike("张三", "李四", "王五"), 5),
        ]
    )
    assert [c.title for c in chains] == ["#接龙 周六香山爬山", "#接龙 明天午饭订餐"]
    assert texts(chains[0]) == ["张三", "李四", "王五"]
    assert texts(chains[1]) == ["甲 宫保鸡丁", "乙 鱼香肉丝", "张三 麻婆豆腐"]
    assert chains[1].entries[2].added_by == "张三"


def test_same_title_next_week_is_a_new_chain() -> None:
    week = 7 * 24 * 60
    chains = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", hike("张三", "李四"), 1),
            msg("王五", hike("张三", "李四", "王五"), 2),
            msg("张三", hike("张三"), week),
            msg("赵六", hike("张三", "赵六"), week + 1),
        ]
    )
    assert len(chains) == 2
    assert texts(chains[0]) == ["张三", "李四", "王五"]
    assert texts(chains[1]) == ["张三", "赵六"]
    assert chains[1].removed == []


def test_a_chain_whose_title_was_edited_is_followed() -> None:
    chains = find_chains(
        [
            msg("张三", hike("张三", "李四"), 0),
            msg(
                "王五", hike("张三", "李四", "王五", title="#接龙\n周六香山爬山（改到9点集合）"), 10
            ),
        ]
    )
    assert len(chains) == 1
    assert chains[0].title == "#接龙 周六香山爬山（改到9点集合）"
    assert texts(chains[0]) == ["张三", "李四", "王五"]


def test_an_unmarked_list_becomes_a_chain_only_when_it_grows() -> None:
    tracker = JielongTracker()
    first = msg("张三", "周五聚餐报名\n1. 张三", 0)
    assert tracker.feed(first) is None
    assert tracker.feed(msg("路人", "三点建议\n1. 先写大纲\n2. 再动笔", 1)) is None
    chain = tracker.feed(msg("李四", "周五聚餐报名\n1. 张三\n2. 李四", 2))
    assert chain is not None and texts(chain) == ["张三", "李四"]
    assert chain.entries[0].added_by == "张三" and chain.first_message_id == first.message_id
    assert len(tracker.chains) == 1


def test_an_unchanged_repeat_of_a_plain_list_is_not_a_chain() -> None:
    notice = "群规\n1. 禁止广告\n2. 友善交流"
    assert find_chains([msg("群主", notice, 0), msg("群主", notice, 60)]) == []


def test_a_lone_numbered_line_adds_to_the_latest_chain() -> None:
    chain = find_chains(
        [
            msg("张三", hike("张三", "李四"), 0),
            msg("王五", "3. 王五", 1),
            msg("赵六", "4、赵六 +1\n5、赵六家属", 2),
            msg("路人", "3. 不相干", 3),  # numbering does not fit: ignored
        ]
    )[0]
    assert texts(chain) == ["张三", "李四", "王五", "赵六 +1", "赵六家属"]
    assert [e.added_by for e in chain.entries][2:] == ["王五", "赵六", "赵六"]


def test_a_lone_line_a_day_later_is_not_taken() -> None:
    chain = find_chains([msg("张三", hike("张三"), 0), msg("王五", "2. 王五", 2 * 24 * 60)])[0]
    assert texts(chain) == ["张三"]


def test_duplicates_are_kept_and_reported() -> None:
    chain = find_chains(
        [
            msg("张三", hike("张三"), 0),
            msg("李四", hike("张三", "李四"), 1),
            msg("李四", hike("张三", "李四", "李四"), 2),  # pasted twice by mistake
        ]
    )[0]
    assert texts(chain) == ["张三", "李四", "李四"]
    assert chain.duplicates() == ["李四"]


def test_numbered_notes_moving_into_the_description_are_not_removals() -> None:
    chain = find_chains(
        [
            msg("张三", "#接龙 读书会\n1. 时间：周日\n2. 地点：三楼", 0),
            msg("李四", "#接龙 读书会\n1. 时间：周日\n2. 地点：三楼\n\n1. 李四", 1),
            msg("王五", "#接龙 读书会\n1. 时间：周日\n2. 地点：三楼\n\n1. 李四\n2. 王五", 2),
        ]
    )[0]
    assert texts(chain) == ["李四", "王五"]
    assert chain.removed == []
    assert chain.description == ("1. 时间：周日", "2. 地点：三楼")


def test_a_messy_group_purchase_chain() -> None:
    title = "#接龙 今日鲜果团购\n车厘子 2斤装 88元，下午5点前"
    chains = find_chains(
        [
            msg("团长", f"{title}\n\n1. 3栋 张姐 2份", 0),
            msg("李", f"{title}\n\n1. 3栋 张姐 2份\n2. 5-201 李 1份", 2),
            msg("路人", "车厘子甜吗？", 3),
            msg("王", f"{title}\n\n１．3栋 张姐 2份\n２．5-201 李 1份\n３．7栋王 3份", 4),
            msg("李", f"{title}\n\n1. 3栋 张姐 2份\n2. 5-201 李 2份\n3. 7栋王 3份", 40),
            msg("赵", f"{title}\n\n1、3栋 张姐 2份\n2、5-201 李 2份\n3、7栋王 3份\n4、赵 1份", 41),
        ]
    )
    assert len(chains) == 1
    chain = chains[0]
    assert texts(chain) == ["3栋 张姐 2份", "5-201 李 2份", "7栋王 3份", "赵 1份"]
    assert [e.added_by for e in chain.entries] == ["团长", "李", "王", "赵"]
    assert chain.entries[1].edited_by_name == "李"
    assert chain.description == ("车厘子 2斤装 88元，下午5点前",)


# --- export -----------------------------------------------------------------------


def test_export_rows_in_the_community_zone() -> None:
    chain = find_chains(
        [msg("张三", hike("张三"), 0), msg("李四", hike("张三", "李四 +1"), 14 * 60 + 5)]
    )[0]
    assert export_rows(chain, "Asia/Shanghai") == [
        (1, "张三", "张三", "2026-03-06 10:00"),
        (2, "李四 +1", "李四", "2026-03-07 00:05"),  # past midnight in Beijing
    ]
    assert export_rows(chain, "UTC")[1][3] == "2026-03-06 16:05"


def test_csv_cells_cannot_become_formulas() -> None:
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("+1") == "'+1"
    assert safe_cell("@张三") == "'@张三"
    assert safe_cell("张三 +1") == "张三 +1"
    assert safe_cell("") == ""


def test_a_neighbour_replacing_a_line_is_not_an_edit() -> None:
    title = "#接龙 今日鲜果团购"
    chain = find_chains(
        [
            msg("张姐", f"{title}\n1. 3栋 张姐 2份", 0),
            msg("王", f"{title}\n1. 3栋 张姐 2份\n2. 5栋 王 1份", 1),
            msg("李", f"{title}\n1. 3栋 李 1份\n2. 5栋 王 1份", 120),  # pasted over 张姐
        ]
    )[0]
    assert [(e.text, e.added_by) for e in chain.entries] == [
        ("3栋 李 1份", "李"),
        ("5栋 王 1份", "王"),
    ]
    assert [(e.text, e.removed_by_name) for e in chain.removed] == [("3栋 张姐 2份", "李")]


# --- real chats -------------------------------------------------------------------

IRC_LINE = re.compile(r"^\[(\d\d):(\d\d)\] <([^>]+)> (.*)$")


def irc_messages(folder: Path) -> list[ChainMessage]:
    """The #ubuntu IRC logs as messages, one second apart in file order."""
    out: list[ChainMessage] = []
    for path in sorted(folder.glob("*.raw.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if match := IRC_LINE.match(line):
                at = T0 + timedelta(seconds=len(out))
                out.append(ChainMessage(str(len(out)), match[3], match[3], at, match[4]))
    return out


@pytest.mark.realdata
def test_real_chats_with_numbered_lines_hold_no_chains(real_data: Path) -> None:
    messages = irc_messages(real_data / "irc-ubuntu" / "dev")
    assert len(messages) > 5000
    assert any(re.match(r"\s*\d+[.)、 ]", m.text) for m in messages)  # numbered lines occur
    assert find_chains(messages) == []
