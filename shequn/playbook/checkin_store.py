"""Check-ins as the store knows them: the messages a group's check-in settings recognise.

Recognition is ``checkin.is_checkin``'s; the database only narrows the rows
first (the member's messages of a kind that may check in, holding a keyword's
core in either width), using the (group, sender, at) index. So live state,
the leaderboard and a replay (which recognises the same messages as they pass)
agree, and check-ins imported from history count as live ones do.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet, Sum

from shequn.chat.models import Message
from shequn.community.models import Group, PointsEntry
from shequn.playbook.checkin import CheckinConfig, is_checkin
from shequn.playbook.checkin_rule import config_from


def _wide(word: str) -> str:
    """``word`` with its ASCII in full-width forms (``／ｃｈｅｃｋｉｎ``)."""
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) < 0x7F else c for c in word)


def keyword_filter(config: CheckinConfig) -> Q:
    """Rows that may be check-ins: a keyword's core, in either width (case ignored)."""
    cores = {k.lstrip("#/") or k for k in config.keywords}
    found = Q()
    for core in sorted(cores | {_wide(c) for c in cores}):
        found |= Q(text__icontains=core)
    return found


def candidates(group: Group, config: CheckinConfig) -> QuerySet[Message]:
    """The group's messages that may be check-ins under ``config``."""
    kinds = ["text", "image"] if config.photo_with_keyword else ["text"]
    return Message.objects.filter(keyword_filter(config), group=group, kind__in=kinds)


def checkin_times(
    group: Group, account_id: int, until: datetime, exclude: str = ""
) -> list[datetime]:
    """When the account checked in in ``group`` (at <= until), oldest first, bar ``exclude``."""
    config = config_from(group.settings or {})
    rows = candidates(group, config).filter(sender_id=account_id, at__lte=until)
    if exclude:
        rows = rows.exclude(external_id=exclude)
    found = rows.order_by("at").values_list("kind", "text", "at")
    return [at for kind, text, at in found.iterator() if is_checkin(kind, text, config)]


def checkins_between(group: Group, since: datetime, until: datetime) -> dict[int, list[datetime]]:
    """Each account's check-in times in ``group`` with since <= at < until."""
    config = config_from(group.settings or {})
    rows = candidates(group, config).filter(at__gte=since, at__lt=until, sender__isnull=False)
    found: dict[int, list[datetime]] = {}
    for sender, kind, text, at in rows.values_list("sender_id", "kind", "text", "at").iterator():
        if is_checkin(kind, text, config):
            found.setdefault(sender, []).append(at)
    return found


def points_between(group: Group, since: datetime, until: datetime) -> dict[int, int]:
    """Each person's points earned in ``group`` with since <= created_at < until (net)."""
    rows = (
        PointsEntry.objects.filter(group=group, created_at__gte=since, created_at__lt=until)
        .values("person_id")
        .annotate(total=Sum("points"))
    )
    return {row["person_id"]: int(row["total"] or 0) for row in rows}
