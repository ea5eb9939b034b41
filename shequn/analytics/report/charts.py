"""Plotly figures for a report, as JSON-ready dicts (data, layout, config).

Pages carry each figure in a ``<script type="application/json">`` block that
``static/report/charts.js`` hands to plotly, so no chart is ever inline script.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from shequn.analytics.report.build import Report
from shequn.analytics.report.labels import label

GREEN, AMBER, GREY = "#0b6e4f", "#d98c00", "#98a2b3"
CONFIG = {"displaylogo": False, "responsive": True}


def _spec(fig: go.Figure) -> dict[str, Any]:
    """The figure styled for the report, as plain JSON data with plotly's config."""
    fig.update_layout(
        height=300,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        template="plotly_white",
        font={"family": "PingFang SC, Microsoft YaHei, WenQuanYi Zen Hei, sans-serif"},
        legend={"orientation": "h", "y": -0.2},
    )
    # plotly's own encoder turns dates and arrays into JSON; the result is plain data.
    spec: dict[str, Any] = json.loads(fig.to_json(validate=False))
    spec["config"] = CONFIG
    return spec


def activity(report: Report, lang: str) -> go.Figure | None:
    s = report.results["activity"].series
    if not s.get("days"):
        return None
    fig = go.Figure()
    fig.add_bar(x=s["days"], y=s["messages"], name=label("messages", lang), marker_color=GREY)
    fig.add_scatter(
        x=s["days"], y=s["active"], name=label("active", lang), yaxis="y2", line={"color": GREEN}
    )
    fig.update_layout(
        title=label("activity_chart", lang), yaxis2={"overlaying": "y", "side": "right"}
    )
    return fig


def concentration(report: Report, lang: str) -> go.Figure | None:
    s = report.results["concentration"].series
    if not s.get("lorenz_x"):
        return None
    fig = go.Figure()
    fig.add_scatter(
        x=s["lorenz_x"], y=s["lorenz_y"], name=label("lorenz", lang), line={"color": AMBER}
    )
    fig.add_scatter(
        x=[0, 1], y=[0, 1], name=label("equal", lang), line={"dash": "dot", "color": GREY}
    )
    fig.update_layout(title=label("concentration_chart", lang))
    return fig


def funnel(report: Report, lang: str) -> go.Figure | None:
    v = report.results["newcomers"].value
    if not v.get("newcomers"):
        return None
    steps = ["newcomers", "spoke", "replied", "introduced"]
    fig = go.Figure(
        go.Funnel(
            y=[label(k, lang) for k in steps],
            x=[v.get(k) or 0 for k in steps],
            marker={"color": GREEN},
        )
    )
    fig.update_layout(title=label("funnel_chart", lang))
    return fig


def ties(report: Report, lang: str) -> go.Figure | None:
    r = report.results["exit_test"]
    dims = r.evidence.get("dimensions") or {}
    if not r.value.get("members"):
        return None
    fig = go.Figure()
    fig.add_bar(
        x=[label(d, lang) for d in dims],
        y=list(dims.values()),
        marker_color=GREEN,
        name=label("pairs", lang),
    )
    fig.update_layout(title=label("ties_chart", lang))
    return fig


def tiers(report: Report, lang: str) -> go.Figure | None:
    v = report.results["structure"].value
    if not v.get("members"):
        return None
    names = ["big", "mid", "ordinary"]
    fig = go.Figure()
    fig.add_bar(
        x=[label(n, lang) for n in names],
        y=[(v["tier_share"].get(n) or 0) for n in names],
        name=label("actual", lang),
        marker_color=GREEN,
    )
    fig.add_bar(
        x=[label(n, lang) for n in names],
        y=[v["target"][n] for n in names],
        name=label("target", lang),
        marker_color=GREY,
    )
    fig.update_layout(title=label("tiers_chart", lang), yaxis={"tickformat": ".0%"})
    return fig


def activation(report: Report, lang: str) -> go.Figure | None:
    s = report.results["lifecycle"].series
    if not s.get("weeks"):
        return None
    fig = go.Figure()
    fig.add_bar(
        x=s["weeks"], y=s["weekly_messages"], name=label("messages", lang), marker_color=GREY
    )
    fig.add_scatter(
        x=s["weeks"],
        y=s["weekly_active"],
        name=label("active", lang),
        yaxis="y2",
        line={"color": GREEN},
    )
    fig.update_layout(
        title=label("weekly_chart", lang), yaxis2={"overlaying": "y", "side": "right"}
    )
    return fig


CHARTS: list[Callable[[Report, str], go.Figure | None]] = [
    activity,
    activation,
    concentration,
    funnel,
    tiers,
    ties,
]


def specs(report: Report, lang: str) -> list[dict[str, Any]]:
    """Every chart that has data, as figure dicts (``data``, ``layout``, ``config``)."""
    out = []
    for chart in CHARTS:
        fig = chart(report, lang)
        if fig is not None:
            out.append(_spec(fig))
    return out
