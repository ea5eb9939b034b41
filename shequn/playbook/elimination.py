"""Dynamic elimination (动态淘汰): the policy and the pure decision over members' facts.

A group's policy (``Group.settings["elimination"]``) says who no longer takes part:
silent for N days, or fewer than N check-ins in the previous calendar month (in the
community's time zone), with thresholds per tier (big / mid / ordinary). Protected
roles (``exempt_roles``), bots and newcomers are never judged.

Pure: ``decide`` gets each member's facts, the config, the instant and the zone; the
sweep (``elimination_sweep``) reads the facts from the store and acts on the verdicts.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shequn.events import Action, Appeal, DirectMessage, Event
from shequn.playbook.checkin import community_day
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig

NAME = "elimination"
SILENT, CHECKINS = "silent", "checkins"
TIERS = ("big", "mid", "ordinary")
#: The fields a notice or removal text may use, e.g. ``{name}`` or ``{deadline}``.
PLACEHOLDERS = frozenset({"name", "group", "why", "deadline", "grace_days"})

PROTECTED: tuple[ExemptRole, ...] = ("owner", "admin", "assistant", "monitor")
DEFAULT_NOTICE = (
    "{name}，你好：你在「{group}」{why}。按群规（动态淘汰），若在 {deadline} 前仍未参与，"
    "将被请出本群。如有特殊情况，请直接回复本消息或在群里说一声。"
)
DEFAULT_REMOVAL = "按「{group}」的动态淘汰规则移出：{why}（宽限期 {grace_days} 天已过）"


class TierThresholds(BaseModel):
    """A threshold per tier; empty (None) means members of that tier are never judged by it."""

    model_config = ConfigDict(extra="forbid")

    big: int | None = Field(default=None, ge=0, le=3650, title=_("big names (大咖)"))
    mid: int | None = Field(default=None, ge=0, le=3650, title=_("mid tier (中咖)"))
    ordinary: int | None = Field(default=None, ge=0, le=3650, title=_("ordinary (普通人)"))

    def of(self, tier: str) -> int | None:
        """The threshold of ``tier`` (an unknown or empty tier counts as ordinary)."""
        value: int | None = getattr(self, tier if tier in TIERS else "ordinary")
        return value


class EliminationConfig(RuleConfig):
    """Elimination settings of a group (``Group.settings["elimination"]``).

    Titles and descriptions are English msgids (marked with ``gettext_noop``): a
    console form translates them when it shows them.
    """

    enabled: bool = Field(False, title=_("enabled"))
    dry_run: bool = Field(
        False, title=_("dry run"), description=_("decide and log only: no notice, no removal")
    )
    exempt_roles: list[ExemptRole] = Field(
        default_factory=lambda: list(PROTECTED),
        title=_("protected roles"),
        description=_("members holding one of these roles are never eliminated"),
    )
    silent_days: TierThresholds = Field(
        default_factory=lambda: TierThresholds(mid=60, ordinary=30),
        title=_("silent days"),
        description=_("eliminate members silent for at least this many days, per tier"),
    )
    min_checkins: TierThresholds = Field(
        default_factory=lambda: TierThresholds(),
        title=_("minimum check-ins per month"),
        description=_("eliminate members with fewer check-ins than this last month, per tier"),
    )
    newcomer_days: int = Field(
        14, ge=0, le=365, title=_("newcomer protection (days)"),
        description=_("members who joined less than this many days ago are not judged"),
    )  # fmt: skip
    grace_days: int = Field(
        3, ge=0, le=60, title=_("grace period (days)"),
        description=_("days between the notice and the removal"),
    )  # fmt: skip
    renotice_days: int = Field(
        30, ge=0, le=365, title=_("days before a new notice"),
        description=_("a member spared or readmitted gets no new notice for this many days"),
    )  # fmt: skip
    sweep_hour: int = Field(
        10, ge=0, le=23, title=_("sweep hour"),
        description=_("hour of the day (community time) the daily sweep runs"),
    )  # fmt: skip
    notice_text: str = Field(
        DEFAULT_NOTICE, min_length=1, max_length=2000, title=_("notice text"),
        description=_("direct message to the member; fields: {name} {group} {why} {deadline} "
                      "{grace_days}"),
    )  # fmt: skip
    removal_text: str = Field(
        DEFAULT_REMOVAL, min_length=1, max_length=500, title=_("removal reason"),
        description=_("reason given with the removal; same fields as the notice"),
    )  # fmt: skip

    @field_validator("notice_text", "removal_text")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        try:
            parts = [p for p in string.Formatter().parse(value) if p[1] is not None]
        except ValueError as exc:
            raise ValueError(f"not a valid template: {exc}") from None
        if any(spec or conversion for _, _, spec, conversion in parts):
            raise ValueError("fields take no format or conversion (write {name}, not {name:…})")
        names = [str(field) for _, field, _, _ in parts]
        unknown = sorted({n for n in names if n not in PLACEHOLDERS})
        if unknown:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise ValueError(f"unknown field {{{unknown[0]}}}; expected one of {known}")
        return value


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the decision knows of one current member (read from the store by the sweep).

    ``joined_at``: when they joined or, when that is unknown, the earliest time they are
    known to have been here (first seen, or the start of the group's stored history);
    None when nothing is known. ``checkins``: check-in days in the judged month, None
    when not counted.
    """

    member_id: str
    name: str
    tier: str = ""
    role: str = "member"
    is_bot: bool = False
    joined_at: datetime | None = None
    last_message_at: datetime | None = None
    checkins: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why ``member`` falls under the policy: the criterion and the figures behind it.

    ``days_silent`` is None only when nothing dates the member (then silence is not judged).
    """

    member: MemberFacts
    criterion: str
    tier: str
    threshold: int
    days_silent: int | None
    checkins: int | None

    def facts(self) -> dict[str, object]:
        """The figures as plain JSON, for the notice record and the audit log."""
        return {
            "criterion": self.criterion,
            "tier": self.tier,
            "threshold": self.threshold,
            "days_silent": self.days_silent,
            "checkins": self.checkins,
        }


def checkin_month(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The previous calendar month in ``zone`` as [start, end) aware instants."""
    first = community_day(now, zone).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return _midnight(previous, zone), _midnight(first, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def days_silent(member: MemberFacts, now: datetime, zone: ZoneInfo) -> int | None:
    """Community days since the member last spoke (or joined, if never); None if unknown."""
    last = member.last_message_at or member.joined_at
    if last is None:
        return None
    return (community_day(now, zone) - community_day(last, zone)).days


def judged(member: MemberFacts, config: EliminationConfig, now: datetime) -> bool:
    """Whether the policy applies to the member at all: no bot, no protected role, no newcomer."""
    if member.is_bot or member.role in config.exempt_roles:
        return False
    joined = member.joined_at
    return joined is None or now - joined >= timedelta(days=config.newcomer_days)


def decide_one(
    member: MemberFacts, config: EliminationConfig, now: datetime, zone: ZoneInfo
) -> Verdict | None:
    """The member's verdict, silence first, then check-ins; None when they may stay."""
    if not judged(member, config, now):
        return None
    tier = member.tier if member.tier in TIERS else "ordinary"
    silent = days_silent(member, now, zone)
    limit = config.silent_days.of(tier)
    if limit is not None and silent is not None and silent >= limit:
        return Verdict(member, SILENT, tier, limit, silent, member.checkins)
    needed = config.min_checkins.of(tier)
    if needed is not None and member.checkins is not None and member.checkins < needed:
        start, _end = checkin_month(now, zone)
        if member.joined_at is None or member.joined_at <= start:  # in the group all month
            return Verdict(member, CHECKINS, tier, needed, silent, member.checkins)
    return None


def decide(
    members: list[MemberFacts], config: EliminationConfig, now: datetime, zone: ZoneInfo
) -> list[Verdict]:
    """The members falling under the policy at ``now``, in the order given."""
    found = (decide_one(m, config, now, zone) for m in members)
    return [v for v in found if v is not None]


def needs_checkins(config: EliminationConfig) -> bool:
    """Whether any tier is judged by check-ins (only then are they counted)."""
    return any(config.min_checkins.of(t) is not None for t in TIERS)


def why(verdict: Verdict) -> str:
    """The reason in the community's language (Chinese), as the member reads it."""
    if verdict.criterion == SILENT:
        if verdict.member.last_message_at is None:
            return f"入群 {verdict.days_silent} 天以来一直未发言（规定 {verdict.threshold} 天）"
        return f"已有 {verdict.days_silent} 天未发言（规定 {verdict.threshold} 天）"
    count = verdict.checkins or 0
    return f"上个月打卡 {count} 次（规定至少 {verdict.threshold} 次）"


def render(template: str, verdict: Verdict, group: str, deadline: str, grace_days: int) -> str:
    """``template`` filled in for ``verdict`` (fields were checked when the config was read)."""
    values = {
        "name": verdict.member.name or verdict.member.member_id,
        "group": group,
        "why": why(verdict),
        "deadline": deadline,
        "grace_days": grace_days,
    }
    return template.format_map(values)


class Elimination:
    """The rule family as the console's rules page and API know it (name, title, Config).

    It acts in the daily sweep (``elimination_sweep``), which reads this same config;
    on events it only takes a member's direct reply to a notice as an appeal.
    """

    name: ClassVar[str] = NAME
    title: ClassVar[str] = _("Dynamic elimination")
    Config: ClassVar[type[RuleConfig]] = EliminationConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: EliminationConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        """Only a direct reply of a member under notice: an appeal (the sweep does the rest).

        A reply in the group is found by the next sweep from the stored messages; a
        direct message is never stored, so it is taken here, as it arrives.
        """
        actor = event.actor
        if not isinstance(event, DirectMessage) or actor is None or not event.text.strip():
            return []
        if not state.open_notice(actor.id):
            return []
        return [
            Appeal(
                platform=event.platform, group=event.group, rule=self.name, member=actor,
                reason=f"appeal by direct message ({event.event_id})", text=event.text.strip(),
            )
        ]  # fmt: skip
