"""The growth section of a group's report: its joins by channel, and its best and worst inviters.

Registered in ``analytics.report.sections.SECTIONS``. Counts the joins into the
group within the report's window, with their outcomes as of the window's end;
scores are the fission quality score (``growth.quality``). No joins in the
window, no section.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from shequn.analytics.frames import Window
from shequn.analytics.growth.load import read_growth
from shequn.analytics.growth.outcomes import stay_outcomes
from shequn.analytics.growth.summary import summarise
from shequn.analytics.report.sections import Section

TOP = 5
CHANNELS = {
    "invite": "邀请 / invited",
    "link": "链接 / invite link",
    "qr": "二维码 / QR code",
    "added": "拉入 / added",
    "request": "申请 / request",
    "unknown": "未知 / unknown",
}
COLUMNS = [
    ("渠道或邀请人", "Channel or inviter"),
    ("入群", "Joins"),
    ("留存7天", "Stayed 7 days"),
    ("发言", "Spoke"),
    ("广告", "Advertisers"),
    ("质量分", "Quality score"),
]


def _line(label: str, row: dict[str, Any]) -> list[Any]:
    stayed = f"{row['stayed7']}/{row['eligible7']}"
    return [label, row["invitees"], stayed, row["spoke"], row["advertised"], row["score"]]


def build(group_id: int, window: Window) -> Section | None:
    """The group's growth section for ``window`` (see the module doc)."""
    from shequn.community.models import Group

    community_id = Group.objects.values_list("community_id", flat=True).get(pk=group_id)
    frames = read_growth(community_id, window.until)
    start = pl.col("joined_at")
    joined = stay_outcomes(frames).filter(
        (pl.col("group_id") == group_id)
        & (start >= pl.lit(window.since, dtype=pl.Datetime("us", "UTC")))
        & (start < pl.lit(window.until, dtype=pl.Datetime("us", "UTC")))
    )
    if joined.is_empty():
        return None
    growth = summarise(frames, joined)
    inviters = growth.inviters[:TOP]
    worst = [r for r in growth.inviters[TOP:][-TOP:] if r["score"] < 0]
    rows = [_line(CHANNELS.get(r["join_how"], r["join_how"]), r) for r in growth.channels]
    rows += [_line(f"#{r['number']} {r['name']}", r) for r in [*inviters, *worst]]
    return Section(
        key="growth",
        title=("裂变与入群渠道", "Growth: joins and inviters"),
        columns=COLUMNS,
        rows=rows,
        data={
            "joins": growth.joins,
            "channels": growth.channels,
            "inviters": inviters,
            "worst_inviters": worst,
        },
        note=(
            "质量分 = 100 ×（好结果 − 1.5 × 广告者占比 − 0.5 × 一天内退群占比）；"
            "好结果：留存7天 0.2、留存30天 0.2、发言 0.3、打卡 0.1、购买 0.2。",
            "Quality score = 100 × (good − 1.5 × advertiser share − 0.5 × share gone within a "
            "day); good: stayed 7 days 0.2, 30 days 0.2, spoke 0.3, checked in 0.1, bought 0.2.",
        ),
    )
