"""Check-ins, ads and moderation steps of a community's members, as growth frames.

The store side of ``load`` (see its docstring for what counts): reads each
group's check-in settings and the moderation rule's audit entries, and runs
the live rules' own recognisers over the candidate messages ``load`` reads.
"""

from __future__ import annotations

import polars as pl
from pydantic import ValidationError

from shequn.analytics.frames import read
from shequn.analytics.growth import frames as f
from shequn.analytics.growth.frames import conform
from shequn.analytics.growth.load import (
    AD_CARRIERS,
    AD_KINDS,
    AD_THRESHOLD,
    MODERATION,
    MODERATION_STEPS,
    NEWCOMER_WINDOW,
    candidates_sql,
    shape_candidates,
)
from shequn.playbook.checkin import CheckinConfig, is_checkin
from shequn.playbook.moderation.signals import find_signals, score


def checkin_configs(community_id: int) -> dict[int, CheckinConfig]:
    """Each group's check-in settings (the defaults where its settings do not validate)."""
    from shequn.community.models import Group

    configs = {}
    groups = Group.objects.filter(community_id=community_id)
    for pk, settings in groups.values_list("pk", "settings"):
        try:
            configs[pk] = CheckinConfig.model_validate((settings or {}).get("checkin") or {})
        except ValidationError:
            configs[pk] = CheckinConfig()
    return configs


def candidate_words(configs: dict[int, CheckinConfig]) -> tuple[str, ...]:
    """Words that make a message worth a look: any group's check-in keywords, ad carriers."""
    words = {k.lstrip("#/") or k for c in configs.values() for k in c.keywords}
    words |= {k.lstrip("#/") or k for k in CheckinConfig().keywords}
    return tuple(sorted(words)) + AD_CARRIERS


def candidates(community_id: int) -> tuple[pl.DataFrame, dict[int, CheckinConfig]]:
    """Messages that could be a check-in or an ad (one read), and each group's check-in settings."""
    configs = checkin_configs(community_id)
    sql = candidates_sql(community_id, candidate_words(configs), AD_KINDS)
    return shape_candidates(read(sql)), configs


def checkins(found: pl.DataFrame, configs: dict[int, CheckinConfig]) -> pl.DataFrame:
    """The check-ins among the candidates, by each group's settings: group_id, person_id, at."""
    default = CheckinConfig()
    keep = [
        is_checkin(kind, text or "", configs.get(group, default))
        for group, kind, text in found.select("group_id", "kind", "text").iter_rows()
    ]
    return conform(found.filter(pl.Series(keep, dtype=pl.Boolean)), f.EVENTS)


def recognised_ads(found: pl.DataFrame, stays: pl.DataFrame) -> pl.DataFrame:
    """Candidates in a stay's first NEWCOMER_WINDOW whose own ad signals reach AD_THRESHOLD."""
    starts = stays.filter(pl.col("joined_at").is_not_null()).select(
        "group_id", "person_id", "joined_at"
    )
    fresh = (
        found.join(starts, on=["group_id", "person_id"])
        .filter(
            (pl.col("at") >= pl.col("joined_at"))
            & (pl.col("at") < pl.col("joined_at") + NEWCOMER_WINDOW)
        )
        .unique(["group_id", "person_id", "at", "text"], maintain_order=True)
    )
    judged: dict[tuple[str, str], bool] = {}  # an ad is often posted word for word again
    keep = []
    for kind, text in fresh.select("kind", "text").iter_rows():
        key = (kind, text or "")
        if key not in judged:
            judged[key] = score(find_signals(key[1], kind)) >= AD_THRESHOLD
        keep.append(judged[key])
    return conform(fresh.filter(pl.Series(keep, dtype=pl.Boolean)), f.EVENTS)


def moderation_steps(community_id: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The moderation rule's steps against members (ads), and its removals; undone ones left out."""
    from shequn.community.models import Account, AuditLog
    from shequn.playbook.moderation.undo import UNDOES

    entries = AuditLog.objects.filter(community_id=community_id)
    undoes = entries.filter(details__has_key=UNDOES)
    ids = undoes.values_list(f"details__{UNDOES}", flat=True)
    undone = {int(v) for v in ids if str(v).isdigit()}
    steps = (
        entries.filter(rule=MODERATION, action__in=MODERATION_STEPS)
        .exclude(outcome=AuditLog.Outcome.FAILED)
        .exclude(target="")
        .values_list("pk", "group_id", "group__platform", "target", "action", "outcome", "at")
    )
    rows = [s for s in steps if s[0] not in undone and s[1] is not None]
    keys = {(platform, target) for _, _, platform, target, *_ in rows}
    persons = {
        (platform, ext): person
        for platform, ext, person in Account.objects.filter(
            community_id=community_id, external_id__in={t for _, t in keys}
        ).values_list("platform", "external_id", "person_id")
        if (platform, ext) in keys
    }
    ads, removals = [], []
    for _, group, platform, target, action, outcome, at in rows:
        person = persons.get((platform, target))
        if person is None:
            continue
        ads.append({"group_id": group, "person_id": person, "at": at})
        if action == "Remove" and outcome == AuditLog.Outcome.PERFORMED:
            removals.append({"group_id": group, "person_id": person, "at": at})
    return f.frame(f.EVENTS, ads), f.frame(f.EVENTS, removals)
