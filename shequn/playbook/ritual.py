"""Entry ritual (入群仪式): introductions into the archive, the nickname format, deadlines.

Configured in ``Group.settings["ritual"]``; runs after the welcome (``welcome.py``
greets with the 自我介绍 / 需要资源 / 拥有资源 template and may announce the member
number), and does the rest of the seed's ritual (seed 003, PLAYBOOK §4):

- **Introduction.** A message from a recent joiner that answers the template
  (``ritual_intro.parse_intro``), or a long first message, fills the archive's
  intro / needs / offers with a ``FillArchive`` (the store fills only empty fields).
- **Nickname format.** On a first join, a nickname that does not fit the pattern
  (e.g. ``城市-行业-姓名``) gets a reminder, and a ``Schedule`` of the deadline job
  (``ritual_jobs``), which looks again when the deadline comes; a member who renames
  to a misfit is reminded again. A fitting nickname fills city and industry.
- **Nobody answered.** A join schedules a check N minutes later: if nobody replied
  to or mentioned the newcomer, the operators are told (``unanswered`` below
  decides; the job reads the store).

Pure: the event's ``at`` is the only time; jobs are actions the store carries out.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Self

from django.utils.translation import gettext_noop as _
from pydantic import Field, field_validator, model_validator

from shequn.events import (
    Action,
    Actor,
    Event,
    FillArchive,
    MemberJoined,
    MemberRenamed,
    MessageKind,
    MessagePosted,
    Schedule,
    Send,
)
from shequn.playbook.ritual_intro import (
    NicknamePattern,
    PatternError,
    has_link,
    parse_intro,
    weight,
)
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig, exempt

NAME = "ritual"
#: Job kinds this rule schedules (handled in ``shequn.playbook.ritual_jobs``).
NICKNAME_JOB, UNANSWERED_JOB = "ritual_nickname", "ritual_unanswered"
#: The fields a reminder may use.
PLACEHOLDERS = frozenset({"name", "pattern", "example", "hours"})

DEFAULT_REMINDER = "@{name} 请把群昵称改为「{pattern}」格式（例如：{example}），方便大家认识你～"
DEFAULT_RENAME = "@{name} 群昵称请按「{pattern}」格式哦（例如：{example}）～"
DEFAULT_DEADLINE = (
    "@{name} 入群已 {hours} 小时，群昵称还不是「{pattern}」格式（例如：{example}），请尽快修改～"
)


def _exempt_by_default() -> list[ExemptRole]:
    return ["owner", "admin", "assistant"]


class RitualConfig(RuleConfig):
    """Entry-ritual settings of a group (``Group.settings["ritual"]``).

    An empty ``nickname_pattern`` switches the nickname checks off; a zero
    deadline or wait switches that job off.
    """

    enabled: bool = Field(False, title=_("enabled"))
    dry_run: bool = Field(
        False, title=_("dry run"), description=_("decide and log only: no message, no archive edit")
    )
    exempt_roles: list[ExemptRole] = Field(
        default_factory=_exempt_by_default,
        title=_("exempt roles"),
        description=_("members holding one of these roles are left alone"),
    )
    capture_intro: bool = Field(
        True, title=_("fill the archive from introductions"),
        description=_("a newcomer's introduction fills their intro, needs and offers when empty"),
    )  # fmt: skip
    intro_within_days: int = Field(
        7, ge=1, le=90, title=_("introduction window (days)"),
        description=_("messages up to this many days after joining are read as introductions"),
    )  # fmt: skip
    long_intro: int = Field(
        60, ge=0, le=2000, title=_("long first message"),
        description=_("a first message at least this long (a Chinese character counts 2) is "
                      "taken as the introduction; 0: only labelled ones"),
    )  # fmt: skip
    nickname_pattern: str = Field(
        "城市-行业-姓名", max_length=100, title=_("nickname format"),
        description=_("parts joined by '-', e.g. 城市-行业-姓名; empty: no nickname check"),
    )  # fmt: skip
    nickname_example: str = Field(
        "北京-互联网-张三", max_length=100, title=_("nickname example"),
        description=_("shown in reminders; must fit the format"),
    )  # fmt: skip
    join_reminder: str = Field(
        DEFAULT_REMINDER, min_length=1, max_length=500, title=_("reminder on joining"),
        description=_("fields: {name} {pattern} {example} {hours}"),
    )  # fmt: skip
    rename_reminder: str = Field(
        DEFAULT_RENAME, min_length=1, max_length=500, title=_("reminder on renaming"),
        description=_("sent when a member renames to a nickname that does not fit"),
    )  # fmt: skip
    nickname_deadline_hours: int = Field(
        24, ge=0, le=24 * 30, title=_("nickname deadline (hours)"),
        description=_("look again this long after joining: remind once more and tell the "
                      "operators; 0: no deadline"),
    )  # fmt: skip
    deadline_reminder: str = Field(
        DEFAULT_DEADLINE, min_length=1, max_length=500, title=_("reminder at the deadline"),
        description=_("fields: {name} {pattern} {example} {hours}"),
    )  # fmt: skip
    unanswered_minutes: int = Field(
        30, ge=0, le=24 * 60, title=_("notify if nobody answers (minutes)"),
        description=_("tell the operators when nobody replied to or mentioned a newcomer "
                      "this long after they joined; 0: never"),
    )  # fmt: skip

    @field_validator("nickname_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                NicknamePattern.parse(value)
            except PatternError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("join_reminder", "rename_reminder", "deadline_reminder")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        return check_template(value)

    @model_validator(mode="after")
    def _example_fits(self) -> Self:
        pattern = self.pattern
        if (
            pattern is not None
            and self.nickname_example
            and not pattern.match(self.nickname_example)
        ):
            raise ValueError(
                f"nickname_example: {self.nickname_example!r} does not fit the format "
                f"{self.nickname_pattern!r}"
            )
        return self

    @property
    def pattern(self) -> NicknamePattern | None:
        """The nickname pattern (None when there is no nickname check)."""
        return NicknamePattern.parse(self.nickname_pattern) if self.nickname_pattern else None


def check_template(value: str, placeholders: frozenset[str] = PLACEHOLDERS) -> str:
    """``value`` if a template using only ``placeholders``; else ValueError naming the problem."""
    try:
        parts = [p for p in string.Formatter().parse(value) if p[1] is not None]
    except ValueError as exc:
        raise ValueError(f"not a valid template: {exc}") from None
    if any(spec or conversion for _, _, spec, conversion in parts):
        raise ValueError("fields take no format or conversion (write {name}, not {name:…})")
    unknown = sorted({str(f) for _, f, _, _ in parts} - placeholders)
    if unknown:
        known = ", ".join("{" + p + "}" for p in sorted(placeholders))
        raise ValueError(f"unknown field {{{unknown[0]}}}; expected one of {known}")
    return value


def reminder(config: RitualConfig, template: str, name: str) -> str:
    """``template`` filled for the member ``name``."""
    return template.format(
        name=name,
        pattern=config.nickname_pattern,
        example=config.nickname_example,
        hours=config.nickname_deadline_hours,
    )


class Ritual:
    """The entry ritual: introductions, nickname format, deadline and unanswered checks."""

    name: ClassVar[str] = NAME
    Config: ClassVar[type[RuleConfig]] = RitualConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: RitualConfig) -> None:
        self.config = config
        self.pattern = config.pattern
        self.intro_within = timedelta(days=config.intro_within_days)

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if exempt(self.config, event, state):
            return []
        if isinstance(event, MemberJoined):
            return self._joined(event, state)
        if isinstance(event, MessagePosted):
            return self._posted(event, state)
        if isinstance(event, MemberRenamed):
            return self._renamed(event)
        return []

    def _joined(self, event: MemberJoined, state: GroupState) -> list[Action]:
        """A first join: nickname reminder (and deadline), or fill city/industry; the wait check."""
        member = event.member
        if member.is_bot or state.joined_at(member.id) != event.at or state.greeted(member.id):
            return []  # a rejoin, a repeated join event, or a bot: no ritual again
        name = member.name or state.display_name(member.id) or member.id
        who = Actor(member.id, name)
        actions: list[Action] = []
        if self.pattern is not None:
            actions.extend(self._nickname(event, who, name, self.config.join_reminder))
            if not self.pattern.match(name) and self.config.nickname_deadline_hours:
                due = event.at + timedelta(hours=self.config.nickname_deadline_hours)
                actions.append(_schedule(event, NICKNAME_JOB, due, who, "nickname deadline"))
        if self.config.unanswered_minutes:
            due = event.at + timedelta(minutes=self.config.unanswered_minutes)
            actions.append(_schedule(event, UNANSWERED_JOB, due, who, "anyone answered?"))
        return actions

    def _renamed(self, event: MemberRenamed) -> list[Action]:
        actor = event.actor
        if self.pattern is None or actor is None or actor.is_bot or not event.new_name:
            return []
        who = Actor(actor.id, event.new_name)
        return self._nickname(event, who, event.new_name, self.config.rename_reminder)

    def _nickname(self, event: Event, who: Actor, name: str, template: str) -> list[Action]:
        """A reminder when ``name`` does not fit the pattern; else its city and industry."""
        assert self.pattern is not None
        if self.pattern.match(name) is None:
            text = reminder(self.config, template, name)
            why = f"{name}: nickname does not fit {self.config.nickname_pattern}"
            return [Send(platform=event.platform, group=event.group, reason=why, text=text)]
        fields = self.pattern.archive_fields(name)
        if not fields:
            return []
        return [_fill(event, who, fields, f"{name}: city and industry from the nickname")]

    def _posted(self, event: MessagePosted, state: GroupState) -> list[Action]:
        """A recent joiner's introduction → FillArchive."""
        actor = event.actor
        if not self.config.capture_intro or actor is None or actor.is_bot:
            return []
        if event.kind is not MessageKind.TEXT or not event.text.strip():
            return []
        joined = state.joined_at(actor.id)
        if joined is None or event.at - joined > self.intro_within:
            return []
        who = Actor(actor.id, state.display_name(actor.id) or actor.name)  # as the store knows them
        intro = parse_intro(event.text)
        if intro.answers:
            return [_fill(event, who, intro.fields, f"{who.name or who.id} introduced themselves")]
        if not self._long_first(event, state, actor.id):
            return []
        fields = (("intro", event.text.strip()[:2000]),)
        return [_fill(event, who, fields, f"{who.name or who.id}: a long first message")]

    def _long_first(self, event: MessagePosted, state: GroupState, member_id: str) -> bool:
        """A first message here, long enough, without a link (an ad is no introduction)."""
        long_intro = self.config.long_intro
        if not long_intro or weight(event.text) < long_intro or has_link(event.text):
            return False
        return state.message_count(member_id, None, event.at, exclude=event.event_id) == 0


