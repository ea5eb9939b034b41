"""The engine's GroupState: what rules may know about a group, read from the store.

Queries run lazily and only in the engine's sync section, so a rule that never
asks for the member count costs no query for it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from shequn.chat.models import Message
from shequn.chat.statements import execute
from shequn.community.models import Account, AuditLog, Group, Membership
from shequn.events import Actor
from shequn.playbook import admission_store, checkin_store
from shequn.playbook.admission_view import AdmissionView
from shequn.playbook.models import EliminationNotice, Greeting
from shequn.playbook.moderation.undo import UNDOES
from shequn.playbook.surveys_actions import open_view
from shequn.playbook.surveys_view import SurveyView

#: The actions that count as a strike against a member (moderation's ladder).
STRIKES = ("Warn", "Mute", "Remove")
_DECIDED = (AuditLog.Outcome.PERFORMED, AuditLog.Outcome.DRY_RUN)
#: The settings of a group that has none: always this object, so the engine's lineup,
#: kept per settings object, is found again at the next event.
NO_SETTINGS: Mapping[str, Any] = MappingProxyType({})
_FAILED_FOR_GOOD = Q(outcome=AuditLog.Outcome.FAILED, details__error__permanent=True)


@functools.cache
def _greeted_sql() -> str:
    """Whether a member was greeted in a group, in SQL written once: live, the welcome
    rule asks at every join, and the ORM building the query was most of a join's time."""
    quote = connection.ops.quote_name
    greeting, account = quote(Greeting._meta.db_table), quote(Account._meta.db_table)
    return (
        f"SELECT 1 FROM {greeting} g JOIN {account} a ON a.{quote('id')} = g.{quote('account_id')}"
        f" WHERE g.{quote('group_id')} = %s AND a.{quote('community_id')} = %s"
        f" AND a.{quote('platform')} = %s AND a.{quote('external_id')} = %s LIMIT 1"
    )


