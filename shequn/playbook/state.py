"""The engine's GroupState: what rules may know about a group, read from the store.

Queries run lazily and only in the engine's sync section, so a rule that never
asks for the member count costs no query for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shequn.community.models import Account, Group, Membership
from shequn.playbook.models import Greeting


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
        return self.group.settings or {}

    def member_count(self) -> int:
        stays = Membership.objects.filter(group=self.group, left_how="")
        return stays.values("account").distinct().count()

    def greeted(self, member_id: str) -> bool:
        return Greeting.objects.filter(
            group=self.group, account__platform=self.group.platform, account__external_id=member_id
        ).exists()

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

    def account(self, member_id: str) -> Account | None:
        """The stored account behind a platform id, in the group's community."""
        return Account.objects.filter(
            community_id=self.group.community_id,
            platform=self.group.platform,
            external_id=member_id,
        ).first()
