"""The exit test (退群测试, PLAYBOOK §1): if this group vanished, would its members still be linked?

Over all pairs of members (humans in the group at the end of the window) a pair is
tied when, outside this group, it has at least one link dimension:

- archive links (``frames.links``, any dimension, from operators, surveys, meetups);
- ``co_member``: both are, at the end of the window, in the same other group of the
  community (a shared group only links people who are in it now);
- ``interaction``: sustained two-way interaction in this group's chat: A replied to
  or mentioned B, B replied to or mentioned A, and the two interacted (either way)
  on at least 2 distinct days, counted in the community's zone.

The same dimension from several sources counts once per pair. A pair's strength is
its number of distinct dimensions; ``strong_pairs`` have two or more.

Scale: co-membership can tie almost every pair (a 2,000-member group whose members
all share another group has two million tied pairs), so those pairs are never
listed. Each shared group is a bitset over the members (a Python int), each member's
co-members the union of their groups' bitsets, computed once per distinct set of
groups; pairs are counted by popcount. Only the sparse ties (archive links and
interaction, at most tens of thousands) are handled pair by pair, and a sparse pair
also shares a group when the other's bit is set. Connected sets come from a
union-find over person ids (each shared group acting as one extra node), so the
largest set that would survive costs one pass over stays and sparse pairs.

``largest_connected`` is the size of the largest set of at least two members linked
through ties; 0 when no pair is tied.
"""

from __future__ import annotations

import polars as pl

from shequn.analytics.frames import Frames
from shequn.analytics.metrics.base import Result, members_at, ratio
from shequn.analytics.metrics.structure import interactions

CO_MEMBER = "co_member"
INTERACTION = "interaction"
MIN_DAYS = 2


def _shared_groups(frames: Frames, people: pl.DataFrame) -> pl.DataFrame:
    """person_id, group_id: members' current stays in other groups holding ≥ 2 of them."""
    end = frames.window.until
    start = pl.coalesce("joined_at", "first_seen_at")
    stays = (
        frames.members.filter(
            (pl.col("group_id") != frames.group_id)
            & ~pl.col("is_bot").fill_null(False)
            & (start.is_null() | (start <= end))
            & (pl.col("left_at").is_null() | (pl.col("left_at") > end))
        )
        .select("person_id", "group_id")
        .unique()
        .join(people, on="person_id", how="semi")
    )
    shared = stays.group_by("group_id").len().filter(pl.col("len") >= 2)
    return stays.join(shared, on="group_id", how="semi")


def _shared_with(shared: pl.DataFrame, people: list[int]) -> tuple[int, dict[int, int]]:
    """Pairs sharing a group, and per member the bitset of members they share one with.

    Bit i stands for ``people[i]``; a group is the bitset of its members, and a member's
    bitset is the union over the groups they are in (themself included). Members with
    the same set of groups share one union, so the work is one OR per (signature,
    group) and one popcount per signature, never one step per pair.
    """
    position = {p: i for i, p in enumerate(people)}
    masks: dict[int, int] = {}
    for person, group in shared.select("person_id", "group_id").iter_rows():
        masks[group] = masks.get(group, 0) | (1 << position[person])
    signatures = (
        shared.group_by("person_id")
        .agg(pl.col("group_id").sort())
        .group_by("group_id")
        .agg(pl.col("person_id"))
    )
    reach: dict[int, int] = {}
    twice = 0  # every co-member pair is seen from both ends
    for groups, persons in signatures.iter_rows():
        union = 0
        for group in groups:
            union |= masks[group]
        twice += len(persons) * (union.bit_count() - 1)
        reach.update(dict.fromkeys(persons, union))
    return twice // 2, reach


def _interaction_pairs(frames: Frames, people: pl.DataFrame) -> pl.DataFrame:
    """a, b, dimension: members who turned to each other both ways on ≥ 2 distinct days."""
    edges = interactions(frames).join(people, left_on="actor", right_on="person_id", how="semi")
    edges = edges.join(people, left_on="target", right_on="person_id", how="semi")
    return (
        edges.select(
            a=pl.min_horizontal("actor", "target"),
            b=pl.max_horizontal("actor", "target"),
            forward=pl.col("actor") < pl.col("target"),
            day=pl.col("at").dt.convert_time_zone(frames.zone).dt.date(),
        )
        .group_by("a", "b")
        .agg(
            both=pl.col("forward").any() & (~pl.col("forward")).any(),
            days=pl.col("day").n_unique(),
        )
        .filter(pl.col("both") & (pl.col("days") >= MIN_DAYS))
        .select("a", "b", dimension=pl.lit(INTERACTION))
    )


