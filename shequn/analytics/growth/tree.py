"""The referral tree (推荐树) of a community: who brought whom into it, and how deep.

A person's parent is whoever brought them into the community: the inviter of
their first stay (earliest join, in any group), if that stay names one. A
person whose first stay names nobody (a founder, a link or QR join without a
sharer, a first message with no join on record) is a root. Depth counts from
the roots (0). Bad data can make a loop (A's first stay invited by B and B's
by A at the same instant): people in it are reached from no root and keep
``depth`` null; they are counted, not guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

PARENTS = {"person_id": pl.Int64, "parent_id": pl.Int64}


def parents(stays: pl.DataFrame) -> pl.DataFrame:
    """person_id → parent_id (null for roots), from each person's first human stay."""
    humans = stays.filter(~pl.col("is_bot").fill_null(False))
    first = humans.sort("joined_at", "stay_id", nulls_last=True).unique(
        "person_id", keep="first", maintain_order=True
    )
    bots = stays.filter(pl.col("is_bot").fill_null(False))["person_id"].unique()
    inviter = pl.col("inviter_person_id")
    # Nobody brings themselves; a bot that "added" people is not their referrer either.
    mute = (inviter == pl.col("person_id")) | inviter.is_in(bots.implode())
    parent = pl.when(mute).then(None).otherwise(inviter)
    edges = first.select("person_id", parent.alias("parent_id")).cast(PARENTS)  # type: ignore[arg-type]
    # An inviter with no stay of their own (an invite code's owner outside every group) is a root.
    outside = (
        edges.select(pl.col("parent_id").alias("person_id"))
        .drop_nulls()
        .unique()
        .join(edges, on="person_id", how="anti")
        .with_columns(pl.lit(None, dtype=pl.Int64).alias("parent_id"))
    )
    return pl.concat([edges, outside])


def _depths(edges: pl.DataFrame) -> pl.DataFrame:
    """Breadth-first from the roots: person_id, depth (people in loops are left out)."""
    level = edges.filter(pl.col("parent_id").is_null()).select("person_id")
    found = [level.with_columns(pl.lit(0, dtype=pl.Int64).alias("depth"))]
    children = edges.filter(pl.col("parent_id").is_not_null())
    depth = 0
    while not level.is_empty():
        depth += 1
        level = children.join(level.rename({"person_id": "parent_id"}), on="parent_id").select(
            "person_id"
        )
        found.append(level.with_columns(pl.lit(depth, dtype=pl.Int64).alias("depth")))
    return pl.concat(found)


def _subtree_sizes(nodes: pl.DataFrame) -> pl.DataFrame:
    """Each reached person's subtree size (themselves and everyone below), deepest level first."""
    sizes = nodes.select("person_id", "parent_id", "depth", pl.lit(1, dtype=pl.Int64).alias("size"))
    deepest = nodes["depth"].max()
    if not isinstance(deepest, int):
        return sizes
    below = pl.DataFrame(schema={"person_id": pl.Int64, "below": pl.Int64})
    done = []
    for depth in range(deepest, -1, -1):
        level = sizes.filter(pl.col("depth") == depth).join(below, on="person_id", how="left")
        level = level.with_columns((pl.col("size") + pl.col("below").fill_null(0)).alias("size"))
        done.append(level.drop("below"))
        below = (
            level.filter(pl.col("parent_id").is_not_null())
            .group_by("parent_id")
            .agg(pl.col("size").sum().alias("below"))
            .rename({"parent_id": "person_id"})
        )
    return pl.concat(done)


@dataclass(frozen=True)
class Tree:
    """The tree's nodes and its headline figures."""

    nodes: pl.DataFrame  # person_id, parent_id, depth (null in a loop), size, invited
    people: int
    roots: int
    referred: int  # people with a parent
    max_depth: int
    in_loops: int


def referral_tree(stays: pl.DataFrame) -> Tree:
    """The community's referral tree from its stays (see the module doc)."""
    edges = parents(stays)
    reached = edges.join(_depths(edges), on="person_id", how="left")
    sized = _subtree_sizes(reached.filter(pl.col("depth").is_not_null()))
    invited = (
        edges.filter(pl.col("parent_id").is_not_null())
        .group_by("parent_id")
        .agg(pl.len().cast(pl.Int64).alias("invited"))
        .rename({"parent_id": "person_id"})
    )
    nodes = (
        reached.join(sized.select("person_id", "size"), on="person_id", how="left")
        .join(invited, on="person_id", how="left")
        .with_columns(pl.col("size").fill_null(1), pl.col("invited").fill_null(0))
    )
    deepest = nodes["depth"].max()
    return Tree(
        nodes=nodes,
        people=nodes.height,
        roots=nodes.filter(pl.col("parent_id").is_null()).height,
        referred=nodes.filter(pl.col("parent_id").is_not_null()).height,
        max_depth=deepest if isinstance(deepest, int) else 0,
        in_loops=nodes.filter(pl.col("depth").is_null()).height,
    )
