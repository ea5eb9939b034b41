"""Turn metrics into findings an operator acts on, in the method's own terms.

A finding names the seed principle it stands on, the evidence behind it, and
what to do, in Chinese and English. Rules are plain functions declared in
``RULES`` (see ``rules.py``); each looks at the metric results and the group's
kind and returns zero or more findings. A student group (学员群) is judged on
order and completion, not on ties, so several rules skip it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from shequn.analytics.metrics.base import Result

SEVERITY_ORDER = {"red": 0, "amber": 1, "green": 2, "info": 3}


@dataclass(frozen=True)
class Finding:
    """One thing the report says about a group, with its evidence and advice."""

    code: str
    severity: str  # red (act now), amber (watch), green (good), info
    principle: str  # the PLAYBOOK section it rests on
    title: dict[str, str]  # {"zh-hans": …, "en": …}
    advice: dict[str, str]
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self, lang: str) -> tuple[str, str]:
        """(title, advice) in ``lang``, falling back to Chinese."""
        return self.title.get(lang, self.title["zh-hans"]), self.advice.get(
            lang, self.advice["zh-hans"]
        )


Results = Mapping[str, Result]
Rule = Callable[[Results, str], list[Finding]]


def diagnose(results: Results, kind: str) -> list[Finding]:
    """All findings for a group of ``kind``, most severe first."""
    from shequn.analytics.rules import RULES

    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(results, kind))
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def verdict(findings: list[Finding]) -> str:
    """The group's traffic light: the most severe finding's colour (green when none)."""
    for colour in ("red", "amber"):
        if any(f.severity == colour for f in findings):
            return colour
    return "green"


def value(results: Results, metric: str, key: str, default: Any = None) -> Any:
    """A metric's headline figure, or ``default`` when the metric or key is missing."""
    result = results.get(metric)
    if result is None:
        return default
    found = result.value.get(key, default)
    return default if found is None else found


# Kinds judged as real communities (ties, talk); a student group is judged on order.
COMMUNITY_KINDS = {"social", "core", "resource", "free", "paid"}


def finding(
    code: str,
    severity: str,
    principle: str,
    zh: tuple[str, str],
    en: tuple[str, str],
    evidence: dict[str, object] | None = None,
) -> Finding:
    """A finding from its (title, advice) pairs in Chinese and in English."""
    return Finding(
        code=code,
        severity=severity,
        principle=principle,
        title={"zh-hans": zh[0], "en": en[0]},
        advice={"zh-hans": zh[1], "en": en[1]},
        evidence=evidence or {},
    )


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"
