"""Who is who during one ingest: groups, accounts and memberships, cached.

Ingest sees the same few thousand accounts over millions of messages, so it
asks this directory instead of the database. New accounts are created in bulk,
each with its own archive entry numbered in the order people were first seen;
membership changes are applied in event order and flushed once per chunk.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Field, Max

from shequn.community.models import Account, Community, Group, Membership, Person

AccountKey = tuple[str, str]  # (platform, external id)


@dataclass(slots=True)
class AccountSpec:
    """What an event tells about an account that may not exist yet."""

    platform: str
    external_id: str
    name: str
    is_bot: bool = False


@dataclass
class Directory:
    """Caches for one community for the span of one ingest."""

    community: Community
    groups: dict[AccountKey, Group] = field(default_factory=dict)
    accounts: dict[AccountKey, int] = field(default_factory=dict)
    names: dict[tuple[str, str], int] = field(default_factory=dict)
    stays: dict[tuple[int, int], list[Membership]] = field(default_factory=dict)
    join_ids: dict[int, set[str]] = field(default_factory=dict)
    leave_ids: dict[int, set[str]] = field(default_factory=dict)
    dirty: dict[int, Membership] = field(default_factory=dict)
    fresh: list[Membership] = field(default_factory=list)
    created_groups: int = 0
    created_accounts: int = 0

    def __post_init__(self) -> None:
        for pk, platform, ext, name in Account.objects.filter(community=self.community).values_list(
            "pk", "platform", "external_id", "display_name"
        ):
            self.accounts[(platform, ext)] = pk
            if name:
                self.names.setdefault((platform, name), pk)

    # --- groups --------------------------------------------------------------

    def group(self, platform: str, external_id: str, name: str) -> Group:
        """The group with this platform id, created in this community if unknown."""
        key = (platform, external_id)
        found = self.groups.get(key)
        if found is not None:
            return found
        group = Group.objects.filter(platform=platform, external_id=external_id).first()
        if group is not None and group.community_id != self.community.pk:
            raise ValueError(
                f"group {platform}/{external_id} belongs to another community "
                f"({group.community.name}); import it there"
            )
        if group is None:
            group = Group.objects.create(
                community=self.community,
                platform=platform,
                external_id=external_id,
                name=name or external_id,
            )
            self.created_groups += 1
        self.groups[key] = group
        self._load_stays(group.pk)
        return group

    def load_groups(self, groups: Iterable[Group]) -> None:
        """Know ``groups`` and all their stays now, in one query (a live engine would
        otherwise read each group's stays when its first event arrives, a stall each)."""
        loaded = [g for g in groups if (g.platform, g.external_id) not in self.groups]
        for group in loaded:
            self.groups[(group.platform, group.external_id)] = group
        for start in range(0, len(loaded), 500):  # within any store's limit of parameters
            self._load_stays(*(group.pk for group in loaded[start : start + 500]))

    def _load_stays(self, *group_ids: int) -> None:
        for group_id in group_ids:
            self.join_ids[group_id] = set()
            self.leave_ids[group_id] = set()
        # Ordered by id, so the latest stay of each account wins.
        for stay in Membership.objects.filter(group_id__in=group_ids).order_by("pk"):
            self.stays.setdefault((stay.group_id, stay.account_id), []).append(stay)
            if stay.join_event_id:
                self.join_ids[stay.group_id].add(stay.join_event_id)
            if stay.leave_event_id:
                self.leave_ids[stay.group_id].add(stay.leave_event_id)

    def rename_group(self, group: Group, name: str) -> None:
        """The platform says the group has a new title."""
        Group.objects.filter(pk=group.pk).update(name=name)
        group.name = name

    def group_created(self, group: Group, at: datetime) -> None:
        """The platform says when the group was created; the first word on it stands."""
        if group.created_at is None:
            Group.objects.filter(pk=group.pk).update(created_at=at)
            group.created_at = at

    # --- accounts ------------------------------------------------------------

    def rename_account(self, account_id: int, name: str) -> None:
        """A member changed their display name; the archive's account follows."""
        Account.objects.filter(pk=account_id).update(display_name=name)

    def ensure_accounts(self, specs: Iterable[AccountSpec]) -> None:
        """Create the accounts not seen before, each with a new numbered person."""
        missing: dict[AccountKey, AccountSpec] = {}
        for spec in specs:
            key = (spec.platform, spec.external_id)
            if key not in self.accounts and key not in missing:
                missing[key] = spec
        if not missing:
            return
        top = Person.objects.filter(community=self.community).aggregate(n=Max("number"))["n"]
        first = (top or 0) + 1
        persons = Person.objects.bulk_create(
            Person(community=self.community, number=first + i, display_name=s.name or s.external_id)
            for i, s in enumerate(missing.values())
        )
        accounts = Account.objects.bulk_create(
            Account(
                community=self.community,
                person=person,
                platform=spec.platform,
                external_id=spec.external_id,
                display_name=spec.name,
                is_bot=spec.is_bot,
            )
            for person, spec in zip(persons, missing.values(), strict=True)
        )
        for account in accounts:
            self.accounts[(account.platform, account.external_id)] = account.pk
            if account.display_name:
                self.names.setdefault((account.platform, account.display_name), account.pk)
        self.created_accounts += len(accounts)

    def account_id(self, platform: str, external_id: str) -> int:
        return self.accounts[(platform, external_id)]

    def account_by_name(self, platform: str, name: str) -> int | None:
        return self.names.get((platform, name))

    # --- memberships ---------------------------------------------------------

    def stay(self, group_id: int, account_id: int) -> Membership | None:
        """The account's latest stay in the group, open or closed."""
        stays = self.stays.get((group_id, account_id))
        return stays[-1] if stays else None

    def stay_at(self, group_id: int, account_id: int, at: datetime) -> Membership | None:
        """The latest stay begun by ``at``: the latest of all when events come in order.

        A re-import (or an overlapping file) also sees the stays its later events opened
        the first time; a join or leave must be judged against the stays of its own time,
        or an early leave would close a later stay.
        """
        found = None
        for stay in self.stays.get((group_id, account_id), ()):
            start = stay.joined_at or stay.first_seen_at  # neither: begun before our history
            if start is None or start <= at:
                found = stay
        return found

    def stay_covering(self, group_id: int, account_id: int, at: datetime) -> Membership | None:
        """A stay whose known span includes ``at``: a join then is a repeat, not a return."""
        for stay in self.stays.get((group_id, account_id), ()):
            # A stay only seen through messages has no known start: a join may still open it.
            start = stay.joined_at
            if start is not None and start <= at and (stay.left_at is None or at < stay.left_at):
                return stay
        return None

    def new_stay(self, group_id: int, account_id: int, **fields: object) -> Membership:
        stay = Membership(group_id=group_id, account_id=account_id, **fields)
        self.stays.setdefault((group_id, account_id), []).append(stay)
        self.fresh.append(stay)
        return stay

    def touched(self, stay: Membership) -> None:
        """Mark a stored stay as changed; it is written at the next flush."""
        if stay.pk is not None:
            self.dirty[stay.pk] = stay

    def seen(self, group_id: int, account_id: int, at: datetime) -> None:
        """An account spoke: give it an open stay if it has none in this group."""
        if (group_id, account_id) not in self.stays:
            self.new_stay(group_id, account_id, first_seen_at=at)

    def flush(self) -> None:
        """Write the stays created and changed since the last flush.

        Changed stays go out as one prepared ``UPDATE`` run with ``executemany``, not
        ``bulk_update``: its ``CASE WHEN pk = … THEN …`` per row and field took about a
        fifth of a big import's CPU. Values are converted by each field, so the stored
        form is exactly what the ORM would write.
        """
        if self.fresh:
            Membership.objects.bulk_create(self.fresh)
            self.fresh = []
        if self.dirty:
            sql, fields = _update_stays()
            rows = [
                [f.get_db_prep_save(getattr(stay, f.attname), connection) for f in fields] + [pk]
                for pk, stay in self.dirty.items()
            ]
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            self.dirty = {}


# What a join, leave or rename changes on a stored stay.
CHANGED = (
    "joined_at",
    "join_how",
    "inviter",
    "left_at",
    "left_how",
    "removed_by",
    "nickname",
    "join_event_id",
    "leave_event_id",
)


@functools.cache
def _update_stays() -> tuple[str, tuple[Field[object, object], ...]]:
    """The prepared UPDATE of a stay's changed columns, and their fields in order."""
    fields: list[Field[object, object]] = []
    quote = connection.ops.quote_name
    sets = []
    for name in CHANGED:
        field = Membership._meta.get_field(name)
        assert isinstance(field, Field) and field.column is not None  # concrete columns only
        fields.append(field)
        sets.append(f"{quote(field.column)} = %s")
    table = quote(Membership._meta.db_table)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s", tuple(fields)