def _sparse(frames: Frames, people: pl.DataFrame) -> pl.DataFrame:
    """a < b, dimension: archive links and interaction ties between members, deduplicated."""
    links = (
        frames.links.drop_nulls(["person_a", "person_b"])
        .select(
            a=pl.min_horizontal("person_a", "person_b"),
            b=pl.max_horizontal("person_a", "person_b"),
            dimension=pl.col("dimension").cast(pl.String),
        )
        .filter((pl.col("a") != pl.col("b")) & pl.col("dimension").is_not_null())
    )
    both = pl.concat([links, _interaction_pairs(frames, people)], how="vertical_relaxed")
    both = both.join(people, left_on="a", right_on="person_id", how="semi")
    return both.join(people, left_on="b", right_on="person_id", how="semi").unique()


def _sparse_pairs(sparse: pl.DataFrame, people: list[int], reach: dict[int, int]) -> pl.DataFrame:
    """Per sparse pair: its dimensions, whether it also shares a group, its dimension count."""
    position = {p: i for i, p in enumerate(people)}
    pairs = sparse.group_by("a", "b").agg(pl.col("dimension").unique().sort().alias("dimensions"))
    shares = [
        bool(reach.get(a, 0) >> position[b] & 1) for a, b in pairs.select("a", "b").iter_rows()
    ]
    return pairs.with_columns(shares=pl.Series(shares, dtype=pl.Boolean)).with_columns(
        n=pl.col("dimensions").list.len()
        + (pl.col("shares") & ~pl.col("dimensions").list.contains(CO_MEMBER)).cast(pl.Int64)
    )


def _dimensions(pairs: pl.DataFrame, co_pairs: int) -> dict[str, int]:
    """Tied pairs per dimension; co_member counts stays and archive co_member links together."""
    counts = pairs.select("dimensions", "shares").explode("dimensions")
    extra = counts.filter((pl.col("dimensions") != CO_MEMBER) | ~pl.col("shares"))
    out = {CO_MEMBER: 0, INTERACTION: 0}
    for dimension, n in extra.group_by("dimensions").len().iter_rows():
        out[dimension] = int(n)
    out[CO_MEMBER] += co_pairs
    return dict(sorted(out.items()))


def _largest(people: list[int], shared: pl.DataFrame, pairs: pl.DataFrame) -> list[int]:
    """The largest set of ≥ 2 members linked through ties (union-find over person ids)."""
    parent: dict[int, int] = {p: p for p in people}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    hubs: dict[int, int] = {}  # group_id → the first member seen in it
    links = [(hubs.setdefault(g, p), p) for p, g in shared.select("person_id", "group_id").rows()]
    for a, b in links + pairs.select("a", "b").rows():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    sets: dict[int, list[int]] = {}
    for p in people:
        sets.setdefault(find(p), []).append(p)
    best = max(sets.values(), key=lambda s: (len(s), -min(s)), default=[])
    return sorted(best) if len(best) >= 2 else []


def exit_test(frames: Frames) -> Result:
    """Share of member pairs tied outside the group, tie depth, and what survives without it."""
    people = members_at(frames, frames.window.until).select("person_id").unique().sort("person_id")
    n = people.height
    shared = _shared_groups(frames, people)
    members = people["person_id"].to_list()
    co_pairs, reach = _shared_with(shared, members)
    pairs = _sparse_pairs(_sparse(frames, people), members, reach)
    tied = co_pairs + int((~pairs["shares"]).sum())
    incidences = co_pairs + int((pairs["n"] - pairs["shares"].cast(pl.Int64)).sum())
    tied_people = (
        pl.concat([shared["person_id"], pairs["a"], pairs["b"]]).unique().alias("person_id")
    )
    untied = people.join(tied_people.to_frame(), on="person_id", how="anti")["person_id"]
    largest = _largest(members, shared, pairs)
    total = n * (n - 1) // 2
    return Result(
        "exit_test",
        value={
            "members": n,
            "pairs": total,
            "tied_pairs": tied,
            "tied_share": ratio(tied, total),
            "mean_dimensions": ratio(incidences, tied),
            "largest_connected": len(largest),
            "largest_connected_share": ratio(len(largest), n),
            "untied": untied.len(),
        },
        evidence={
            "untied": untied.to_list(),
            "dimensions": _dimensions(pairs, co_pairs),
            "largest": largest,
            "strong_pairs": int((pairs["n"] >= 2).sum()),
        },
    )
