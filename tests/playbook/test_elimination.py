"""The elimination policy and its pure decision (no store): tiers, roles, bots, month edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from shequn.playbook.elimination import (
    CHECKINS,
    SILENT,
    EliminationConfig,
    MemberFacts,
    TierThresholds,
    checkin_month,
    days_silent,
    decide,
    decide_one,
    render,
    why,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def member(who: str = "u1", **fields: Any) -> MemberFacts:
    fields.setdefault("joined_at", LONG_AGO)
    return MemberFacts(member_id=who, name=f"成员{who}", **fields)


def config(**fields: Any) -> EliminationConfig:
    return EliminationConfig.model_validate({"enabled": True, **fields})


def test_silent_for_the_ordinary_threshold_is_eliminated_one_day_less_is_not() -> None:
    cfg = config(silent_days={"ordinary": 30})
    spoke = NOW - timedelta(days=30)
    verdict = decide_one(member(last_message_at=spoke), cfg, NOW, SH)
    assert verdict is not None and verdict.criterion == SILENT
    assert (verdict.days_silent, verdict.threshold, verdict.tier) == (30, 30, "ordinary")
    assert decide_one(member(last_message_at=spoke + timedelta(days=1)), cfg, NOW, SH) is None


def test_silence_is_counted_in_community_days_of_shanghai() -> None:
    # 2026-03-09 23:30 Shanghai is 15:30 UTC: one community day before NOW (03-10), not zero.
    late = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
    assert days_silent(member(last_message_at=late), NOW, SH) == 1
    # 00:30 Shanghai on 03-10 is still 03-09 in UTC, but the same community day as NOW.
    early = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    assert days_silent(member(last_message_at=early), NOW, SH) == 0


def test_thresholds_per_tier_and_an_empty_tier_is_never_judged() -> None:
    cfg = config(silent_days={"big": None, "mid": 60, "ordinary": 30})
    spoke = NOW - timedelta(days=45)
    assert decide_one(member(tier="big", last_message_at=spoke), cfg, NOW, SH) is None
    assert decide_one(member(tier="mid", last_message_at=spoke), cfg, NOW, SH) is None
    ordinary = decide_one(member(tier="", last_message_at=spoke), cfg, NOW, SH)
    assert ordinary is not None and ordinary.tier == "ordinary"
    long_silent = decide_one(
        member(tier="mid", last_message_at=NOW - timedelta(days=61)), cfg, NOW, SH
    )
    assert long_silent is not None and long_silent.threshold == 60


def test_protected_roles_bots_and_newcomers_are_never_eliminated() -> None:
    cfg = config(silent_days={"ordinary": 1}, exempt_roles=["owner", "kol"])
    assert decide_one(member(role="owner"), cfg, NOW, SH) is None
    assert decide_one(member(role="kol"), cfg, NOW, SH) is None
    assert decide_one(member(role="admin"), cfg, NOW, SH) is not None  # not protected here
    assert decide_one(member(is_bot=True), cfg, NOW, SH) is None
    newcomer = member(joined_at=NOW - timedelta(days=13))
    assert decide_one(newcomer, cfg, NOW, SH) is None  # newcomer_days = 14
    assert decide_one(member(joined_at=NOW - timedelta(days=14)), cfg, NOW, SH) is not None


def test_default_protects_operator_roles() -> None:
    assert EliminationConfig().exempt_roles == ["owner", "admin", "assistant", "monitor"]
    assert EliminationConfig().enabled is False


def test_a_member_nothing_dates_is_not_judged_for_silence() -> None:
    assert decide_one(member(joined_at=None), config(), NOW, SH) is None
    verdict = decide_one(member(joined_at=NOW - timedelta(days=31)), config(), NOW, SH)
    assert verdict is not None and verdict.days_silent == 31
    assert why(verdict) == "入群 31 天以来一直未发言（规定 30 天）"


def test_the_checkin_month_is_the_previous_calendar_month_in_shanghai() -> None:
    # 2026-03-01 00:30 Shanghai = 2026-02-28 16:30 UTC: already March there, so February is judged.
    start, end = checkin_month(datetime(2026, 2, 28, 16, 30, tzinfo=UTC), SH)
    assert start == datetime(2026, 2, 1, tzinfo=SH) and end == datetime(2026, 3, 1, tzinfo=SH)
    assert start.astimezone(UTC) == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    # 2026-02-28 23:30 Shanghai: still February, so January is judged.
    start, end = checkin_month(datetime(2026, 2, 28, 15, 30, tzinfo=UTC), SH)
    assert (start.month, end.month) == (1, 2)
    start, _ = checkin_month(datetime(2026, 1, 5, tzinfo=UTC), SH)
    assert (start.year, start.month) == (2025, 12)


def test_fewer_checkins_than_the_tier_needs() -> None:
    cfg = config(silent_days={}, min_checkins={"mid": 4, "ordinary": 8})
    recent = NOW - timedelta(days=1)
    verdict = decide_one(member(last_message_at=recent, checkins=7), cfg, NOW, SH)
    assert verdict is not None and verdict.criterion == CHECKINS
    assert why(verdict) == "上个月打卡 7 次（规定至少 8 次）"
    assert decide_one(member(last_message_at=recent, checkins=8), cfg, NOW, SH) is None
    assert decide_one(member(tier="mid", last_message_at=recent, checkins=4), cfg, NOW, SH) is None
    assert decide_one(member(tier="big", last_message_at=recent, checkins=0), cfg, NOW, SH) is None


def test_checkins_are_not_judged_for_a_member_who_joined_during_the_month() -> None:
    cfg = config(silent_days={}, min_checkins={"ordinary": 8}, newcomer_days=0)
    joined_mid_february = datetime(2026, 2, 15, tzinfo=UTC)
    assert decide_one(member(joined_at=joined_mid_february, checkins=0), cfg, NOW, SH) is None
    joined_before = datetime(2026, 1, 31, 15, 0, tzinfo=UTC)  # 23:00 Shanghai on Jan 31
    assert decide_one(member(joined_at=joined_before, checkins=0), cfg, NOW, SH) is not None


def test_silence_is_decided_before_checkins_and_decide_keeps_order() -> None:
    cfg = config(silent_days={"ordinary": 10}, min_checkins={"ordinary": 3})
    both = member("a", last_message_at=NOW - timedelta(days=20), checkins=0)
    only_checkins = member("b", last_message_at=NOW, checkins=1)
    fine = member("c", last_message_at=NOW, checkins=5)
    found = decide([both, fine, only_checkins], cfg, NOW, SH)
    assert [(v.member.member_id, v.criterion) for v in found] == [("a", SILENT), ("b", CHECKINS)]


def test_templates_take_only_known_fields() -> None:
    with pytest.raises(ValidationError, match=r"unknown field \{phone\}"):
        config(notice_text="{name} {phone}")
    with pytest.raises(ValidationError, match="no format or conversion"):
        config(notice_text="{name.__class__!r}")
    with pytest.raises(ValidationError, match="not a valid template"):
        config(removal_text="{name")
    with pytest.raises(ValidationError, match="grace_days"):
        config(grace_days=-1)


def test_render_fills_the_chinese_default_notice() -> None:
    cfg = config()
    verdict = decide_one(member(last_message_at=NOW - timedelta(days=40)), cfg, NOW, SH)
    assert verdict is not None
    text = render(cfg.notice_text, verdict, "读书会", "2026-03-13 10:00", cfg.grace_days)
    assert text.startswith("成员u1，你好：你在「读书会」已有 40 天未发言（规定 30 天）")
    assert "2026-03-13 10:00" in text


def test_form_labels_are_on_every_field() -> None:
    schema = EliminationConfig.model_json_schema()
    untitled = [name for name, spec in schema["properties"].items() if "title" not in spec]
    assert untitled == []
    assert schema["properties"]["grace_days"]["title"] == "grace period (days)"
    assert TierThresholds.model_json_schema()["properties"]["big"]["title"] == "big names (大咖)"


def test_the_console_form_builder_round_trips_the_config() -> None:
    from shequn.web.rules_fields import initial_data, validate

    cfg = config(silent_days={"big": None, "mid": 90, "ordinary": 20}, grace_days=5)
    data = initial_data(cfg)
    again, errors, general = validate(EliminationConfig, data)
    assert (errors, general) == ({}, []) and again == cfg
    bad = {**data, "grace_days": ["-1"]}
    assert validate(EliminationConfig, bad)[1].keys() == {"grace_days"}
