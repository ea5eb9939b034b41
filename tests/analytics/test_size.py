"""Size: Dunbar bands, groups needed at 150, and the split by segment (answers by hand)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from shequn.analytics.metrics.size import band, pack, size
from tests.analytics.build import T0, frames, member, person


def group(kind: str = "social") -> list[dict[str, Any]]:
    return [{"group_id": 1, "name": "群", "kind": kind, "platform": "test", "created_at": T0}]


def crowd(segments: dict[str, int], field: str = "industry", kind: str = "social") -> Any:
    """One member per person, ``segments`` giving how many people carry each value."""
    members, persons, pid = [], [], 0
    for value, count in segments.items():
        for _ in range(count):
            pid += 1
            members.append(member(pid))
            persons.append(person(pid, **{field: value}))
    return frames([], members, persons=persons, groups=group(kind))


def test_bands_at_their_edges() -> None:
    assert [band(n) for n in (0, 1, 50, 51, 150, 151, 300, 301)] == [
        "small",
        "small",
        "small",
        "medium",
        "medium",
        "large",
        "large",
        "crowd",
    ]


def test_a_crowd_splits_by_industry() -> None:
    # 170 + 100 + 40 + 10 blank = 320 members → crowd, ceil(320/150) = 3 groups.
    # 金融 170 > 150 is cut in two halves of 85; 教育 100 fits beside neither (185);
    # 科技 40 joins 金融 1/2 (125) and the 10 blanks too (135).
    result = size(crowd({"金融": 170, "教育": 100, "科技": 40, "": 10}))
    assert result.value == {"members": 320, "band": "crowd", "kind": "social", "groups_needed": 3}
    assert result.evidence["segment_field"] == "industry"
    assert result.evidence["split"] == [
        {"segment": "金融 1/2 + 科技 + (none)", "members": 135},
        {"segment": "金融 2/2", "members": 85},
        {"segment": "教育", "members": 100},
    ]
    assert "note" not in result.evidence
    json.dumps([result.value, result.evidence])


def test_city_when_no_industry() -> None:
    result = size(crowd({"上海": 100, "北京": 60}, field="city"))
    # 160 members: large, 2 groups; 上海 100 and 北京 60 do not fit together (160).
    assert result.value["band"] == "large" and result.value["groups_needed"] == 2
    assert result.evidence["segment_field"] == "city"
    assert result.evidence["split"] == [
        {"segment": "上海", "members": 100},
        {"segment": "北京", "members": 60},
    ]


def test_no_split_within_150() -> None:
    result = size(crowd({"金融": 80, "教育": 40}))
    assert result.value["band"] == "medium" and result.value["groups_needed"] == 1
    assert result.evidence["split"] == [] and result.evidence["segment_field"] == "industry"


def test_no_segment_field_means_no_split() -> None:
    result = size(crowd({"": 200}))
    assert result.value["groups_needed"] == 2
    assert result.evidence == {"split": [], "segment_field": None, "limit": 150}


def test_student_and_paid_groups_note_the_limit() -> None:
    for kind in ("student", "paid"):
        result = size(crowd({"": 160}, kind=kind))
        assert result.value["kind"] == kind and result.value["groups_needed"] == 2
        assert "150" in result.evidence["note"]


def test_only_current_humans_count() -> None:
    members = [
        member(1),
        member(2, is_bot=True),
        member(3, T0 - timedelta(days=9), left_at=T0 - timedelta(days=1)),
        member(4, group_id=2),  # another group
    ]
    assert size(frames([], members)).value["members"] == 1


def test_pack_cuts_evenly() -> None:
    assert pack([("A", 400)], 150) == [
        {"segment": "A 1/3", "members": 134},
        {"segment": "A 2/3", "members": 133},
        {"segment": "A 3/3", "members": 133},
    ]
    assert pack([], 150) == []


def test_empty_and_one() -> None:
    empty = size(frames([], []))
    assert empty.value == {"members": 0, "band": "small", "kind": "social", "groups_needed": 0}
    one = size(frames([], [member(1)]))
    assert one.value["members"] == 1 and one.value["groups_needed"] == 1
    other = [{**group()[0], "group_id": 2}]  # the groups frame lacks this group
    assert size(frames([], [member(1)], groups=other)).value["kind"] is None
