"""Starting a 接龙 with a command in the group: ``#接龙 周六爬山`` (or ``/jielong 周六爬山``).

Configured in ``Group.settings["jielong"]`` (off unless switched on). A member's
message that starts with one of ``commands`` and carries no numbered lines is a
start: the rule answers with a ``StartJielong`` (the store records the chain,
its first entry the member who asked: ``jielong_actions.start_from_command``) and a
``Send`` of the chain's opening, title then ``1. <member>``. Members join by
repeating the list with a line added, as with any 接龙; the stored chain is what
their repeats continue (``jielong_store.ResumedTracker``), so the first line
stays credited to the member who started it.

Lines after the command line are the chain's description (time, place, …). A
command without a title gets a reply saying how to use it. A message that has
numbered lines (``#接龙 周六爬山`` then ``1. 张三`` …) is a member's repeat, never a start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pydantic import Field, field_validator

from shequn.events import Action, Actor, Event, MessagePosted, Reply, Send
from shequn.playbook.essence import is_command
from shequn.playbook.jielong_post import MARKER, parse_post
from shequn.playbook.rules import GroupState, RuleConfig

NAME = "jielong"
DEFAULT_COMMANDS = ("#接龙", "/jielong", "/接龙")
USAGE = "发起接龙：{command} 标题（下一行起可写说明，如时间、地点）"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartJielong(Action):
    """Record a 接龙 started in the group by ``member`` (the store carries it out).

    ``message_id`` is the command message (so a repeated event records it once);
    ``at`` its time; the chain's first entry is ``member``'s name.
    """

    member: Actor
    title: str
    description: tuple[str, ...] = ()
    message_id: str = ""
    at: datetime | None = None


class JielongConfig(RuleConfig):
    """How members start a 接龙 in the chat."""

    commands: list[str] = Field(
        default_factory=lambda: list(DEFAULT_COMMANDS),
        title="Start commands",
        description="A message starting with one of these, then a title, starts a 接龙.",
    )

    @field_validator("commands")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if len(cleaned) != len(values) or not cleaned:
            raise ValueError("an empty command (expected at least one non-empty command)")
        return cleaned


@dataclass(frozen=True)
class StartCommand:
    """What a start command asks for: a title (maybe empty) and description lines."""

    title: str
    description: tuple[str, ...]


def parse_command(text: str, commands: list[str] | tuple[str, ...]) -> StartCommand | None:
    """The start ``text`` asks for, or None when it is no start command.

    ``#接龙 周六爬山`` → title 周六爬山; ``#接龙`` alone → an empty title; a post
    with numbered entries (a member's repeat of a chain) → None; ``#接龙活动`` → None
    (the command must be a word of its own, as every command here).
    """
    if not text.strip() or not is_command(text, commands) or parse_post(text) is not None:
        return None
    first, *rest = text.strip().splitlines()
    parts = first.split(maxsplit=1)
    title = parts[1].strip() if len(parts) == 2 else ""
    description = tuple(line.strip() for line in rest if line.strip())
    return StartCommand(title=title, description=description)


def opening_text(title: str, description: tuple[str, ...] | list[str], first: str) -> str:
    """The chain's opening post: ``#接龙 <title>``, the description, then ``1. <first>``."""
    head = title if MARKER in title else f"#{MARKER} {title}"
    return "\n".join([head, *description, f"1. {first}"])


class JielongRule:
    """A start command → ``StartJielong`` and a ``Send`` of the opening (or a usage reply)."""

    name: ClassVar[str] = NAME
    Config: ClassVar[type[RuleConfig]] = JielongConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: JielongConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if type(event) is not MessagePosted or event.actor is None or event.actor.is_bot:
            return []
        asked = parse_command(event.text, self.config.commands)
        if asked is None:
            return []
        member = event.actor
        name = member.name or state.display_name(member.id) or member.id
        where = {"platform": event.platform, "group": event.group}
        if not asked.title:
            usage = USAGE.format(command=self.config.commands[0])
            why = f"{name} asked for a 接龙 without a title"
            return [Reply(**where, reason=why, message_id=event.event_id, text=usage)]
        reason = f"{name} started the 接龙 {asked.title}"
        return [
            StartJielong(
                **where, reason=reason, member=member, title=asked.title,
                description=asked.description, message_id=event.event_id, at=event.at,
            ),
            Send(**where, reason=reason, text=opening_text(asked.title, asked.description, name)),
        ]  # fmt: skip
