"""Check-in (打卡/签到), live: answer a member's first check-in of the day with their streak.

Configured in ``Group.settings["checkin"]`` (the section ``shequn activities``
reads too). Recognition and streak arithmetic are ``shequn.playbook.checkin``'s;
this rule only decides. On a check-in message (``is_checkin``) by a member who
has none yet in this community day (the community's zone), it replies with the
member's current streak, longest streak and check-ins this month, and awards
``points_per_checkin`` (the ledger keeps the daily cap). A second check-in the
same day gets nothing, so the group is not flooded.

The Award's source is the message (``<group>:<message id>``, as platforms number
messages per chat), so a repeated event never earns twice.

The member's earlier check-ins come from ``GroupState.checkin_times``: the
messages of the group that the same settings recognise, so check-ins imported
from history count towards a streak just as live ones do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError

from shequn.events import Action, Award, Event, MessagePosted, Reply
from shequn.playbook.checkin import (
    DEFAULT_KEYWORDS,
    CheckinConfig,
    community_day,
    is_checkin,
    streaks,
)
from shequn.playbook.rules import GroupState, RuleConfig, exempt
from shequn.playbook.welcome import render

NAME = "checkin"
DEFAULT_REPLY = (
    "{name} 打卡成功！已连续打卡 {streak} 天，最长连续 {longest} 天，本月第 {month} 次。"
)
DEFAULT_TITLE = "{month} 打卡榜"


class CheckinRuleConfig(CheckinConfig):
    """What the live check-in rule adds to the check-in settings: the reply and the leaderboard."""

    keywords: list[str] = Field(
        default_factory=lambda: list(DEFAULT_KEYWORDS),
        validate_default=True,
        title="关键词",
        description="消息以这些词表示打卡（如 签到、打卡、/checkin、#打卡）。",
    )
    photo_with_keyword: bool = Field(
        default=True, title="图片打卡", description="带关键词说明的图片也算打卡。"
    )
    points_per_checkin: int = Field(
        default=1, ge=0, title="每次打卡积分", description="每天第一次打卡获得的积分。"
    )
    daily_cap: int = Field(
        default=10,
        ge=0,
        title="每日积分上限",
        description="一个成员一天（社群时区）最多获得的积分。",
    )
    reply_template: str = Field(
        default=DEFAULT_REPLY,
        title="回复模板",
        description="可用 {name} {streak}（连续天数）{longest}（最长连续）{month}（本月次数）"
        "{total}（累计天数）{points}（本次积分）。",
    )
    leaderboard_at: str = Field(
        default="",
        pattern=r"^(|([01]\d|2[0-3]):[0-5]\d)$",
        title="排行榜发布时间",
        description="每天几点（社群时区，HH:MM）在群里发布排行榜；留空则不发布。",
    )
    leaderboard_by: Literal["checkins", "points"] = Field(
        default="checkins", title="排行依据", description="按本月打卡次数或本月积分排行。"
    )
    leaderboard_top: int = Field(default=10, ge=1, le=50, title="排行人数")
    leaderboard_title: str = Field(
        default=DEFAULT_TITLE, title="排行榜标题", description="可用 {month}（YYYY-MM）。"
    )


def config_from(settings: Mapping[str, Any]) -> CheckinRuleConfig:
    """A group's check-in settings (defaults when absent or invalid, as the state reads them)."""
    try:
        return CheckinRuleConfig.model_validate(settings.get(NAME) or {})
    except ValidationError:
        return CheckinRuleConfig()


class CheckinRule:
    """On MessagePosted: a Reply (and an Award) for a member's first check-in of the day."""

    name: ClassVar[str] = NAME
    Config: ClassVar[type[RuleConfig]] = CheckinRuleConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: CheckinRuleConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if type(event) is not MessagePosted or event.actor is None or event.actor.is_bot:
            return []
        if not is_checkin(str(event.kind), event.text, self.config):
            return []
        if exempt(self.config, event, state):
            return []
        member = event.actor
        zone = state.time_zone()
        today = community_day(event.at, ZoneInfo(zone))
        earlier = state.checkin_times(member.id, event.at, exclude=event.event_id)
        if any(community_day(at, ZoneInfo(zone)) == today for at in earlier):
            return []  # once per member per community day
        record = streaks([*earlier, event.at], zone, today)
        name = member.name or state.display_name(member.id) or member.id
        points = self.config.points_per_checkin
        text = render(
            self.config.reply_template, name=name, streak=str(record.current),
            longest=str(record.longest), month=str(record.this_month),
            total=str(record.total), points=str(points),
        )  # fmt: skip
        reason = f"{name} checked in on {today.isoformat()} (streak {record.current})"
        where = {"platform": event.platform, "group": event.group}
        actions: list[Action] = [
            Reply(**where, rule=self.name, reason=reason, message_id=event.event_id, text=text)
        ]
        if points > 0:
            actions.append(
                Award(**where, rule=self.name, reason=f"check-in {today.isoformat()}",
                      member=member, points=points, source=f"{event.group}:{event.event_id}",
                      at=event.at)
            )  # fmt: skip
        return actions
