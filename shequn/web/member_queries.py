"""Read-only queries behind the member archive pages (群友档案).

The list is one filtered, annotated queryset over persons whose related rows
(tags, accounts, current stays) are prefetched, so a page costs the same few
queries whatever its size. Access is decided by the caller through
``shequn.community.permissions``; everything here is scoped to one community
or one person already found visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, time, timedelta
from hashlib import sha1
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.models import (
    Account,
    Community,
    Group,
    Link,
    Membership,
    Person,
    Tier,
)
from shequn.web.queries import archive_version

PAGE_SIZE = 50
IDS_PREFIX = "shequn:member-ids:v1"
IDS_TIMEOUT = 10 * 60  # seconds; any change in the community invalidates sooner
RECENT_MESSAGES = 50


@dataclass(frozen=True)
class MemberFilters:
    """The list's filters as read from GET parameters; unusable values are dropped."""

    q: str = ""
    group: int | None = None
    tier: str = ""
    tag: str = ""
    city: str = ""
    industry: str = ""
    silent: int | None = None
    joined_after: date | None = None
    joined_before: date | None = None


def _int_or_none(value: str | None) -> int | None:
    """A non-negative integer, or None for anything else (a bad parameter is ignored)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _date_or_none(value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when absent or malformed."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def parse_filters(params: Mapping[str, str]) -> MemberFilters:
    """Read the list filters from a request's GET parameters."""
    tier = params.get("tier", "").strip()
    return MemberFilters(
        q=params.get("q", "").strip(),
        group=_int_or_none(params.get("group")),
        tier=tier if tier in Tier.values else "",
        tag=params.get("tag", "").strip(),
        city=params.get("city", "").strip(),
        industry=params.get("industry", "").strip(),
        silent=_int_or_none(params.get("silent")),
        joined_after=_date_or_none(params.get("joined_after")),
        joined_before=_date_or_none(params.get("joined_before")),
    )


def _day_start(day: date, community: Community) -> datetime:
    """Midnight of ``day`` in the community's time zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(community.time_zone))


def _last_message_subquery(group_ids: list[int]) -> Subquery:
    """Latest message time of the outer person over all their accounts.

    Restricting to the community's groups lets the (group, sender, at) index answer it.
    """
    latest = (
        Message.objects.filter(group_id__in=group_ids, sender__person=OuterRef("pk"))
        .order_by()
        .values("sender__person")
        .annotate(last=Max("at"))
        .values("last")
    )
    return Subquery(latest)


def _current_stays() -> Prefetch[Any]:
    """Each account's open stays with their groups, for the "groups" column."""
    stays = Membership.objects.filter(left_how="").select_related("group").order_by("group__name")
    return Prefetch(
        "accounts",
        queryset=Account.objects.order_by("pk").prefetch_related(
            Prefetch("memberships", queryset=stays, to_attr="current_stays")
        ),
    )


def _text_filters(persons: QuerySet[Person], f: MemberFilters) -> QuerySet[Person]:
    """Free text, tier, city and industry: conditions on the person row itself."""
    if f.q:
        match = (
            Q(display_name__icontains=f.q)
            | Q(intro__icontains=f.q)
            | Q(needs__icontains=f.q)
            | Q(offers__icontains=f.q)
        )
        number = f.q.lstrip("#")
        if number.isdigit():
            match |= Q(number=int(number))
        persons = persons.filter(match)
    if f.tier:
        persons = persons.filter(tier=f.tier)
    if f.city:
        persons = persons.filter(city__iexact=f.city)
    if f.industry:
        persons = persons.filter(industry__iexact=f.industry)
    return persons


def _relation_filters(
    persons: QuerySet[Person], f: MemberFilters, community: Community
) -> QuerySet[Person]:
    """Tag, group and join dates: subqueries by person id, so rows never repeat."""
    if f.tag:
        tagged = Person.tags.through.objects.filter(tag__community=community, tag__name=f.tag)
        persons = persons.filter(pk__in=tagged.values("person_id"))
    if f.group is not None:
        stays = Membership.objects.filter(group_id=f.group, left_how="")
        persons = persons.filter(pk__in=stays.values("account__person_id"))
    if f.joined_after or f.joined_before:
        stays = Membership.objects.filter(group__community=community)
        if f.joined_after:
            stays = stays.filter(joined_at__gte=_day_start(f.joined_after, community))
        if f.joined_before:
            end = _day_start(f.joined_before + timedelta(days=1), community)
            stays = stays.filter(joined_at__lt=end)
        persons = persons.filter(pk__in=stays.values("account__person_id"))
    return persons


def member_list(
    community: Community, f: MemberFilters, *, last_message: bool = True
) -> QuerySet[Person]:
    """The community's archive, filtered, with related rows ready.

    With ``last_message`` each person carries ``last_message_at``, computed in the
    SELECT; a paginated page should leave it out and ask ``last_message_times`` for
    its own rows, since the database would compute it for every row OFFSET skips.
    """
    persons: QuerySet[Person] = Person.objects.filter(community=community)
    needs_groups = last_message or f.silent is not None  # else spare the query
    group_ids = (
        list(community.groups.order_by().values_list("pk", flat=True)) if needs_groups else []
    )
    if last_message:
        persons = persons.annotate(last_message_at=_last_message_subquery(group_ids))
    persons = _relation_filters(_text_filters(persons, f), f, community)
    if f.silent is not None:
        since = timezone.now() - timedelta(days=f.silent)
        # NOT EXISTS stops at the first recent message; filtering on the annotation
        # made the page count compute every member's latest message (seconds on PG).
        # Per account (an equality on sender), so that both stores seek the
        # (group, sender, at) index; through a join on the person SQLite scanned every
        # recent message of each group instead, for every member (seconds at 1M).
        recent = Message.objects.filter(
            group_id__in=group_ids, sender_id=OuterRef("pk"), at__gte=since
        )
        spoke = Account.objects.filter(person_id=OuterRef("pk")).filter(Exists(recent))
        persons = persons.filter(~Exists(spoke))
    return persons.prefetch_related("tags", _current_stays()).order_by("number")