def _fill(event: Event, who: Actor, fields: tuple[tuple[str, str], ...], why: str) -> FillArchive:
    return FillArchive(platform=event.platform, group=event.group, reason=why, member=who,
                       fields=fields)  # fmt: skip


def _schedule(event: Event, kind: str, due: datetime, who: Actor, why: str) -> Schedule:
    payload = (("joined_at", event.at.isoformat()), ("event_id", event.event_id))
    return Schedule(platform=event.platform, group=event.group, reason=f"{who.name}: {why}",
                    kind=kind, due_at=due, member=who, payload=payload)  # fmt: skip


# --- what the jobs decide (pure; ``ritual_jobs`` reads the store) ---------------------


@dataclass(frozen=True, slots=True)
class Said:
    """A message after the newcomer joined, as the unanswered check needs it."""

    sender: str  # platform id
    sender_is_bot: bool
    text: str
    reply_to_sender: str  # the platform id of whom it replies to ("" when no reply)
    mentions: tuple[str, ...]  # platform ids mentioned


def answered(newcomer: str, names: Iterable[str], messages: Iterable[Said]) -> bool:
    """Whether someone other than the newcomer (and not a bot) answered them.

    Answering: replying to one of their messages, mentioning them, or writing
    ``@name`` with one of their ``names`` (platforms without structured mentions).
    """
    handles = [f"@{n}" for n in names if n]
    for said in messages:
        if said.sender == newcomer or said.sender_is_bot:
            continue
        if said.reply_to_sender == newcomer or newcomer in said.mentions:
            return True
        if any(h in said.text for h in handles):
            return True
    return False
