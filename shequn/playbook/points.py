"""Points (积分, WeTool-style): the Award store action, and invite points with a claw-back.

``award`` is the store's handler of ``Award`` (see ``store_actions``): it finds
the member's archive entry and writes the ledger through
``community.points_actions`` (audited, once per source, within the group's
daily cap, ``settings["checkin"]["daily_cap"]``). An Award that ``takes_back``
an earlier source reverses that award, and only if it was made.

``InvitePoints`` (``settings["invite_points"]``) rewards the inviter of a
newcomer, once per invitee, and takes the points back when the invitee leaves
within ``claw_back_days`` of joining (so inviting people who leave at once
earns nothing). A rule: pure, replayable; the ledger decides what was rewarded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from shequn.community import points_actions
from shequn.community.models import Group
from shequn.events import Action, Award, Event, MemberJoined, MemberLeft
from shequn.playbook.archive_actions import ArchiveActionError, person_of
from shequn.playbook.checkin_rule import config_from
from shequn.playbook.rules import GroupState, RuleConfig, exempt


def award(group: Group, action: Action) -> None:
    """Write ``action`` (an Award) to the member's ledger (the store handler)."""
    assert isinstance(action, Award)
    if not action.source:
        raise ArchiveActionError("an Award needs a source (the event that earned it)")
    person = person_of(group, action.member)
    rule, source, reason = action.rule, action.source, action.reason
    if action.takes_back:
        points_actions.take_back(
            person, rule=rule, source=source, earlier=action.takes_back, reason=reason,
            group=group, at=action.at,
        )  # fmt: skip
        return
    zone = str(group.community.time_zone)
    cap = config_from(group.settings or {}).daily_cap
    points_actions.award(
        person, action.points, rule=rule, source=source, reason=reason, group=group, cap=cap,
        zone=zone, at=action.at,
    )  # fmt: skip


class InvitePointsConfig(RuleConfig):
    """Points for inviting a newcomer, taken back if they leave soon."""

    invite_points: int = Field(
        default=5, ge=0, title="邀请积分", description="邀请一位新成员入群获得的积分。"
    )
    claw_back_days: int = Field(
        default=7,
        ge=0,
        title="收回期限（天）",
        description="被邀请人在这些天内退群，收回邀请积分；0 表示不收回。",
    )


class InvitePoints:
    """On MemberJoined with an inviter: Award the inviter; on an early MemberLeft: take it back."""

    name: ClassVar[str] = "invite_points"
    Config: ClassVar[type[RuleConfig]] = InvitePointsConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: InvitePointsConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if self.config.invite_points <= 0:
            return []
        if isinstance(event, MemberJoined):
            return self._joined(event, state)
        if isinstance(event, MemberLeft):
            return self._left(event, state)
        return []

    def _joined(self, event: MemberJoined, state: GroupState) -> list[Action]:
        member, inviter = event.member, event.inviter
        if inviter is None or inviter.id == member.id or member.is_bot or inviter.is_bot:
            return []
        if exempt(self.config, event, state):
            return []
        return [
            Award(
                platform=event.platform, group=event.group, rule=self.name,
                reason=f"invited {member.name or member.id}", member=inviter,
                points=self.config.invite_points, source=invite_source(member.id), at=event.at,
            )
        ]  # fmt: skip

    def _left(self, event: MemberLeft, state: GroupState) -> list[Action]:
        member = event.member
        days = self.config.claw_back_days
        inviter = state.inviter(member.id)
        joined = state.joined_at(member.id)
        if days <= 0 or inviter is None or joined is None:
            return []
        if event.at - joined > timedelta(days=days):
            return []
        return [
            Award(
                platform=event.platform, group=event.group, rule=self.name,
                reason=f"{member.name or member.id} left within {days} days",
                member=inviter, points=-self.config.invite_points,
                source=f"{invite_source(member.id)}:left", takes_back=invite_source(member.id),
                at=event.at,
            )
        ]  # fmt: skip


def invite_source(member_id: str) -> str:
    """The ledger source of inviting ``member_id``: one reward per invitee, ever."""
    return f"invite:{member_id}"
