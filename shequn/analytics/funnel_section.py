"""The funnel's section of a group's report (registered in ``report.sections.SECTIONS``).

The funnel belongs to the group's community (free → trial → paid runs across
groups), so every group's report shows the same table: one row per cohort of
joiners, as of the end of the report's window. A community without a free
group has no funnel, and the report no such section.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics.frames import Window, read
from shequn.analytics.funnel_load import community_funnel
from shequn.analytics.report.sections import Section


def percent(rate: float | None) -> str:
    """A share as a whole percentage; "—" when nobody was counted."""
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _community_with_free_group(group_id: int) -> int | None:
    found = read(
        "SELECT g.community_id, "
        "(SELECT COUNT(*) FROM community_group f WHERE f.community_id = g.community_id "
        f"AND f.kind = 'free') AS free FROM community_group g WHERE g.id = {int(group_id)}"
    )
    if found.height == 0 or int(found[0, 1]) == 0:
        return None
    return int(found[0, 0])


def build(group_id: int, window: Window) -> Section | None:
    """The community's funnel by cohort, as of ``window.until``; None without a free group."""
    community_id = _community_with_free_group(group_id)
    if community_id is None:
        return None
    result = community_funnel(community_id, window.until)
    rows: list[list[Any]] = [
        [c["cohort"], c["joined"], c["free"], c["trial"], c["paid"], percent(c["paid_rate"])]
        for c in result.cohorts.iter_rows(named=True)
    ]
    t = result.totals
    seeds = result.seeds.height
    return Section(
        key="funnel",
        title=("转化漏斗（免费群 → 体验群 → 付费群）", "Funnel (free → trial → paid group)"),
        columns=[
            ("入群月份", "Cohort"),
            ("加入", "Joined"),
            ("免费群", "Free group"),
            ("体验", "Trial"),
            ("付费", "Paid"),
            ("免费→付费", "Free → paid"),
        ],
        rows=rows,
        data=result.as_dict(),
        note=(
            f"免费群 {t['free']} 人，体验 {t['trial']}，付费 {t['paid']}；"
            f"活跃且受信任、尚未被邀请进付费群的种子成员 {seeds} 人（先刷脸刷出信任度）。",
            f"{t['free']} in the free group, {t['trial']} reached trial, {t['paid']} paid; "
            f"{seeds} active, trusted members have not been offered the paid group yet.",
        ),
    )
