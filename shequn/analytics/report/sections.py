"""Report sections beyond the group's health: growth, funnel, matching, and whatever comes next.

Each part of shequn that has something to say in a group's report registers a
builder here by dotted path, imported on first use (so the report does not load
what it does not show, and a part may live anywhere below the web layer). A
builder returns a :class:`Section` for the group and window, or ``None`` when it
has nothing to say (e.g. no orders at all). The HTML report draws each section
as a table; the JSON report carries its ``data``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

from shequn.analytics.frames import Window

log = logging.getLogger(__name__)

# "module:function" of every section builder, in the order the report shows them.
SECTIONS: list[str] = [
    "shequn.playbook.matching_report:build",
    "shequn.analytics.funnel_section:build",
    "shequn.analytics.growth.section:build",
]


@dataclass(frozen=True)
class Section:
    """One titled table in a report, in both languages, with its numbers as plain data.

    ``columns`` and ``title``/``note`` are (zh-Hans, en) pairs; ``rows`` hold plain
    values (untrusted text is escaped when drawn); ``data`` is what the JSON
    report and the API give for the section.
    """

    key: str
    title: tuple[str, str]
    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    data: dict[str, Any] = field(default_factory=dict)
    note: tuple[str, str] | None = None

    def shown(self, lang: str) -> dict[str, Any]:
        """The section in ``lang`` as the report template reads it."""
        pick = 1 if lang == "en" else 0
        return {
            "key": self.key,
            "title": self.title[pick],
            "columns": [c[pick] for c in self.columns],
            "rows": self.rows,
            "note": self.note[pick] if self.note else "",
        }


class Builder(Protocol):
    def __call__(self, group_id: int, window: Window) -> Section | None: ...


def _builder(dotted: str) -> Builder:
    module, _, name = dotted.partition(":")
    built: Builder = getattr(import_module(module), name)
    return built


def build_sections(group_id: int, window: Window) -> list[Section]:
    """Every registered section for the group; a builder that fails is logged and left out.

    Why not fail the report: the health report is the page operators rely on, and
    one part's bug should cost its own section only.
    """
    sections = []
    for dotted in SECTIONS:
        try:
            section = _builder(dotted)(group_id, window)
        except Exception:
            log.exception("report section %s failed for group %s", dotted, group_id)
            continue
        if section is not None:
            sections.append(section)
    return sections
