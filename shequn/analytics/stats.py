"""The metrics a report computes, declared as a list: (name, function)."""

from __future__ import annotations

from shequn.analytics.metrics.activity import activity
from shequn.analytics.metrics.base import Metric
from shequn.analytics.metrics.exit_test import exit_test
from shequn.analytics.metrics.flow import flow
from shequn.analytics.metrics.lifecycle import lifecycle
from shequn.analytics.metrics.load import load
from shequn.analytics.metrics.newcomers import newcomers
from shequn.analytics.metrics.quality import quality
from shequn.analytics.metrics.size import size
from shequn.analytics.metrics.speakers import concentration, lurkers
from shequn.analytics.metrics.structure import structure

STATS: list[tuple[str, Metric]] = [
    ("size", size),
    ("activity", activity),
    ("lurkers", lurkers),
    ("concentration", concentration),
    ("newcomers", newcomers),
    ("load", load),
    ("structure", structure),
    ("exit_test", exit_test),
    ("lifecycle", lifecycle),
    ("quality", quality),
    ("flow", flow),
]
