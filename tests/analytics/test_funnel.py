"""The free → trial → paid funnel on a hand-built community whose numbers are worked out below.

Groups: 1 free, 2 trial, 3 paid, 4 social. "Now" is 2026-06-01 00:00 UTC; zone Shanghai.

| person | tier | first join | free (inviter) | trial | paid | msgs before paying |
|---|---|---|---|---|---|---|
| 1 | big | 01-10 free | 01-10 (-) | 01-20 | 02-01 paid group | 12 (+5 after) |
| 2 | mid | 01-15 free | 01-15 (1) | 02-10 | - | 3 |
| 3 | ordinary | 01-31 20:00 UTC = 02-01 Shanghai | same (1) | - | 03-01 course order | 0 |
| 4 | - | 02-05 | 02-05 (2), left 03-01 | - | - | 0 |
| 5 | ordinary | 02-10 | 02-10 (1) | - | pending paid_group order | 60 |
| 6 | ordinary | 05-25 12:00 | same (-) | - | paid *product* order | 0 |
| 7 | ordinary | 03-03 social only | - | - | - | - |
| 8 | ordinary | 01-05 paid group | 03-10 (-) | - | paid before free: no | 7 |
| 9 | bot | 01-01 free | - | - | - | - |
| 10 | ordinary | 03-15 | 03-15 (5) | - | - | 8 in May; tied to 1, 2 |
| 11 | mid | 04-01 | 04-01 (-) | - | - | 6 in May |
| 12 | ordinary | 05-01 12:00 | same (-) | - | - | 20 in May; tied to 1 |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from shequn.analytics.funnel import FunnelInput, funnel

NOW = datetime(2026, 6, 1, tzinfo=UTC)
UTC_US = pl.Datetime("us", "UTC")


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def stays() -> pl.DataFrame:
    rows: list[tuple[int, int, datetime, datetime | None, int | None, bool]] = [
        (1, 1, at(1, 10), None, None, False),
        (2, 1, at(1, 20), None, None, False),
        (3, 1, at(2, 1), None, None, False),
        (1, 2, at(1, 15), None, 1, False),
        (2, 2, at(2, 10), None, None, False),
        (1, 3, at(1, 31, 20), None, 1, False),
        (1, 4, at(2, 5), at(3, 1), 2, False),
        (1, 5, at(2, 10), None, 1, False),
        (1, 6, at(5, 25, 12), None, None, False),
        (4, 7, at(3, 3), None, None, False),
        (3, 8, at(1, 5), None, None, False),
        (1, 8, at(3, 10), None, None, False),
        (1, 9, at(1, 1), None, None, True),
        (1, 10, at(3, 15), None, 5, False),
        (1, 11, at(4, 1), None, None, False),
        (1, 12, at(5, 1, 12), None, None, False),
        (1, 13, at(6, 2), None, None, False),  # after "now": not yet there
    ]
    names = ["group_id", "person_id", "joined_at", "left_at", "inviter_person_id", "is_bot"]
    frame = pl.DataFrame(rows, schema=names, orient="row")
    return frame.with_columns(
        pl.col("joined_at", "left_at").cast(UTC_US),
        pl.lit(None, dtype=UTC_US).alias("first_seen_at"),
        pl.col("inviter_person_id").cast(pl.Int64),
    )


def messages() -> pl.DataFrame:
    when: list[tuple[int, datetime]] = []
    when += [(1, at(1, 11) + timedelta(hours=h)) for h in range(12)]
    when += [(1, at(5, 20) + timedelta(hours=h)) for h in range(5)]
    when += [(2, at(5, 10) + timedelta(hours=h)) for h in range(3)]
    when += [(5, at(5, 3) + timedelta(hours=h)) for h in range(60)]
    when += [(8, at(5, 4) + timedelta(hours=h)) for h in range(7)]
    when += [(10, at(5, 10) + timedelta(hours=h)) for h in range(8)]
    when += [(11, at(5, 15) + timedelta(hours=h)) for h in range(6)]
    when += [(12, at(5, 5) + timedelta(hours=h)) for h in range(20)]
    frame = pl.DataFrame(when, schema=["person_id", "at"], orient="row")
    return frame.with_columns(pl.col("at").cast(UTC_US))


def orders() -> pl.DataFrame:
    rows = [
        (3, "course", "paid", at(3, 1)),
        (5, "paid_group", "pending", at(5, 1)),
        (6, "product", "paid", at(5, 26)),
    ]
    frame = pl.DataFrame(rows, schema=["person_id", "offer_kind", "status", "at"], orient="row")
    return frame.with_columns(pl.col("at").cast(UTC_US))


def inputs() -> FunnelInput:
    tiers = {1: "big", 2: "mid", 4: None, 11: "mid"}
    persons = pl.DataFrame(
        {
            "person_id": list(range(1, 14)),
            "number": list(range(1, 14)),
            "name": [f"P{n}" for n in range(1, 14)],
            "tier": [tiers.get(n, "ordinary") for n in range(1, 14)],
        }
    )
    groups = pl.DataFrame({"group_id": [1, 2, 3, 4], "kind": ["free", "trial", "paid", "social"]})
    links = pl.DataFrame({"person_a": [1, 2, 1], "person_b": [10, 10, 12]})
    return FunnelInput(
        members=stays(), groups=groups, persons=persons, orders=orders(), messages=messages(),
        links=links, zone="Asia/Shanghai", now=NOW,
    )  # fmt: skip


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in frame.select(columns).iter_rows()]


def test_totals_and_cohorts_by_month_of_first_join_in_the_community_zone() -> None:
    result = funnel(inputs())
    assert {k: v for k, v in result.totals.items() if k != "now"} == {
        "joined": 11, "free": 10, "trial": 2, "paid": 2,
    }  # fmt: skip
    got = rows(result.cohorts, "cohort", "joined", "free", "trial", "paid", "trial_paid")
    assert got == [
        ("2026-01", 3, 3, 2, 1, 1),  # 1, 2, 8 (8 paid before free: not converted)
        ("2026-02", 3, 3, 0, 1, 0),  # 3 (20:00 UTC on 01-31 is 02-01 in Shanghai), 4, 5
        ("2026-03", 2, 1, 0, 0, 0),  # 7 (social only), 10
        ("2026-04", 1, 1, 0, 0, 0),
        ("2026-05", 2, 2, 0, 0, 0),  # 6 (a product is not the paid group), 12
    ]
    first = result.cohorts.row(0, named=True)
    assert first["trial_rate"] == pytest.approx(2 / 3)
    assert first["paid_rate"] == pytest.approx(1 / 3)
    assert first["trial_to_paid_rate"] == pytest.approx(1 / 2)
    assert result.cohorts.row(1, named=True)["trial_to_paid_rate"] is None


def test_conversion_by_tier_and_by_activity_before_paying() -> None:
    result = funnel(inputs())
    assert rows(result.by_tier, "tier", "members", "trial", "paid") == [
        ("ordinary", 6, 0, 1), ("mid", 2, 1, 0), ("", 1, 0, 0), ("big", 1, 1, 1),
    ]  # fmt: skip
    assert rows(result.by_activity, "band", "members", "trial", "paid") == [
        ("0", 3, 0, 1), ("1-9", 4, 1, 0), ("10-49", 2, 1, 1), ("50+", 1, 0, 0),
    ]  # fmt: skip
    mid = result.by_tier.row(1, named=True)
    assert mid["trial_rate"] == pytest.approx(0.5) and mid["paid_rate"] == 0


def test_conversion_by_inviter_and_by_time_since_joining_the_free_group() -> None:
    result = funnel(inputs())
    assert rows(result.by_inviter, "free_inviter", "inviter_name", "members", "trial", "paid") == [
        (None, None, 5, 1, 1), (1, "P1", 3, 1, 1), (2, "P2", 1, 0, 0), (5, "P5", 1, 0, 0),
    ]  # fmt: skip
    # 7 days: 6 (05-25 12:00) is too new; nobody paid that fast (1 took 22 days, 3 took 28).
    # 30 days: still all but 6 (12 joined 05-01 12:00, before 05-02): 1 and 3.
    # 90 days: those in by 03-03: 1, 2, 3, 4, 5.
    assert rows(result.by_time, "within_days", "members", "paid") == [
        (7, 9, 0), (30, 9, 2), (90, 5, 2), (None, 10, 2),
    ]  # fmt: skip


def test_seeds_are_active_trusted_free_members_never_offered_the_paid_group() -> None:
    result = funnel(inputs())
    # 11: mid tier, 6 messages in May; 10: tied to 1 and 2, 8 messages. Not 12 (one tie),
    # 5 (offered: a pending order), 6 (silent), 4 (left), 1/2/3/8 (in trial or paid).
    assert rows(result.seeds, "person_id", "tier", "ties", "recent_messages", "days_in_free") == [
        (11, "mid", 0, 6, 61), (10, "ordinary", 2, 8, 78),
    ]  # fmt: skip
    assert result.seeds["inviter_person_id"].to_list() == [None, 5]


def test_as_of_an_earlier_day_and_as_plain_data() -> None:
    early = FunnelInput(**{**vars(inputs()), "now": at(2, 2)})
    result = funnel(early)
    # By 02-02: 1, 2, 3 (free), 8 (paid group only), 9 bot left out; 1 reached paid on 02-01.
    assert {k: v for k, v in result.totals.items() if k != "now"} == {
        "joined": 4, "free": 3, "trial": 1, "paid": 1,
    }  # fmt: skip
    data = result.as_dict()
    assert data["totals"]["free"] == 3 and data["cohorts"][0]["cohort"] == "2026-01"


def test_a_community_without_a_free_group_has_an_empty_funnel() -> None:
    base = inputs()
    social = base.groups.with_columns(pl.lit("social").alias("kind"))
    result = funnel(FunnelInput(**{**vars(base), "groups": social}))
    assert result.totals["free"] == 0 and result.seeds.height == 0
    assert result.by_tier.height == 0 and rows(result.by_time, "members") == [(0,)] * 4
