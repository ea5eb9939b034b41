"""Size (PLAYBOOK §5): the group's Dunbar band, and a split by segment when it outgrows 150.

Seed 001: people keep about 150 stable ties (Dunbar). Under about 50 members a
group talks by itself on shared interests (semi-acquaintances); above 50 it needs
strong rules and activities; above 150 members can no longer know each other; and a
few hundred people chatting freely produce noise, not value (seed 003).

Bands: ``small`` ≤ 50, ``medium`` 51–150, ``large`` 151–300, ``crowd`` > 300.

``groups_needed`` is ceil(members / 150) for every kind. For ``student`` and
``paid`` groups, which are judged on order and completion rather than on ties, the
150 is not a tie limit but a service limit (how many one team can teach or serve);
the evidence says so in ``note``.

Split: decided here, the split packs segments into groups of at most 150 for every
kind, social included. Seed 001 asks a group above 50 for strong rules and
activities, not for a split; only above 150 does it stop working as one group. So
a split is suggested only when members exceed 150, and then it needs about
``groups_needed`` groups (a few more when segments do not pack evenly). Segments are
the archive's ``industry`` (people who can understand each other, seed 000 finance
case), or ``city`` when no member has an industry; members with the field empty
form the segment ``(none)``. A segment bigger than 150 is cut into equal parts;
smaller ones are packed largest first into the first group with room.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.base import Result, members_at

LIMIT = 150  # Dunbar: stable ties one person keeps
BANDS = ((50, "small"), (150, "medium"), (300, "large"))
SEGMENT_FIELDS = ("industry", "city")
NO_SEGMENT = "(none)"
SERVICE_KINDS = {
    "student": "student group: judged on order and completion; 150 is a teaching limit here",
    "paid": "paid group: judged on service; 150 is how many one team can serve well",
}


def band(members: int) -> str:
    """small ≤ 50 < medium ≤ 150 < large ≤ 300 < crowd."""
    return next((name for top, name in BANDS if members <= top), "crowd")


def _kind(frames: Frames) -> str | None:
    kinds = frames.groups.filter(pl.col("group_id") == frames.group_id)["kind"]
    return str(kinds[0]) if kinds.len() and kinds[0] is not None else None


def _segments(frames: Frames, people: pl.DataFrame) -> tuple[str | None, list[tuple[str, int]]]:
    """The archive field to split on and member counts per value, largest first."""
    archive = people.join(frames.persons.unique("person_id"), on="person_id", how="left")
    for name in SEGMENT_FIELDS:
        value = pl.col(name).cast(pl.String).str.strip_chars()
        labelled = archive.select(
            pl.when(value.is_null() | (value == "")).then(pl.lit(NO_SEGMENT)).otherwise(value)
        ).to_series()
        if (labelled != NO_SEGMENT).any():
            counts = labelled.value_counts(name="members").sort(
                ["members", labelled.name], descending=[True, False]
            )
            return name, [(str(s), int(c)) for s, c in counts.iter_rows()]
    return None, []


def pack(segments: list[tuple[str, int]], limit: int) -> list[dict[str, Any]]:
    """Groups of at most ``limit``: big segments cut evenly, small ones packed first-fit."""
    groups: list[tuple[list[str], int]] = []
    for label, count in sorted(segments, key=lambda s: (-s[1], s[0])):
        if count > limit:
            parts = math.ceil(count / limit)
            groups += [
                ([f"{label} {i + 1}/{parts}"], count // parts + (i < count % parts))
                for i in range(parts)
            ]
            continue
        room = next((g for g in groups if g[1] + count <= limit), None)
        if room is None:
            groups.append(([label], count))
        else:
            groups[groups.index(room)] = ([*room[0], label], room[1] + count)
    return [{"segment": " + ".join(labels), "members": n} for labels, n in groups]


def size(frames: Frames) -> Result:
    """Members now, their Dunbar band, groups needed at 150 each, and a split by segment."""
    people = members_at(frames, frames.window.until).select("person_id").unique()
    members = people.height
    kind = _kind(frames)
    field, segments = _segments(frames, people)
    split = pack(segments, LIMIT) if members > LIMIT and field else []
    evidence: dict[str, Any] = {"split": split, "segment_field": field, "limit": LIMIT}
    if kind in SERVICE_KINDS:
        evidence["note"] = SERVICE_KINDS[kind]
    return Result(
        "size",
        value={
            "members": members,
            "band": band(members),
            "kind": kind,
            "groups_needed": math.ceil(members / LIMIT),
        },
        evidence=evidence,
    )