class StoreState:
    """GroupState over one stored group."""

    def __init__(self, group: Group) -> None:
        self.group = group

    @property
    def name(self) -> str:
        return self.group.name

    @property
    def kind(self) -> str:
        return self.group.kind

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.group.settings or NO_SETTINGS

    def member_count(self) -> int:
        stays = Membership.objects.filter(group=self.group, left_how="")
        return stays.values("account").distinct().count()

    def greeted(self, member_id: str) -> bool:
        group = self.group
        asked = [group.pk, group.community_id, group.platform, member_id]
        return execute(_greeted_sql(), asked).fetchone() is not None

    def display_name(self, member_id: str) -> str:
        account = self.account(member_id)
        if account is None:
            return ""
        stay = (
            Membership.objects.filter(group=self.group, account=account)
            .exclude(nickname="")
            .order_by("-pk")
            .first()
        )
        return stay.nickname if stay is not None else account.display_name

    def role(self, member_id: str) -> str:
        """The role of the account's latest stay here ("" when it never was a member)."""
        stay = (
            Membership.objects.filter(
                group=self.group,
                account__platform=self.group.platform,
                account__external_id=member_id,
                account__community_id=self.group.community_id,
            )
            .order_by("-pk")
            .values_list("role", flat=True)
            .first()
        )
        return stay or ""

    # --- moderation -------------------------------------------------------------------

    def joined_at(self, member_id: str) -> datetime | None:
        """When the account first joined this group (its earliest known join); None if unknown."""
        return (
            self._stays(member_id)
            .exclude(joined_at=None)
            .order_by("joined_at")
            .values_list("joined_at", flat=True)
            .first()
        )

    def message_count(
        self, member_id: str, since: datetime | None, until: datetime, exclude: str = ""
    ) -> int:
        """How many messages the account posted here with since <= at <= until, bar ``exclude``."""
        account_id = self._account_id(member_id)
        if account_id is None:
            return 0
        found = Message.objects.filter(group=self.group, sender_id=account_id, at__lte=until)
        if since is not None:
            found = found.filter(at__gte=since)
        if exclude:
            found = found.exclude(external_id=exclude)
        return found.count()

    def same_text_groups(self, text: str, since: datetime, until: datetime) -> int:
        """How many other groups of this community have a message of exactly ``text`` then."""
        others = list(
            Group.objects.filter(community_id=self.group.community_id)
            .exclude(pk=self.group.pk)
            .values_list("pk", flat=True)
        )
        if not others or not text:
            return 0
        found = Message.objects.filter(group_id__in=others, at__gte=since, at__lte=until, text=text)
        return found.values("group_id").distinct().count()

    def strikes(self, rule: str, member_id: str) -> int:
        """How many Warn, Mute and Remove actions ``rule`` took on the account in this group.

        A step the platform can never carry out (a permanent failure, such as a
        mute where there is none) counts too, so that the ladder moves on.
        """
        entries = AuditLog.objects.filter(
            Q(outcome__in=_DECIDED) | _FAILED_FOR_GOOD,
            community_id=self.group.community_id, rule=rule, target=member_id, group=self.group,
            action__in=STRIKES,
        )  # fmt: skip
        return len(_standing(self.group.community_id, entries))

    def blacklisted(self, rule: str, member_id: str) -> bool:
        """Whether ``rule`` removed the account from any group of this community (this one too)."""
        entries = self._decided(rule, member_id).filter(
            action="Remove", group__platform=self.group.platform
        )
        return bool(_standing(self.group.community_id, entries))

    def _decided(self, rule: str, member_id: str) -> QuerySet[AuditLog]:
        """Performed and dry-run audit entries of ``rule`` about the account, community-wide."""
        return AuditLog.objects.filter(
            community_id=self.group.community_id, rule=rule, target=member_id, outcome__in=_DECIDED
        )

    def _stays(self, member_id: str) -> QuerySet[Membership]:
        return Membership.objects.filter(
            group=self.group,
            account__community_id=self.group.community_id,
            account__platform=self.group.platform,
            account__external_id=member_id,
        )

    def _account_id(self, member_id: str) -> int | None:
        return (
            Account.objects.filter(
                community_id=self.group.community_id,
                platform=self.group.platform,
                external_id=member_id,
            )
            .values_list("pk", flat=True)
            .first()
        )

    def account(self, member_id: str) -> Account | None:
        """The stored account behind a platform id, in the group's community."""
        return Account.objects.filter(
            community_id=self.group.community_id,
            platform=self.group.platform,
            external_id=member_id,
        ).first()

    # --- admission (shequn.playbook.admission) ------------------------------------------

    def admission(self, member_id: str) -> AdmissionView | None:
        """The account's latest admission request in this group."""
        return admission_store.admission_view(self.group, member_id)

    def admission_queue(self, status: str) -> tuple[Actor, ...]:
        """Accounts whose open request here has ``status``, oldest request first."""
        return admission_store.admission_queue(self.group, status)

    def in_group(self, member_id: str) -> bool:
        """Whether the account has an open stay here."""
        return admission_store.in_group(self.group, member_id)

    def invite_code_owner(self, code: str) -> str:
        """The owner's name of the community's active invite code ``code`` ("" if none)."""
        return admission_store.invite_code_owner(self.group.community_id, code)

    # --- entry ritual and chat windows (shequn.playbook.ritual, shequn.playbook.windows) ---

    def member_number(self, member_id: str) -> int | None:
        """The member number (编号) of the archive entry behind the account."""
        number: int | None = (
            Account.objects.filter(
                community_id=self.group.community_id,
                platform=self.group.platform,
                external_id=member_id,
            )
            .values_list("person__number", flat=True)
            .first()
        )
        return number

    def time_zone(self) -> str:
        """The community's time zone."""
        zone = (
            Group.objects.filter(pk=self.group.pk)
            .values_list("community__time_zone", flat=True)
            .first()
        )
        return str(zone or "UTC")

    def replied_to(self, rule: str, member_id: str, since: datetime, until: datetime) -> int:
        """Replies of ``rule`` (performed or dry-run) to the account's messages in the window."""
        account_id = self._account_id(member_id)
        if account_id is None:
            return 0
        said = Message.objects.filter(
            group=self.group, sender_id=account_id, at__gte=since, at__lte=until
        )
        ids = list(said.values_list("external_id", flat=True))
        if not ids:
            return 0
        return AuditLog.objects.filter(
            community_id=self.group.community_id, group=self.group, rule=rule, action="Reply",
            outcome__in=_DECIDED, details__action__message_id__in=ids,
        ).count()  # fmt: skip

    # --- follow-up surveys (shequn.playbook.surveys) ---

    def open_notice(self, member_id: str) -> bool:
        """Whether an elimination notice to the account here is still open."""
        account_id = self._account_id(member_id)
        if account_id is None:
            return False
        notices = EliminationNotice.objects.filter(
            group=self.group, account_id=account_id, state=EliminationNotice.State.OPEN
        )
        return notices.exists()

    def open_survey(self, member_id: str) -> SurveyView | None:
        """The account's oldest open survey response in this group."""
        account_id = self._account_id(member_id)
        return None if account_id is None else open_view(self.group, account_id)

    # --- check-in and points (shequn.playbook.checkin_rule, shequn.playbook.points) ---

    def checkin_times(self, member_id: str, until: datetime, exclude: str = "") -> list[datetime]:
        """The account's check-in messages here up to ``until`` (one indexed query)."""
        account_id = self._account_id(member_id)
        if account_id is None:
            return []
        return checkin_store.checkin_times(self.group, account_id, until, exclude)

    def inviter(self, member_id: str) -> Actor | None:
        """The inviter of the account's latest stay here."""
        found = (
            self._stays(member_id).order_by("-pk")
            .values_list("inviter__external_id", "inviter__display_name").first()
        )  # fmt: skip
        if found is None or not found[0]:
            return None
        return Actor(id=found[0], name=found[1] or "")


def _standing(community_id: int, entries: QuerySet[AuditLog]) -> set[int]:
    """The ids of ``entries`` that no audit entry of the community undoes."""
    ids = set(entries.values_list("pk", flat=True))
    if not ids:
        return ids
    undone = AuditLog.objects.filter(
        community_id=community_id, **{f"details__{UNDOES}__in": list(ids)}
    )
    return ids - {int(pk) for pk in undone.values_list(f"details__{UNDOES}", flat=True)}


def archive_numbers(group: Group) -> dict[str, int]:
    """Each account of ``group``'s stays → its archive member number (for replay's MemoryState)."""
    rows = (
        Membership.objects.filter(group=group)
        .values_list("account__external_id", "account__person__number")
        .distinct()
    )
    return {external_id: number for external_id, number in rows.iterator()}