def member_ids(community: Community, f: MemberFilters) -> list[int]:
    """Ids of the filtered archive in member-number order, cached.

    Counting and paging a filtered list runs its filters (the "silent" one is a
    NOT EXISTS per member) twice a page; the ids (a few KB) are kept instead, so a
    page is one lookup by primary key.

    Cache invalidation: the key holds the filters and ``queries.archive_version``,
    which changes with any message, join, leave or audited archive edit in the
    community, so the next request recomputes; with "silent for N days" it also
    holds the current minute, since silence grows with time alone. Old entries are
    never read again and expire after ``IDS_TIMEOUT``.
    """
    parts = [str(community.pk), repr(astuple(f)), archive_version(community)]
    if f.silent is not None:
        parts.append(str(int(timezone.now().timestamp() // 60)))
    key = f"{IDS_PREFIX}:{sha1(':'.join(parts).encode(), usedforsecurity=False).hexdigest()}"
    found = cache.get(key)
    if isinstance(found, list):
        return found
    persons = member_list(community, f, last_message=False).prefetch_related(None)
    ids = list(persons.values_list("pk", flat=True))
    cache.set(key, ids, IDS_TIMEOUT)
    return ids


def persons_by_ids(ids: list[int]) -> list[Person]:
    """These persons in member-number order, with what the list shows prefetched."""
    persons = Person.objects.filter(pk__in=ids).prefetch_related("tags", _current_stays())
    return list(persons.order_by("number"))


LATEST_PER_PAIR = """
    SELECT a.id, (SELECT MAX(m.at) FROM {message} m WHERE m.group_id = g.id AND m.sender_id = a.id)
    FROM {account} a CROSS JOIN {group} g
    WHERE g.community_id = %s AND a.id IN ({ids})
"""


def last_message_times(community: Community, persons: list[Person]) -> dict[int, datetime]:
    """person id -> time of their latest message in the community, for these persons only.

    One ``MAX`` per (account, group) pair, each a single descent of the
    ``(group, sender, at)`` index on either store; a ``MAX`` grouped over all the
    accounts at once read every message they ever sent (100+ ms on PostgreSQL).
    Persons who never spoke are absent.
    """
    accounts = {a.pk: a.person_id for p in persons for a in p.accounts.all()}
    if not accounts:
        return {}
    sql = LATEST_PER_PAIR.format(
        message=connection.ops.quote_name(Message._meta.db_table),
        account=connection.ops.quote_name(Account._meta.db_table),
        group=connection.ops.quote_name(Group._meta.db_table),
        ids=", ".join(["%s"] * len(accounts)),
    )
    times: dict[int, datetime] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [community.pk, *accounts])
        for account_id, at in cursor.fetchall():
            at = _aware(at)
            person_id = accounts[account_id]
            if at is not None and (person_id not in times or at > times[person_id]):
                times[person_id] = at
    return times


def _aware(value: datetime | str | None) -> datetime | None:
    """A raw MAX(at): SQLite returns text, PostgreSQL an aware datetime; always aware UTC."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def current_groups(person: Person) -> list[Group]:
    """Groups the person is in now, over all accounts (needs ``member_list``'s prefetch)."""
    seen: dict[int, Group] = {}
    for account in person.accounts.all():
        for stay in getattr(account, "current_stays", []):
            seen.setdefault(stay.group_id, stay.group)
    return sorted(seen.values(), key=lambda g: g.name)


@dataclass(frozen=True)
class Tie:
    """One Link seen from the profile's person: who is on the other end, and how."""

    other: Person
    link: Link


def membership_history(person: Person) -> QuerySet[Membership]:
    """Every stay of every account of the person, with group and inviter's person."""
    return (
        Membership.objects.filter(account__person=person)
        .select_related("group", "account", "inviter__person")
        .order_by("group__name", "pk")
    )


def ties(person: Person) -> list[Tie]:
    """The person's ties to others, oldest first."""
    links = (
        Link.objects.filter(Q(person_a=person) | Q(person_b=person))
        .select_related("person_a", "person_b")
        .order_by("first_seen", "pk")
    )
    return [
        Tie(other=link.person_b if link.person_a_id == person.pk else link.person_a, link=link)
        for link in links
    ]


def recent_messages(person: Person, limit: int = RECENT_MESSAGES) -> list[Message]:
    """The person's latest messages from any of their accounts, newest first."""
    group_ids = list(person.community.groups.order_by().values_list("pk", flat=True))
    return list(
        Message.objects.filter(group_id__in=group_ids, sender__person=person)
        .select_related("group")
        .order_by("-at", "-pk")[:limit]
    )


__all__ = [
    "PAGE_SIZE",
    "MemberFilters",
    "Tie",
    "current_groups",
    "last_message_times",
    "member_ids",
    "member_list",
    "membership_history",
    "parse_filters",
    "persons_by_ids",
    "recent_messages",
    "ties",
]
