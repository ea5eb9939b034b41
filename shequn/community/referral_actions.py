"""Writes of referral growth: a join's attribution by invite code, and the fraud review list.

Every write is audited (``community.actions.audit``). Fraud flags are for an
operator to judge: nothing here mutes, removes or takes points from anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.community.actions import audit
from shequn.community.models import (
    Account,
    Community,
    Group,
    InviteCode,
    JoinHow,
    Membership,
)
from shequn.community.referral_models import FraudFlag, FraudKind, FraudStatus


def _owner_account(invite: InviteCode, platform: str) -> Account | None:
    """The code owner's account on ``platform``, else any of their accounts."""
    accounts = Account.objects.filter(person_id=invite.owner_id).order_by("pk")
    return accounts.filter(platform=platform).first() or accounts.first()


def attribute_code(group: Group, account: Account, code: str, *, by: str) -> Membership | None:
    """Attribute ``account``'s open stay in ``group`` to invite ``code``: campaign, inviter, how.

    The campaign is the code's; the inviter (when the platform named none) is the
    code's owner; a join whose way is unknown becomes an invitation. Returns the
    stay, or None when the code or the stay is not found (nothing is written).
    """
    invite = InviteCode.objects.filter(community_id=group.community_id, code=code.upper()).first()
    stay = (
        Membership.objects.filter(group=group, account=account, left_how="").order_by("-pk").first()
    )
    if invite is None or stay is None:
        return None
    stay.campaign = invite.campaign
    if stay.inviter_id is None:
        stay.inviter = _owner_account(invite, group.platform)
    if stay.join_how == JoinHow.UNKNOWN:
        stay.join_how = JoinHow.INVITE
    stay.save(update_fields=["campaign", "inviter", "join_how"])
    details = {"group": group.pk, "code": invite.code, "campaign": invite.campaign,
               "inviter": stay.inviter_id, "how": stay.join_how}  # fmt: skip
    # The group goes in the details, as for admission's own entries: a group's entries are the
    # engine's record of its rules' actions, which a replay compares with its own.
    audit(group.community, "referral.attribute", rule=by, person=account.person,
          target=account.external_id, details=details)  # fmt: skip
    return stay


def _changed(flag: FraudFlag, count: int, persons: list[int]) -> bool:
    return flag.count != count or list(flag.persons) != persons


def record_flags(
    community: Community, signals: Iterable[Mapping[str, Any]], *, user: User | None, by: str
) -> dict[str, int]:
    """Put the signals (``analytics.growth.fraud``) on the review list; counts per outcome.

    A new signal opens a flag; a known one gets its new count and evidence; a
    flag an operator closed opens again only when its count has grown past what
    they reviewed. Opening and reopening are audited.
    """
    done = {"opened": 0, "reopened": 0, "updated": 0, "unchanged": 0}
    now = timezone.now()
    with transaction.atomic():
        for s in signals:
            kind, count = str(s["kind"]), int(s["count"])
            persons = sorted(int(p) for p in s["persons"])
            if kind not in FraudKind.values:
                raise ValueError(f"kind: {kind!r} is not one of {', '.join(FraudKind.values)}")
            flag, created = FraudFlag.objects.select_for_update().get_or_create(
                community=community, inviter_id=int(s["inviter_person_id"]), kind=kind,
                defaults={"count": count, "persons": persons, "first_seen_at": now,
                          "updated_at": now},
            )  # fmt: skip
            outcome = "opened" if created else "unchanged"
            if not created and _changed(flag, count, persons):
                outcome = "updated"
                if flag.status != FraudStatus.OPEN and count > flag.reviewed_count:
                    flag.status, outcome = FraudStatus.OPEN, "reopened"
                flag.count, flag.persons, flag.updated_at = count, persons, now
                flag.save(update_fields=["count", "persons", "updated_at", "status"])
            done[outcome] += 1
            if outcome in ("opened", "reopened"):
                audit(community, f"referral_flag.{outcome[:-2]}", user=user, rule=by,
                      person=flag.inviter, reason=f"{kind}: {count}",
                      details={"flag": flag.pk, "kind": kind, "count": count,
                               "persons": persons})  # fmt: skip
    return done


def review_flag(flag: FraudFlag, status: str, note: str, *, user: User, by: str) -> FraudFlag:
    """An operator marks a flag reviewed (looked at, kept on record) or dismissed (no fraud)."""
    if status not in (FraudStatus.REVIEWED, FraudStatus.DISMISSED):
        raise ValueError(f"status: {status!r} is not reviewed or dismissed")
    with transaction.atomic():
        flag = (
            FraudFlag.objects.select_for_update()
            .select_related("community", "inviter")
            .get(pk=flag.pk)
        )
        flag.status, flag.note = status, note.strip()
        flag.reviewed_by, flag.reviewed_at, flag.reviewed_count = user, timezone.now(), flag.count
        flag.save(update_fields=["status", "note", "reviewed_by", "reviewed_at", "reviewed_count"])
        audit(flag.community, f"referral_flag.{status}", user=user, rule=by, person=flag.inviter,
              reason=flag.note, details={"flag": flag.pk, "kind": flag.kind,
                                         "count": flag.count})  # fmt: skip
    return flag


def open_flags(community: Community) -> int:
    """How many flags of the community wait for a review."""
    return FraudFlag.objects.filter(community=community, status=FraudStatus.OPEN).count()
