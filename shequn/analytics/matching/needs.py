"""Every stated need against every profile at once, in polars.

Needs are first reduced to distinct term sets (members often state the same
need in the same words: 融资, 找客户), each scored once by joining its terms
with the profiles' BM25 postings; only the best ``pool`` members per term set
are kept (a partial top-k, no full sort), then handed back to each holder,
with the holder themself and already-tied pairs left out.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from shequn.analytics.matching.tokens import terms

SPARE = 8  # kept beyond ``pool`` per term set: room for the holder and their ties


def distinct_queries(needs: Mapping[int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(holders: need_id, query; queries: query, term) for needs with any terms."""
    keys: dict[tuple[str, ...], int] = {}
    holders: list[tuple[int, int]] = []
    for need_id, text in needs.items():
        key = tuple(sorted(set(terms(text or ""))))
        if key:
            holders.append((need_id, keys.setdefault(key, len(keys))))
    rows = [(query, term) for key, query in keys.items() for term in key]
    return (
        pl.DataFrame(holders, schema={"need_id": pl.Int64, "query": pl.Int64}, orient="row"),
        pl.DataFrame(rows, schema={"query": pl.Int64, "term": pl.String}, orient="row"),
    )


def best_pairs(
    postings: pl.DataFrame,
    holders: pl.DataFrame,
    queries: pl.DataFrame,
    pool: int,
    tied: set[tuple[int, int]],
) -> pl.DataFrame:
    """need_id, person_id, score: up to ``pool`` members per need, holder and ties left out."""
    best = (
        queries.join(postings, on="term")
        .group_by("query", "person_id")
        .agg(pl.col("weight").sum().alias("score"))
        .group_by("query")
        .agg(pl.struct("person_id", "score").top_k_by("score", pool + SPARE).alias("top"))
        .explode("top")
        .unnest("top")
    )
    pairs = holders.join(best, on="query").filter(pl.col("need_id") != pl.col("person_id"))
    if tied:
        ties = pl.DataFrame(sorted(tied), schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
        pairs = pairs.with_columns(
            a=pl.min_horizontal("need_id", "person_id"), b=pl.max_horizontal("need_id", "person_id")
        ).join(ties, on=["a", "b"], how="anti")
    return pairs.select("need_id", "person_id", "score")


def prefer_new_ties(
    pairs: pl.DataFrame, memberships: pl.DataFrame, boost: float, limit: int
) -> pl.DataFrame:
    """The best ``limit`` per need after pairs sharing no group score ``boost`` times more.

    ``memberships``: person_id, group_id (current stays).
    """
    shared = (
        pairs.select("need_id", "person_id")
        .join(memberships.rename({"person_id": "need_id"}), on="need_id")
        .join(memberships, on=["person_id", "group_id"], how="semi")
        .select("need_id", "person_id")
        .unique()
        .with_columns(pl.lit(True).alias("shared"))
    )
    scored = pairs.join(shared, on=["need_id", "person_id"], how="left").with_columns(
        pl.when(pl.col("shared").is_null())
        .then(pl.col("score") * boost)
        .otherwise(pl.col("score"))
        .alias("score")
    )
    return (
        scored.sort(["need_id", "score", "person_id"], descending=[False, True, False])
        .group_by("need_id", maintain_order=True)
        .head(limit)
        .select("need_id", "person_id", "score")
    )
