"""Meetups (线下活动): the sign-up rule and the texts the group sees.

Configured in ``Group.settings["meetups"]`` (off unless switched on). A member signs
up in the group with a command (``报名 <meetup>``, ``/signup <meetup>``), takes it back
with another (``取消报名 <meetup>``, ``/cancel <meetup>``), or joins the meetup's 接龙:
a chain whose title names the meetup is its sign-up list. The rule is pure: it
answers with a ``MeetupSignup`` action, which the store carries out
(``meetups_actions.signup_action``: places, waitlist, confirmation) and the engine
audits. Reminders and notices are jobs (``meetups_jobs``).

Not in ``DEFAULT_RULES``: a group that runs meetups lists ``MeetupSignupRule``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from pydantic import Field, field_validator

from shequn.events import Action, Event, MeetupSignup, MessagePosted
from shequn.playbook.essence import is_command, normalise
from shequn.playbook.jielong_post import parse_post
from shequn.playbook.rules import GroupState, RuleConfig

DEFAULT_SIGNUP = ("报名", "/signup", "/报名")
DEFAULT_CANCEL = ("取消报名", "/cancel", "/取消报名")


class MeetupSignupConfig(RuleConfig):
    """How members sign up to the group's meetups in the chat."""

    signup_commands: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SIGNUP),
        title="Sign-up commands",
        description="A message starting with one of these (then the meetup's title) signs up.",
    )
    cancel_commands: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CANCEL),
        title="Cancel commands",
        description="A message starting with one of these (then the title) cancels a sign-up.",
    )
    jielong: bool = Field(
        default=True,
        title="Sign up by 接龙",
        description="A 接龙 whose title names a meetup is its sign-up list.",
    )

    @field_validator("signup_commands", "cancel_commands")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if len(cleaned) != len(values) or not cleaned:
            raise ValueError("an empty command (expected at least one non-empty command)")
        return cleaned


def command_argument(text: str, commands: list[str]) -> str | None:
    """The text after a leading command of ``commands`` ("" when none), or None when
    the message is not such a command (``报名表在哪`` is not ``报名``)."""
    if not is_command(text, commands):
        return None
    parts = normalise(text).split(maxsplit=1)
    if len(parts) < 2:
        return ""
    # Give the argument back as written (normalise case-folds), minus the command word.
    original = text.strip().split(maxsplit=1)
    return original[1].strip() if len(original) == 2 else ""


class MeetupSignupRule:
    """A sign-up or cancel command, or a 接龙 post → ``MeetupSignup``."""

    name: ClassVar[str] = "meetups"
    Config: ClassVar[type[RuleConfig]] = MeetupSignupConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: MeetupSignupConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MessagePosted) or event.actor is None or event.actor.is_bot:
            return []
        member, text = event.actor, event.text
        who = member.name or member.id

        def signup(
            reason: str, meetup: str, cancel: bool = False, entries: tuple[str, ...] = ()
        ) -> list[Action]:
            return [
                MeetupSignup(
                    platform=event.platform, group=event.group, rule=self.name, reason=reason,
                    member=member, meetup=meetup, cancel=cancel, entries=entries,
                )
            ]  # fmt: skip

        # Cancel first: "取消报名" must not read as a sign-up named "取消…".
        title = command_argument(text, self.config.cancel_commands)
        if title is not None:
            return signup(f"{who} cancelled by command", title, cancel=True)
        title = command_argument(text, self.config.signup_commands)
        if title is not None:
            return signup(f"{who} signed up by command", title)
        if self.config.jielong:
            post = parse_post(text)
            if post is not None and post.marked and post.entries:
                return signup(f"接龙 by {who}", post.title, entries=post.entries)
        return []


def local(at: datetime, zone: str) -> str:
    """``at`` as the community reads it: ``2026-03-07 19:00``."""
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def confirmed_text(name: str, title: str, when: str) -> str:
    return _("%(name)s signed up for %(title)s (%(when)s).") % {
        "name": name, "title": title, "when": when,
    }  # fmt: skip


def waiting_text(name: str, title: str, place: int) -> str:
    return _("%(title)s is full: %(name)s is number %(place)s on the waitlist.") % {
        "name": name, "title": title, "place": place,
    }  # fmt: skip


def promoted_text(name: str, title: str, when: str) -> str:
    return _("A place came free: %(name)s now has a place at %(title)s (%(when)s).") % {
        "name": name, "title": title, "when": when,
    }  # fmt: skip


def cancelled_text(name: str, title: str) -> str:
    return _("%(name)s cancelled the sign-up for %(title)s.") % {"name": name, "title": title}


def reminder_text(title: str, when: str, place: str, names: list[str]) -> str:
    who = "、".join(names) if names else "-"
    return _("Reminder: %(title)s at %(when)s, %(place)s. Signed up: %(who)s") % {
        "title": title, "when": when, "place": place, "who": who,
    }  # fmt: skip
