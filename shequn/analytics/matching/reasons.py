"""Why a member was suggested, in Chinese and English, from the evidence that matched.

Read like an operator would say it: "王磊 offers 跨境电商物流; 3 answers on 清关 in
群A". The strongest kinds of evidence come first; at most three parts are shown.
"""

from __future__ import annotations

from collections import defaultdict

from shequn.analytics.matching.types import Evidence

_ORDER = ("offers", "answer", "tags", "thread", "intro", "industry", "city")
PARTS = 3


def explain(
    name: str,
    matched: list[tuple[Evidence, list[str]]],
    group_names: dict[int, str],
    answers_here: tuple[int, str] | None = None,
) -> tuple[str, str]:
    """(zh, en) reasons for ``name`` from ``matched`` evidence (routing: answers in the group)."""
    by_source: dict[str, list[tuple[Evidence, list[str]]]] = defaultdict(list)
    for ev, found in matched:
        by_source[ev.source].append((ev, found))
    zh: list[str] = []
    en: list[str] = []
    for source in _ORDER:
        if source in by_source and len(zh) < PARTS:
            part_zh, part_en = _part(source, by_source[source], group_names)
            zh.append(part_zh)
            en.append(part_en)
    if answers_here is not None and answers_here[0] and "answer" not in by_source:
        count, group = answers_here
        zh.append(f"在{group}回答过 {count} 次")
        en.append(f"{count} answers in {group}")
    if not zh:
        return f"{name} 近期在群里活跃", f"{name} is active in the group lately"
    return f"{name} " + "；".join(zh), f"{name} " + "; ".join(en)


def _part(
    source: str, items: list[tuple[Evidence, list[str]]], group_names: dict[int, str]
) -> tuple[str, str]:
    first, words = items[0]
    if source in ("answer", "thread"):
        return _messages(source, items, group_names)
    if source == "tags":
        text = "、".join(dict.fromkeys(ev.text for ev, _found in items[:3]))
    elif source == "intro":
        text = "、".join(words[:3])
    else:
        text = first.text
    zh = {
        "offers": f"拥有资源：{text}",
        "tags": f"标签：{text}",
        "intro": f"自我介绍提到 {text}",
        "industry": f"行业：{text}",
        "city": f"城市：{text}",
    }[source]
    en = {
        "offers": f"offers {text}",
        "tags": f"tagged {text}",
        "intro": f"introduction mentions {text}",
        "industry": f"works in {text}",
        "city": f"based in {text}",
    }[source]
    return zh, en


def _messages(
    source: str, items: list[tuple[Evidence, list[str]]], group_names: dict[int, str]
) -> tuple[str, str]:
    """ "3 answers on 清关 in 群A": the group with most matching messages, the top term."""
    per_group: dict[int | None, int] = defaultdict(int)
    for ev, _found in items:
        per_group[ev.group_id] += 1
    group_id = max(per_group, key=lambda g: per_group[g])
    count = per_group[group_id]
    term = items[0][1][0]
    where = group_names.get(group_id, "") if group_id is not None else ""
    if source == "answer":
        zh = f"在{where}回答过 {count} 次 {term} 相关问题"
        en = f"{count} answer{'s' if count > 1 else ''} on {term}" + (
            f" in {where}" if where else ""
        )
    else:
        zh = f"在{where}发起过 {count} 个 {term} 话题"
        en = f"started {count} thread{'s' if count > 1 else ''} on {term}" + (
            f" in {where}" if where else ""
        )
    return zh, en
