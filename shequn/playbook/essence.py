"""Essence (精华): operators keep a group's best messages, and the group gets a daily digest.

Configured in ``Group.settings["essence"]``. A message becomes essence when an
operator of the group (a holder of one of ``marker_roles``, as ``GroupState.role``
knows them)

- replies to it with a command (``/精华``, ``设为精华``, ``/essence`` …, configurable), or
- reacts to it with one of the configured emoji (⭐ 🌟 by default).

A plain member's ⭐ is a like, not a curation: it marks nothing. The rule is
pure: it answers with a ``MarkEssence`` action, which the store carries out
(``essence_actions.mark``) and the engine audits. The console marks through
``essence_actions.mark_message``; history through ``essence_history``.

The digest part of the config (``digest_at``, ``digest_day``, ``digest_threads``)
is read by the digest job (``essence_jobs``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from shequn.events import Action, Event, MarkEssence, MessagePosted, ReactionAdded
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig

DEFAULT_COMMANDS = ("/精华", "设为精华", "设精华", "加精", "#精华", "/essence")
DEFAULT_REACTIONS = ("⭐", "🌟")
DEFAULT_ROLES: tuple[ExemptRole, ...] = ("owner", "admin", "assistant", "monitor")

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Telegram addresses a command to one bot: "/essence@shequn_bot".
_BOT_SUFFIX = re.compile(r"^(/\S+?)@\w+$")
# Emoji come with or without the variation selector (⭐ and ⭐️ are one star) and skin tones.
_EMOJI_NOISE = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")


class EssenceConfig(RuleConfig):
    """Who may mark, how, and when the digest is posted (``HH:MM`` in the community's zone).

    ``digest_day``: ``today`` posts the day so far (an evening summary); ``yesterday``
    posts the whole previous day (a morning digest).
    """

    commands: list[str] = Field(default_factory=lambda: list(DEFAULT_COMMANDS))
    reactions: list[str] = Field(default_factory=lambda: list(DEFAULT_REACTIONS))
    marker_roles: list[ExemptRole] = Field(default_factory=lambda: list(DEFAULT_ROLES))
    digest: bool = False
    digest_at: str = "22:00"
    digest_day: Literal["today", "yesterday"] = "today"
    digest_threads: int = Field(default=5, ge=1, le=20)

    @field_validator("digest_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value.strip()):
            raise ValueError(f"{value!r} is not a time of day (expected HH:MM, e.g. 22:00)")
        return value.strip()

    @field_validator("commands", "reactions")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if len(cleaned) != len(values):
            raise ValueError("an empty command or emoji")
        return cleaned


def normalise(text: str) -> str:
    """Text as commands are compared: NFKC (full-width ／精华 is /精华), trimmed, case folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def is_command(text: str, commands: list[str] | tuple[str, ...]) -> bool:
    """Whether ``text`` is one of ``commands``: alone, or followed by a space and a note.

    ``/精华@bot`` counts; ``精华帖真多`` or ``怎么设为精华？`` does not (the command must be
    the whole first word).
    """
    wanted, longest, firsts = _compared(commands)
    head = text.lstrip()[: longest + _BOT_ROOM]
    # Several rules ask this of every message: most are told by their first character.
    if head and head[0].lower() not in firsts and _plain(head[:2]):
        return False
    # Only the head can hold the command: most messages are long and none is a command.
    said = normalise(head)
    first = said.split(maxsplit=1)[0] if said else ""
    bot = _BOT_SUFFIX.match(first)
    if bot:
        first = bot.group(1)
    return first in wanted


#: Room after a command for "@botname" (``/精华@shequn_bot``).
_BOT_ROOM = 64
Compared = tuple[frozenset[str], int, frozenset[str]]
#: Each command list asked about, by id: a rule asks with the same list for every message,
#: and this skips making it a tuple to find it in ``_commands``. The list is kept (so its
#: id is not reused) with a copy (so a change to it is noticed).
_LISTS: dict[int, tuple[list[str] | tuple[str, ...], list[str] | tuple[str, ...], Compared]] = {}


def _compared(commands: list[str] | tuple[str, ...]) -> Compared:
    """``_commands`` of ``commands``, found by the list's id while it is unchanged."""
    known = _LISTS.get(id(commands))
    if known is not None and known[0] is commands and known[1] == commands:
        return known[2]
    if len(_LISTS) > 256:
        _LISTS.clear()
    copy = commands.copy() if isinstance(commands, list) else commands
    found = _commands(tuple(commands))
    _LISTS[id(commands)] = (commands, copy, found)
    return found


@functools.lru_cache(maxsize=256)
def _commands(commands: tuple[str, ...]) -> tuple[frozenset[str], int, frozenset[str]]:
    """The commands as compared, the longest one's length and their first characters
    (a group's few, cached)."""
    wanted = frozenset(normalise(c) for c in commands)
    return wanted, max((len(c) for c in commands), default=0), frozenset(w[:1] for w in wanted)


def _plain(chars: str) -> bool:
    """Whether ``chars`` are ASCII or common Chinese characters: then ``normalise`` leaves
    the first one as ``lower()`` does (NFKC changes neither, nor composes them with a
    neighbour), so it alone can tell that a message is no command."""
    return _PLAIN.fullmatch(chars) is not None


_PLAIN = re.compile("[\x00-\x7f\u4e00-\u9fff]*")


def same_emoji(emoji: str, wanted: list[str] | tuple[str, ...]) -> bool:
    """Whether ``emoji`` is one of ``wanted``, ignoring variation selectors and skin tones."""
    bare = _EMOJI_NOISE.sub("", emoji.strip())
    return any(bare == _EMOJI_NOISE.sub("", w) for w in wanted)


class Essence:
    """A reply command or a reaction by an operator → ``MarkEssence`` of the message."""

    name: ClassVar[str] = "essence"
    Config: ClassVar[type[RuleConfig]] = EssenceConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: EssenceConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        target, how = self._target(event)
        actor = event.actor
        if target is None or actor is None or actor.is_bot:
            return []
        if state.role(actor.id) not in self.config.marker_roles:
            return []
        who = actor.name or state.display_name(actor.id) or actor.id
        return [
            MarkEssence(
                platform=event.platform,
                group=event.group,
                rule=self.name,
                reason=f"{who} marked it by {how}",
                message_id=target,
                marked_by=actor,
                how=how,
            )
        ]

    def _target(self, event: Event) -> tuple[str | None, str]:
        """The message the event marks and how, or (None, "") when it marks nothing."""
        if (
            isinstance(event, MessagePosted)
            and event.reply_to
            and is_command(event.text, self.config.commands)
        ):
            return event.reply_to, "command"
        if isinstance(event, ReactionAdded) and same_emoji(event.emoji, self.config.reactions):
            return event.message_id, "reaction"
        return None, ""
