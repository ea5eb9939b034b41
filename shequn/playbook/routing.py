"""Question routing and resource matching (资源对接) as a rule of the engine.

The seeds' best owner knew every member's strengths and pointed each question
to the person who could answer it (seed 002, PLAYBOOK §2). Configured in
``Group.settings["matching"]``:

- **Routing.** A member's message that reads as a question
  (``shequn.analytics.matching.is_question``: 请问 / 有没有人 / 谁知道 / how do I …?)
  schedules a look ``wait_minutes`` later (a ``Schedule`` of ``question_route``,
  handled in ``routing_jobs``). If nobody replied to it or mentioned the asker by
  then, the members whose profiles match are suggested: in the console always,
  in a notice to the operators (``notify``), or, when ``mention`` is on, in a
  reply that @-mentions up to ``mentions`` of them. ``outcome_hours`` later the
  outcome job records whether a suggested member answered; those outcomes
  become the ranking's priors.
- **Weekly digest.** With ``digest`` on, every week on ``digest_weekday`` at
  ``digest_at`` (the community's zone) the group gets its 资源对接 digest: open
  needs, suggested matches, introductions that became ties (``matching_digest``).

Pure: the event's ``at`` is the only time; what happens later is a job's.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from django.utils.translation import gettext_noop as _
from pydantic import Field, field_validator

from shequn.analytics.matching import is_question
from shequn.events import Action, Actor, Event, MessageKind, MessagePosted, Schedule
from shequn.playbook.rules import ExemptRole, GroupState, RuleConfig, exempt

NAME = "matching"
#: Job kinds of this rule (``routing_jobs``): the look after the wait, the outcome check.
ROUTE_JOB, OUTCOME_JOB = "question_route", "question_outcome"
DEFAULT_MENTION = "{mentions} 这个问题你们可能熟悉，方便的话帮忙解答一下～（{reason}）"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _exempt_by_default() -> list[ExemptRole]:
    return []


class MatchingConfig(RuleConfig):
    """Question-routing and matching settings of a group (``Group.settings["matching"]``)."""

    enabled: bool = Field(False, title=_("enabled"))
    dry_run: bool = Field(
        False, title=_("dry run"),
        description=_("decide and log only: no notice, no mention in the group"),
    )  # fmt: skip
    exempt_roles: list[ExemptRole] = Field(
        default_factory=_exempt_by_default, title=_("exempt roles"),
        description=_("questions from members holding one of these roles are not routed"),
    )  # fmt: skip
    wait_minutes: int = Field(
        30, ge=1, le=24 * 60, title=_("wait for an answer (minutes)"),
        description=_("a question nobody replied to this long after it was asked is routed"),
    )  # fmt: skip
    notify: bool = Field(
        True, title=_("notify the operators"),
        description=_("tell the operators whom to ask; off: the suggestions appear only in "
                      "the console's matching page"),
    )  # fmt: skip
    mention: bool = Field(
        False, title=_("mention members in the group"),
        description=_("reply to the question @-mentioning the matching members; "
                      "off: only the operators are told"),
    )  # fmt: skip
    mentions: int = Field(
        2, ge=1, le=2, title=_("members suggested per question"),
        description=_("at most this many members are suggested (or mentioned)"),
    )  # fmt: skip
    mention_text: str = Field(
        DEFAULT_MENTION, min_length=1, max_length=500, title=_("mention text"),
        description=_("fields: {mentions} (the @names) and {reason}"),
    )  # fmt: skip
    outcome_hours: int = Field(
        24, ge=1, le=24 * 14, title=_("watch for an answer (hours)"),
        description=_("how long after the question a suggested member's answer still counts"),
    )  # fmt: skip
    digest: bool = Field(
        False, title=_("weekly matching digest"),
        description=_("post open needs, suggested matches and new ties once a week"),
    )  # fmt: skip
    digest_weekday: int = Field(
        7, ge=1, le=7, title=_("digest weekday"), description=_("1 = Monday … 7 = Sunday")
    )
    digest_at: str = Field("20:00", title=_("digest time"), description=_("HH:MM, local time"))

    @field_validator("digest_at")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value.strip()):
            raise ValueError(f"expected a time HH:MM, got {value!r}")
        return value.strip()

    @field_validator("mention_text")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(mentions="", reason="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"only the fields {{mentions}} and {{reason}} may be used ({exc})"
            ) from None
        return value


class Matching:
    """Schedules the routing look for each question a member asks in the group."""

    name: ClassVar[str] = NAME
    title: ClassVar[str] = _("Resource matching")
    Config: ClassVar[type[RuleConfig]] = MatchingConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: MatchingConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MessagePosted) or event.kind is not MessageKind.TEXT:
            return []
        actor = event.actor
        if actor is None or actor.is_bot or exempt(self.config, event, state):
            return []
        if event.reply_to or not is_question(event.text):
            return []  # a reply is an answer or a follow-up in a thread, not a new question
        who = Actor(actor.id, state.display_name(actor.id) or actor.name)
        due = event.at + timedelta(minutes=self.config.wait_minutes)
        payload = (("message_id", event.event_id), ("asked_at", event.at.isoformat()))
        minutes = self.config.wait_minutes
        why = f"{who.name or who.id} asked a question; anyone answered in {minutes} min?"
        return [
            Schedule(platform=event.platform, group=event.group, rule=NAME, reason=why,
                     kind=ROUTE_JOB, due_at=due, member=who, payload=payload)
        ]  # fmt: skip


def mention_text(config: MatchingConfig, names: list[str], reason: str) -> str:
    """The reply that @-mentions the suggested members."""
    mentions = " ".join(f"@{n}" for n in names)
    return config.mention_text.format(mentions=mentions, reason=reason)


def notice_text(asker: str, question: str, lines: list[str], minutes: int) -> str:
    """The operators' notice: the question nobody answered and whom to ask (Chinese first)."""
    quoted = " ".join(question.split())[:80]
    head = f"{asker} 的问题 {minutes} 分钟无人回复：「{quoted}」"
    if not lines:
        return head + "\n档案里暂时找不到合适的人，请助理亲自跟进。"
    return head + "\n可以请这些成员解答：\n" + "\n".join(f"· {line}" for line in lines)
