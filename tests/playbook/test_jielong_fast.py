"""The 接龙 recogniser's shortcuts decide as its full comparison does.

A repost that only adds lines skips the line-by-line comparison (``_extends``);
each line is parsed once and remembered. Random chat — appends, unchanged
reposts, edits in spacing, width or numbering, removed and reordered lines,
duplicates, racing copies, stale copies, bare numbered lines, two chains at once,
a list without 接龙 — must leave every chain in the same state with and without
the shortcut, and every post must change the same chain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.playbook import jielong
from shequn.playbook.jielong import ChainMessage, Entry, JielongTracker, _extends
from shequn.playbook.jielong_post import parse_post

T0 = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
TITLES = ("#接龙 周六爬山", "#接龙\n午饭订餐", "周日羽毛球")  # the last has no marker
NAMES = ("张三", "李四 +1", "王五", "Amy", "赵六 2人", "钱七", "孙八", "周九 +2", "吴十")
MEMBERS = ("u1", "u2", "u3", "u4")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _number(n: int, style: int) -> str:
    if style == 1:
        return f"{n}．".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if style == 2 and n <= len(CIRCLED):
        return CIRCLED[n - 1]
    return f"{n}、" if style == 3 else f"{n}. "


def _edited(line: str, how: int) -> str:
    """A line as a member retypes it: wider, spaced, extended, or someone else's."""
    if how == 0:
        return unicodedata.normalize("NFKC", line).translate({ord("A"): "Ａ", ord("m"): "ｍ"})
    if how == 1:
        return " ".join(line)
    if how == 2:
        return f"{line} +1"
    return NAMES[(NAMES.index(line) + 1) % len(NAMES)] if line in NAMES else "郑十一"


def _text(title: str, lines: list[str], style: int) -> str:
    body = [f"{_number(n, style)}{line}" for n, line in enumerate(lines, 1)]
    return "\n".join([title, "时间：周六 8:00", *body])


OP = st.tuples(
    st.sampled_from(
        ("add", "add", "add", "repost", "edit", "remove", "swap", "race", "stale", "bare", "dup")
    ),
    st.integers(0, len(TITLES) - 1),  # which chain
    st.integers(0, 40),  # a line, a name, a way to edit
    st.integers(0, 3),  # numbering style
    st.sampled_from((0.5, 3, 20, 45, 600, 800, 2000)),  # minutes since the message before
    st.sampled_from(MEMBERS),
)


def _chat(ops: list[tuple[str, int, int, int, float, str]]) -> list[ChainMessage]:
    """Messages of the chats ``ops`` describe, in time order."""
    lists: list[list[str]] = [[] for _ in TITLES]
    history: list[list[list[str]]] = [[] for _ in TITLES]
    messages: list[ChainMessage] = []
    at = T0
    for op, which, pick, style, minutes, who in ops:
        at += timedelta(minutes=minutes)
        lines, title = lists[which], TITLES[which]
        texts = _post(op, lines, history[which], pick, style, title)
        history[which].append(list(lines))
        for n, text in enumerate(texts):
            moment = at + timedelta(seconds=n)
            messages.append(ChainMessage(f"m{len(messages)}", who, who, moment, text))
            who = MEMBERS[(MEMBERS.index(who) + 1) % len(MEMBERS)]
    return messages


def _post(
    op: str, lines: list[str], history: list[list[str]], pick: int, style: int, title: str
) -> list[str]:
    """The texts one step posts (``lines`` changed in place to the chain's new list)."""
    name = NAMES[pick % len(NAMES)]
    at = pick % len(lines) if lines else 0
    if op == "add" or not lines:
        lines.append(name)
    elif op == "edit":
        lines[at] = _edited(lines[at], pick % 4)
    elif op == "remove":
        del lines[at]
    elif op == "swap":
        lines[at], lines[-1] = lines[-1], lines[at]
    elif op == "dup":
        lines.append(lines[at])
    elif op == "bare":
        lines.append(name)
        return [f"{_number(len(lines), style)}{name}"]
    elif op == "race":  # two members add to the same copy at once
        first, second = [*lines, name], [*lines, NAMES[(pick + 1) % len(NAMES)]]
        lines[:] = first + second[-1:]
        return [_text(title, first, style), _text(title, second, style)]
    elif op == "stale" and history:
        return [_text(title, [*history[pick % len(history)], name], style)]
    return [_text(title, lines, style)]


