"""Chat windows (闲聊时段): idle chat in set hours, topic hours kept on topic, gently.

Configured in ``Group.settings["windows"]`` (seed 000, finance case; PLAYBOOK §3):

- ``chat_hours``: weekly hours in which idle chat is free (e.g. every evening
  20:00–23:00), plus ``holidays`` (whole days). Outside them a message gets a
  gentle reminder, when ``quiet_reminder`` is on.
- ``topic_windows``: column or topic hours (e.g. Wednesday 19:00–21:00, "周三晚课").
  A message in one that carries none of its keywords (or any message, when it
  has none) gets a gentle reminder. Topic hours come before chat hours; holidays
  before both.

An introduction (a message answering the entry ritual's template) is never idle
chat. Never a punishment: the answer is a Reply, at most once per member per window
(the window being the topic window's occurrence, or the quiet stretch since the
latest window ended or the day began). Hours are the community's (or
``time_zone``); the only clock is the event's ``at``.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_noop as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shequn.events import Action, Event, MessageKind, MessagePosted, Reply
from shequn.playbook.ritual import check_template
from shequn.playbook.ritual_intro import parse_intro
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig, exempt

NAME = "windows"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = dict(
    zip(WEEKDAYS, ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), strict=True)
)
#: A moment's rule: when its window (or quiet stretch) began and the topic window; None: free.
Period = tuple[datetime, "TopicWindow | None"] | None
#: The fields a reminder may use.
PLACEHOLDERS = frozenset({"name", "window", "hours", "chat_hours"})
_SKIPPED = frozenset({MessageKind.SYSTEM, MessageKind.RED_PACKET})

DEFAULT_TOPIC = (
    "@{name} 温馨提示：现在是「{window}」时段（{hours}），请围绕主题发言；"
    "闲聊请留到闲聊时段（{chat_hours}）～"
)
DEFAULT_QUIET = "@{name} 温馨提示：现在不是闲聊时段，闲聊请留到 {chat_hours}，谢谢配合～"


class WeeklyHours(BaseModel):
    """Hours on some days of the week; an end at or before the start runs past midnight."""

    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS), min_length=1, title=_("days"),
        description=_("days of the week the hours start on"),
    )  # fmt: skip
    start: time = Field(title=_("from"), description=_("local time, e.g. 20:00"))
    end: time = Field(
        title=_("until"), description=_("local time; at or before the start: the next day")
    )

    @field_validator("days")
    @classmethod
    def _unique_days(cls, value: list[Weekday]) -> list[Weekday]:
        return sorted(set(value), key=WEEKDAYS.index)

    @field_validator("start", "end")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        """Local wall-clock minutes: seconds and a zone given with the time are dropped."""
        return value.replace(second=0, microsecond=0, tzinfo=None)

    def opened(self, local: datetime) -> datetime | None:
        """When the occurrence containing ``local`` began (local time), or None if none does."""
        now, today = local.time(), local.date()
        start, end = self.start, self.end
        if start < end:
            hit = self._on(today) and start <= now < end
            return _at(today, start, local) if hit else None
        if self._on(today) and now >= start:
            return _at(today, start, local)
        yesterday = today - timedelta(days=1)
        if self._on(yesterday) and now < end:
            return _at(yesterday, start, local)
        return None

    def ends_before(self, local: datetime) -> list[datetime]:
        """The ends (local) of occurrences begun today or yesterday that are over by ``local``."""
        ends = []
        start, stop = self.start, self.end
        for back in (0, 1):
            day = local.date() - timedelta(days=back)
            if not self._on(day):
                continue
            end_day = day if start < stop else day + timedelta(days=1)
            end = _at(end_day, stop, local)
            if end <= local:
                ends.append(end)
        return ends

    def describe(self) -> str:
        """The hours as members read them: ``周三 19:00–21:00``, ``每天 20:00–23:00``."""
        days = "每天" if len(self.days) == 7 else "、".join(DAY_NAMES[d] for d in self.days)
        return f"{days} {self.start:%H:%M}–{self.end:%H:%M}"

    def _on(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days


class TopicWindow(WeeklyHours):
    """Column or topic hours: messages should stay on topic."""

    name: str = Field(
        min_length=1, max_length=50, title=_("name"), description=_("e.g. 周三晚课, 午间话题")
    )
    keywords: list[str] = Field(
        default_factory=list, title=_("on-topic keywords"),
        description=_("a message containing one is on topic; empty: every message gets the "
                      "reminder (once)"),
    )  # fmt: skip

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        return [k.strip() for k in value if k.strip()]

    def on_topic(self, text: str) -> bool:
        """Whether ``text`` carries one of the keywords (NFKC, case ignored)."""
        folded = unicodedata.normalize("NFKC", text).casefold()
        return any(unicodedata.normalize("NFKC", k).casefold() in folded for k in self.keywords)


def _exempt_by_default() -> list[ExemptRole]:
    return ["owner", "admin", "assistant", "monitor", "kol"]


class WindowsConfig(RuleConfig):
    """Chat-window settings of a group (``Group.settings["windows"]``)."""

    enabled: bool = Field(False, title=_("enabled"))
    dry_run: bool = Field(
        False, title=_("dry run"), description=_("decide and log only: no reminder is sent")
    )
    exempt_roles: list[ExemptRole] = Field(
        default_factory=_exempt_by_default,
        title=_("exempt roles"),
        description=_("members holding one of these roles are never reminded"),
    )
    chat_hours: list[WeeklyHours] = Field(
        default_factory=list, title=_("chat hours"),
        description=_("idle chat is free in these hours; empty: free whenever no topic "
                      "window is open"),
    )  # fmt: skip
    holidays: list[date] = Field(
        default_factory=list, title=_("holidays"),
        description=_("days (YYYY-MM-DD) free for chat all day"),
    )  # fmt: skip
    topic_windows: list[TopicWindow] = Field(
        default_factory=list, title=_("topic windows"),
        description=_("column or topic hours, kept on topic"),
    )  # fmt: skip
    quiet_reminder: bool = Field(
        True, title=_("remind outside chat hours"),
        description=_("when chat hours are set, remind members who chat outside them"),
    )  # fmt: skip
    topic_text: str = Field(
        DEFAULT_TOPIC, min_length=1, max_length=500, title=_("reminder in topic hours"),
        description=_("fields: {name} {window} {hours} {chat_hours}"),
    )  # fmt: skip
    quiet_text: str = Field(
        DEFAULT_QUIET, min_length=1, max_length=500, title=_("reminder outside chat hours"),
        description=_("fields: {name} {window} {hours} {chat_hours}"),
    )  # fmt: skip
    time_zone: str = Field(
        "", max_length=64, title=_("time zone"),
        description=_("e.g. Asia/Shanghai; empty: the community's time zone"),
    )  # fmt: skip

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        value = value.strip()
        if value and zone(value) is None:
            raise ValueError(f"unknown time zone {value!r} (expected e.g. Asia/Shanghai)")
        return value

    @field_validator("topic_text", "quiet_text")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        check_template(value, PLACEHOLDERS)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [w.name for w in self.topic_windows]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"topic_windows: the name {twice[0]!r} is used twice")
        return self

    def chat_hours_text(self) -> str:
        """The chat hours as members read them (with holidays)."""
        parts = [w.describe() for w in self.chat_hours]
        return "，".join(parts + (["节假日全天"] if self.holidays else [])) or "其他时间"


class Windows:
    """On MessagePosted: a gentle Reply to idle chat in topic hours or outside chat hours."""

    name: ClassVar[str] = NAME
    Config: ClassVar[type[RuleConfig]] = WindowsConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: WindowsConfig) -> None:
        self.config = config
        self.holidays = frozenset(config.holidays)
        self.chat_hours = config.chat_hours_text()
        self.hours = {w.name: w.describe() for w in config.topic_windows}
        # The period of the latest stretch asked about: messages come in order, and the
        # answer changes only on another day or at a window's start or end (whole local
        # minutes, ``_bounds``), so it holds for the whole stretch between two of them.
        windows = [*config.chat_hours, *config.topic_windows]
        self._bounds = sorted({t.hour * 60 + t.minute for w in windows for t in (w.start, w.end)})
        self._stretch: tuple[str, date, int] | None = None
        self._period: Period = None

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MessagePosted) or event.kind in _SKIPPED:
            return []
        actor = event.actor
        if actor is None or actor.is_bot or exempt(self.config, event, state):
            return []
        config = self.config
        if not config.topic_windows and not (config.chat_hours and config.quiet_reminder):
            return []
        period = self.period(event.at, config.time_zone or state.time_zone())
        if period is None:
            return []
        since, window = period
        if window is not None and window.on_topic(event.text):
            return []
        return self._remind(event, state, since, window)

    def period(self, at: datetime, zone_name: str) -> Period:
        """Whether ``at`` needs on-topic or quiet (when it began, and the topic window), or None.

        None: a holiday, chat hours, or no rule for the moment (free).
        """
        local = at.astimezone(zone(zone_name) or ZoneInfo("UTC"))
        key = (zone_name, local.date(), bisect_right(self._bounds, local.hour * 60 + local.minute))
        if self._stretch != key:
            self._stretch, self._period = key, self._find_period(local)
        return self._period

    def _find_period(self, local: datetime) -> Period:
        if local.date() in self.holidays:
            return None
        for window in self.config.topic_windows:
            began = window.opened(local)
            if began is not None:
                return began, window
        config = self.config
        if not config.chat_hours or not config.quiet_reminder:
            return None
        if any(w.opened(local) is not None for w in config.chat_hours):
            return None
        return self._quiet_since(local), None

    def _quiet_since(self, local: datetime) -> datetime:
        """When the current quiet stretch began: the latest window end today, else midnight."""
        midnight = _at(local.date(), time(0), local)
        ends = [e for w in [*self.config.chat_hours, *self.config.topic_windows]
                for e in w.ends_before(local)]  # fmt: skip
        return max([midnight, *ends])

    def _remind(
        self,
        event: MessagePosted,
        state: GroupState,
        since: datetime,
        window: TopicWindow | None,
    ) -> list[Action]:
        """A Reply unless this member was already reminded in this window, or introduces
        themselves (an introduction is never idle chat)."""
        assert event.actor is not None
        member = event.actor.id
        if state.replied_to(NAME, member, since, event.at) > 0:
            return []
        if parse_intro(event.text).answers:
            return []
        name = state.display_name(member) or event.actor.name or member  # the nickname here
        template = self.config.topic_text if window is not None else self.config.quiet_text
        text = template.format(
            name=name,
            window=window.name if window is not None else "",
            hours=self.hours[window.name] if window is not None else "",
            chat_hours=self.chat_hours,
        )
        where = f"topic window {window.name}" if window is not None else "outside chat hours"
        return [
            Reply(
                platform=event.platform, group=event.group, rule=NAME,
                reason=f"{name}: idle chat {where}", message_id=event.event_id, text=text,
            )
        ]  # fmt: skip


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone ``name``, or None when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _at(day: date, clock: time, local: datetime) -> datetime:
    """``day`` at ``clock`` in ``local``'s zone."""
    return datetime.combine(day, clock, tzinfo=local.tzinfo)
