"""The HTML report: one screen of verdict, then findings and charts.

The standalone file (``shequn report``) works offline: plotly's JavaScript comes
from the installed package and is inlined once, with the report's stylesheet and
chart script. The console shows the same report body (``render_body``) or the
same page with those three as static files (``render(..., assets=...)``), so that
its Content-Security-Policy can forbid inline script. Either way each chart's
figure is JSON in a ``<script type="application/json">`` block, and all text from
chats (names, messages) goes through the template engine's escaping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from plotly.offline import get_plotlyjs

from shequn.analytics.diagnosis import pct
from shequn.analytics.report import charts
from shequn.analytics.report.build import Report
from shequn.analytics.report.labels import LABELS, label

ENGINE = Engine(dirs=[str(Path(__file__).parent / "templates")], autoescape=True)
STATIC = Path(__file__).parent / "static" / "report"


@dataclass(frozen=True)
class Assets:
    """URLs of the report's stylesheet and scripts, when a server serves them as files."""

    css: str
    plotly: str
    charts: str


def figures(report: Report, lang: str) -> list[tuple[str, str]]:
    """The headline numbers shown under the verdict."""
    r = report.results

    def v(metric: str, key: str) -> Any:
        return r[metric].value.get(key) if metric in r else None

    mpd = v("activity", "messages_per_day")
    return [
        (label("members", lang), str(v("size", "members") or 0)),
        (label("messages_per_day", lang), "—" if mpd is None else f"{mpd:.1f}"),
        (label("active_share", lang), pct(v("activity", "active_share"))),
        (label("top5_share", lang), pct(v("concentration", "top5_share"))),
        (label("silent_share", lang), pct(v("lurkers", "silent_share"))),
        (label("tied_share", lang), pct(v("exit_test", "tied_share"))),
    ]


def _name(entry: dict[str, Any]) -> str:
    """What identifies an evidence entry for a reader: a name, a segment, or a time."""
    if entry.get("name") or entry.get("segment"):
        return str(entry.get("name") or entry.get("segment"))
    if entry.get("at"):
        return str(entry["at"])[:16].replace("T", " ")
    return str(entry.get("message_id") or "")


def evidence_lines(evidence: dict[str, Any], lang: str, limit: int = 8) -> list[str]:
    """Evidence as short readable lines: names where the evidence has them, else counts."""
    lines = []
    for raw_key, item in evidence.items():
        key = label(f"ev_{raw_key}", lang)
        if isinstance(item, list) and item and isinstance(item[0], dict):
            shown = "、".join(n for n in (_name(x) for x in item[:limit]) if n)
            more = f" …(+{len(item) - limit})" if len(item) > limit else ""
            lines.append(f"{key}: {shown}{more}")
        elif isinstance(item, list):
            lines.append(f"{key}: {len(item)}")
        elif isinstance(item, dict):
            lines.append(
                f"{key}: "
                + ", ".join(f"{label(k, lang)} {v}" for k, v in list(item.items())[:limit])
            )
        elif item not in (None, ""):
            lines.append(f"{key}: {item}")
    return lines


def context(report: Report, lang: str = "zh-hans") -> dict[str, Any]:
    """What the report's templates show, in ``lang``: verdict, figures, findings, charts."""
    findings = []
    for f in report.findings:
        title, advice = f.text(lang)
        findings.append(
            {
                "severity": f.severity,
                "severity_label": label(f.severity, lang),
                "title": title,
                "advice": advice,
                "principle": f.principle,
                "evidence": evidence_lines(f.evidence, lang),
            }
        )
    return {
        "lang": lang,
        "L": {k: (en if lang == "en" else zh) for k, (zh, en) in LABELS.items()},
        "group": report.group,
        "since": report.window.since.date().isoformat(),
        "until": report.window.until.date().isoformat(),
        "verdict": report.verdict,
        "verdict_label": label(report.verdict, lang),
        "top": findings[0] if findings else None,
        "findings": findings,
        "figures": figures(report, lang),
        "sections": [s.shown(lang) for s in report.sections],
        "charts": [
            {"id": f"report-figure-{n}", "figure": spec}
            for n, spec in enumerate(charts.specs(report, lang), start=1)
        ],
    }


def render_body(report: Report, lang: str = "zh-hans") -> str:
    """The report's sections (verdict, findings, charts): an HTML fragment, ``div.report``.

    A page showing it must load ``report/report.css``, plotly and ``report/charts.js``.
    """
    return ENGINE.get_template("_report_body.html").render(Context(context(report, lang)))


def render(report: Report, lang: str = "zh-hans", assets: Assets | None = None) -> str:
    """The whole report page as one HTML string.

    Without ``assets`` the page is self-contained (offline): stylesheet, plotly and the
    chart script are inlined. With them, the page links those files and has no inline
    script at all.
    """
    page = context(report, lang)
    page["assets"] = assets
    if assets is None:
        page["css"] = (STATIC / "report.css").read_text(encoding="utf-8")
        page["plotly"] = get_plotlyjs()
        page["charts_js"] = (STATIC / "charts.js").read_text(encoding="utf-8")
    return ENGINE.get_template("report.html").render(Context(page))