def _follow(messages: list[ChainMessage]) -> tuple[list[dict[str, Any]], list[int | None]]:
    """Every chain's state and, per message, the index of the chain it changed."""
    tracker = JielongTracker()
    changed = [tracker.feed(m) for m in messages]
    index = {id(c): n for n, c in enumerate(tracker.chains)}
    return [asdict(c) for c in tracker.chains], [
        None if c is None else index[id(c)] for c in changed
    ]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OP, min_size=1, max_size=40))
def test_the_shortcut_leaves_every_chain_as_the_full_comparison_does(
    ops: list[tuple[str, int, int, int, float, str]],
) -> None:
    messages = _chat(ops)
    fast = _follow(messages)
    with mock.patch.object(jielong, "_extends", lambda old, new: False):
        slow = _follow(messages)
    assert fast == slow


def _entries(*texts: str) -> list[Entry]:
    return [Entry(t, "u1", "u1", T0, f"m{n}") for n, t in enumerate(texts)]


def test_only_a_repost_that_keeps_every_line_in_place_takes_the_shortcut() -> None:
    old = _entries("张三", "李四 +1")
    assert _extends(old, ("张三", "李四 +1", "王五"))
    assert _extends(old, ("张 三", "李四＋１"))  # same lines in other spacing and width
    assert _extends([], ("张三",))
    assert not _extends(old, ("张三",))  # a line removed
    assert not _extends(old, ("李四 +1", "张三"))  # reordered
    assert not _extends(old, ("张三", "李四 +2", "王五"))  # edited


def test_the_shortcut_keeps_the_posters_spelling_as_the_full_comparison_does() -> None:
    tracker = JielongTracker()
    tracker.feed(ChainMessage("m0", "u1", "u1", T0, "#接龙 周六爬山\n1. 张三\n2. 李四"))
    again = "#接龙 周六爬山\n１．张 三\n２．李四\n３．王五"
    chain = tracker.feed(ChainMessage("m1", "u2", "u2", T0 + timedelta(minutes=1), again))
    assert chain is not None and chain.posts == 2
    assert [(e.text, e.added_by) for e in chain.entries] == [
        ("张 三", "u1"),
        ("李四", "u1"),
        ("王五", "u2"),
    ]


# --- one post: each line parsed once --------------------------------------------------

_ENTRY = re.compile(
    r"^\s*[(（]?(?:(?P<num>[0-9０-９]{1,3})"
    r"(?:\s*(?:[.:：,](?![0-9０-９])|[．，。、)）\]】])\s*|\s+)"
    r"|(?P<circled>[①-⒛])\s*)"
    r"(?P<text>\S.*?)\s*$"
)


def _reference_entries(text: str) -> tuple[str, ...] | None:
    """The numbered entries of the last run starting at 1, read line by line afresh."""
    found: list[tuple[int, str] | None] = []
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match is None:
            found.append(None)
            continue
        number = match.group("num")
        value = int(number) if number else int(unicodedata.numeric(match.group("circled")))
        found.append((value, match.group("text")))
    starts = [
        i
        for i, n in enumerate(found)
        if n is not None and n[0] == 1 and (i == 0 or found[i - 1] is None)
    ]
    if not starts:
        return None
    return tuple(n[1] for n in found[starts[-1] :] if n is not None)


LINE = st.one_of(
    st.sampled_from(("1. 张三", "2、李四", "１．王五", "① 赵六", "(3) 钱七", "标题", "", "  ")),
    st.text(alphabet="12３ .、①（)接龙张三 \t", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=12))
def test_a_post_is_parsed_as_line_by_line_afresh(lines: list[str]) -> None:
    text = "\n".join(lines)
    for _ in range(2):  # the second time, every line comes from what was remembered
        post = parse_post(text)
        assert (None if post is None else post.entries) == _reference_entries(text)
