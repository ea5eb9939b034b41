"""Moderation (广告管理): ads and flooding, answered with warn → mute → remove.

Configured in ``Group.settings["moderation"]``. On each message the rule adds
up the message's signals (``signals.py``) and two the group state knows: a
newcomer's first message (within ``newcomer_hours`` of joining, or with the
join unknown) being a link or an image, and the same text in another group of
the community within ``duplicate_hours``. A score at or over ``threshold`` is an ad;
``flood_messages`` messages within ``flood_seconds`` is flooding. Either is a
strike: the member's earlier strikes (from the audit log) pick the step of the
ladder, by default a warning, then a mute, then removal; the ad itself is
deleted. A member removed by this rule anywhere in the community is removed
again when they join (or first speak in) any of its groups.

Owners, admins, assistants, monitors and KOLs are exempt by default, and so
are bots. Every action's reason names the signals and the message.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from shequn.events import (
    Action,
    Actor,
    Delete,
    Event,
    MemberJoined,
    MessageKind,
    MessagePosted,
    Mute,
    Remove,
    Warn,
)
from shequn.playbook.moderation.keywords import Keywords, keywords
from shequn.playbook.moderation.signals import (
    CARRIERS,
    WEIGHTS,
    Signal,
    describe,
    find_signals,
    is_image,
    score,
)
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig, exempt

Step = Literal["warn", "mute", "remove"]
ALL_ROLES: list[ExemptRole] = ["owner", "admin", "assistant", "monitor", "kol"]
LADDER: list[Step] = ["warn", "mute", "remove"]
DEFAULT_WARN = (
    "{name}，本群禁止广告和刷屏（{what}），请遵守群规。再次违反将被禁言，多次违反将被移出本群。"
)
#: How each signal is named to the member in a warning.
LABELS = {
    "link": "链接",
    "short_link": "短链接",
    "invite": "其他群的邀请",
    "channel": "频道链接",
    "phone": "电话号码",
    "contact_id": "联系方式",
    "contact_card": "名片",
    "qr_image": "二维码",
    "keyword": "广告用语",
    "keyword_weak": "广告用语",
    "newcomer": "新成员首条消息发链接或图片",
    "cross_group": "多群重复发送",
    "flood": "刷屏",
}
_SKIPPED_KINDS = frozenset({MessageKind.SYSTEM, MessageKind.RED_PACKET})


class ModerationConfig(RuleConfig):
    """Thresholds, lists and the escalation ladder; see the module docstring."""

    exempt_roles: list[ExemptRole] = Field(default_factory=lambda: list(ALL_ROLES))
    threshold: float = Field(default=4.0, gt=0)
    weights: dict[str, float] = Field(default_factory=dict)
    keywords: list[str] = Field(default_factory=list)
    allowed_keywords: list[str] = Field(default_factory=list)
    allowed_domains: list[str] = Field(default_factory=list)
    newcomer_hours: float = Field(default=72.0, ge=0)
    flood_messages: int = Field(default=10, ge=0)  # 0: no flood check
    flood_seconds: int = Field(default=30, ge=1)
    duplicate_hours: float = Field(default=3.0, ge=0)  # 0: no cross-group check
    duplicate_min_length: int = Field(default=10, ge=1)
    ladder: list[Step] = Field(default_factory=lambda: list(LADDER), min_length=1)
    mute_minutes: int = Field(default=24 * 60, ge=1)
    delete_message: bool = True
    blacklist: bool = True
    warn_text: str = DEFAULT_WARN

    @field_validator("weights")
    @classmethod
    def _known_codes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(WEIGHTS))
        if unknown:
            raise ValueError(f"unknown signal {', '.join(unknown)}; known: {', '.join(WEIGHTS)}")
        if any(w < 0 for w in value.values()):
            raise ValueError("signal weights must not be negative")
        return value


class Moderation:
    """On MessagePosted: ads and floods get the next ladder step; on MemberJoined: the blacklist."""

    name: ClassVar[str] = "moderation"
    Config: ClassVar[type[RuleConfig]] = ModerationConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: ModerationConfig) -> None:
        self.config = config
        self.weights = {**WEIGHTS, **config.weights}
        # worked out once, not per message
        self._flood_window = timedelta(seconds=config.flood_seconds)
        self._duplicate_window = timedelta(hours=config.duplicate_hours)

    @cached_property
    def words(self) -> Keywords:
        """The keyword lists with the group's extra and allowed words (on the first message)."""
        return keywords(tuple(self.config.keywords), tuple(self.config.allowed_keywords))

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if isinstance(event, MemberJoined):
            return self._joined(event, state)
        if not isinstance(event, MessagePosted) or event.kind in _SKIPPED_KINDS:
            return []
        actor = event.actor
        if actor is None or actor.is_bot or exempt(self.config, event, state):
            return []
        first = state.message_count(actor.id, None, event.at, exclude=event.event_id) == 0
        if first and self.config.blacklist and state.blacklisted(self.name, actor.id):
            reason = f"blacklisted: removed from a group of this community; {event.event_id}"
            return [*self._delete(event, reason), self._remove(event, actor, reason)]
        signals = self.signals(event, state, first)
        total = score(signals)
        if total >= self.config.threshold:
            reason = (
                f"ad: score {total:g} ≥ {self.config.threshold:g} "
                f"({describe(signals)}) in message {event.event_id}"
            )
            step = self._step(event, actor, state, reason, signals)
            return [*self._delete(event, reason), step]
        if self._flooding(event, actor, state):
            reason = (
                f"flood: {self.config.flood_messages} messages within "
                f"{self.config.flood_seconds}s, up to message {event.event_id}"
            )
            return [self._step(event, actor, state, reason, [Signal("flood", 0, "")])]
        return []

    def signals(self, event: MessagePosted, state: GroupState, first: bool) -> list[Signal]:
        """The message's own signals plus the newcomer and cross-group ones."""
        config = self.config
        found = find_signals(
            event.text,
            event.kind,
            allowed_domains=config.allowed_domains,
            words=self.words,
            weights=self.weights,
        )
        carries = bool(found) and any(s.code in CARRIERS for s in found)
        carries = carries or is_image(event.kind, event.text)
        if carries and first and self._newcomer(event, state, event.actor):
            found.append(Signal("newcomer", self.weights["newcomer"], "first message"))
        text = event.text
        if config.duplicate_hours and len("".join(text.split())) >= config.duplicate_min_length:
            since = event.at - self._duplicate_window
            groups = state.same_text_groups(text, since, event.at)
            if groups:
                evidence = f"also in {groups} other group(s)"
                found.append(Signal("cross_group", self.weights["cross_group"], evidence))
        return found

    def _newcomer(self, event: MessagePosted, state: GroupState, actor: Actor | None) -> bool:
        """Whether the member joined at most ``newcomer_hours`` ago (or their join is unknown)."""
        if actor is None:
            return False
        joined = state.joined_at(actor.id)
        window = timedelta(hours=self.config.newcomer_hours)
        return joined is None or event.at - joined <= window

    def _flooding(self, event: MessagePosted, actor: Actor, state: GroupState) -> bool:
        """Every ``flood_messages``-th message inside a ``flood_seconds`` window is flooding."""
        limit = self.config.flood_messages
        if not limit:
            return False
        since = event.at - self._flood_window
        count = state.message_count(actor.id, since, event.at, exclude=event.event_id) + 1
        return count >= limit and count % limit == 0

    def _step(
        self, event: Event, actor: Actor, state: GroupState, reason: str, signals: list[Signal]
    ) -> Action:
        """The ladder step after the member's earlier strikes (the last step repeats)."""
        ladder = self.config.ladder
        step = ladder[min(state.strikes(self.name, actor.id), len(ladder) - 1)]
        common = {"platform": event.platform, "group": event.group, "rule": self.name}
        if step == "warn":
            name = actor.name or state.display_name(actor.id) or actor.id
            text = _render(self.config.warn_text, name, _labels(signals))
            return Warn(**common, reason=reason, member=actor, text=text)
        if step == "mute":
            duration = timedelta(minutes=self.config.mute_minutes)
            return Mute(**common, reason=reason, member=actor, duration=duration)
        return self._remove(event, actor, reason)

    def _remove(self, event: Event, actor: Actor, reason: str) -> Remove:
        return Remove(
            platform=event.platform, group=event.group, rule=self.name, reason=reason, member=actor
        )

    def _delete(self, event: MessagePosted, reason: str) -> list[Action]:
        if not self.config.delete_message:
            return []
        return [
            Delete(
                platform=event.platform, group=event.group, rule=self.name, reason=reason,
                message_id=event.event_id,
            )
        ]  # fmt: skip

    def _joined(self, event: MemberJoined, state: GroupState) -> list[Action]:
        member = event.member
        if not self.config.blacklist or member.is_bot or exempt(self.config, event, state):
            return []
        if not state.blacklisted(self.name, member.id):
            return []
        reason = f"blacklisted: removed from a group of this community; {event.event_id}"
        return [self._remove(event, member, reason)]


def _labels(signals: list[Signal]) -> str:
    names: list[str] = []
    for signal in signals:
        label = LABELS.get(signal.code, signal.code)
        if label not in names:
            names.append(label)
    return "、".join(names)


def _render(template: str, name: str, what: str) -> str:
    """Fill ``{name}`` and ``{what}``; a template with a broken field is used as written."""
    try:
        return template.format_map({"name": name, "what": what})
    except (KeyError, IndexError, ValueError):
        return template
