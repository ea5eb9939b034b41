"""The referral tree as a plotly sunburst, as JSON data for ``report/charts.js``.

Rings are depths: the roots in the middle, the people they brought around
them, and so on; a sector's size is the number of people in that subtree.
A large community's tree is cut to its LIMIT biggest subtrees (a parent's
subtree is always bigger than any of its children's, so sorting by size never
keeps a child without its parent). Labels are escaped: plotly reads a few
HTML tags in text, and nicknames are untrusted.
"""

from __future__ import annotations

import html
import json
from typing import Any

import plotly.graph_objects as go
import polars as pl

from shequn.analytics.growth.summary import Growth

LIMIT = 400
CONFIG = {"displaylogo": False, "responsive": True}


def _label(person_id: int, names: dict[int, tuple[int, str]]) -> str:
    number, name = names.get(person_id, (0, ""))
    return html.escape(f"#{number} {name}" if number else str(person_id))


def tree_figure(growth: Growth, title: str, limit: int = LIMIT) -> dict[str, Any] | None:
    """The sunburst's figure (data, layout, config), or None when nobody brought anyone."""
    nodes = growth.tree.nodes.filter(
        pl.col("depth").is_not_null() & ((pl.col("size") > 1) | pl.col("parent_id").is_not_null())
    )
    if nodes.is_empty():
        return None
    kept = nodes.sort(["size", "depth", "person_id"], descending=[True, False, False]).head(limit)
    ids = kept["person_id"].to_list()
    parents = ["" if p is None else str(p) for p in kept["parent_id"].to_list()]
    fig = go.Figure(
        go.Sunburst(
            ids=[str(i) for i in ids],
            labels=[_label(i, growth.names) for i in ids],
            parents=parents,
            values=kept["size"].to_list(),
            branchvalues="total",
            maxdepth=4,
            insidetextorientation="radial",
        )
    )
    fig.update_layout(
        title=title,
        height=520,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": "PingFang SC, Microsoft YaHei, WenQuanYi Zen Hei, sans-serif"},
    )
    spec: dict[str, Any] = json.loads(fig.to_json(validate=False))
    spec["config"] = CONFIG
    return spec
