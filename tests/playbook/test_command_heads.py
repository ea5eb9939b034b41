"""``is_command`` tells most messages from their first character; it must answer as the
whole comparison does (the first word of the normalised text, an ``@bot`` suffix dropped)."""

from __future__ import annotations

import itertools
import re
import unicodedata

from shequn.playbook.essence import is_command

COMMANDS = [
    ["/精华", "设为精华", "/essence"],
    ["报名", "/join", "Sign"],
    ["取消报名", "/leave", "ß-start", "Ｋ"],
]
HEADS = [
    "", " ", "　", "/", "／", "报", "报名", "设为精华", "取消", "S", "s", "ß", "SS", "K", "Ｋ", "k",
    "e\u0301", "é", "1", "１", "①", "/ESSENCE", "/essence@bot", "/JOIN", "\u200b报名", "😀",
    "ｓｉｇｎ", "sign", "Sign.", "精华", "/精华帖", "\t/leave",
]  # fmt: skip
TAILS = ["", " ", " 写得好", "帖", "@shequn_bot", "\n第二行", "x", "\u0301", " ok"]


def reference(text: str, commands: list[str]) -> bool:
    """The comparison spelled out: no shortcut."""
    wanted = {unicodedata.normalize("NFKC", c).strip().casefold() for c in commands}
    said = unicodedata.normalize("NFKC", text).strip().casefold()
    first = said.split(maxsplit=1)[0] if said else ""
    bot = re.match(r"^(/\S+?)@\w+$", first)
    return (bot.group(1) if bot else first) in wanted


def test_the_first_character_shortcut_answers_as_the_whole_comparison() -> None:
    checked = 0
    for commands in COMMANDS:
        for head, tail in itertools.product(HEADS, TAILS):
            text = head + tail
            assert is_command(text, commands) == reference(text, commands), (text, commands)
            checked += 1
    assert checked == len(COMMANDS) * len(HEADS) * len(TAILS)


def test_a_command_list_changed_after_use_is_compared_as_it_is_now() -> None:
    commands = ["/精华"]
    assert not is_command("设为精华", commands)
    commands.append("设为精华")  # the same list object, asked about again
    assert is_command("设为精华", commands)
    assert is_command("设为精华", ("设为精华",)) and not is_command("/精华", ("设为精华",))
