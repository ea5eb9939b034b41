"""The admission rule's settings per group (``Group.settings["admission"]``), in their own module
so that the rule module holds the decisions only."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from shequn.playbook.admission_texts import TEXTS
from shequn.playbook.rules import ExemptRole, RuleConfig

ALL_ROLES: list[ExemptRole] = ["owner", "admin", "assistant", "monitor", "kol"]


class AdmissionConfig(RuleConfig):
    """The thresholds of one group; an empty text means the default in ``language``."""

    exempt_roles: list[ExemptRole] = Field(
        default_factory=lambda: list(ALL_ROLES),
        title="Exempt roles",
        description="Members holding these roles in the group skip every threshold.",
    )
    language: Literal["zh", "en"] = Field(
        default="zh", title="Language", description="The language of the default messages."
    )
    ask_in: Literal["direct", "group"] = Field(
        default="direct",
        title="Where to ask",
        description="direct: a direct message to the member; group: a message in the group "
        "naming them, for platforms whose bot cannot write to a member directly (Matrix).",
    )
    referral: bool = Field(
        default=False,
        title="Require a referral",
        description="Admit only members invited by a current member or who send a valid "
        "invite code; others wait in the queue.",
    )
    questions: list[str] = Field(
        default_factory=list,
        title="Entry questions",
        description="Asked in a direct message; the member's next messages are the answers, "
        "one per question, saved in the archive.",
    )
    screening: bool = Field(
        default=False,
        title="Pre-screening",
        description="An operator approves or rejects each newcomer on the admission queue.",
    )
    payment: bool = Field(
        default=False,
        title="Payment",
        description="Admitted when an order for this group is marked paid (offers and orders); "
        "until then the newcomer waits in the queue. An operator's approval still admits.",
    )
    capacity: int = Field(
        default=0,
        ge=0,
        title="Capacity cap",
        description="Most members the group holds (0: no cap); newcomers over it are "
        "waitlisted and told when a seat frees.",
    )
    remove_waitlisted: bool = Field(
        default=True,
        title="Remove waitlisted newcomers",
        description="Remove a newcomer over the cap after telling them their place.",
    )
    notify_operators: bool = Field(
        default=True,
        title="Notify operators",
        description="Tell the operators when a request waits for them or a seat frees.",
    )
    ask_text: str = Field(
        default="",
        title="Greeting before the steps",
        description="May use {name} and {group}; the steps to take follow it.",
    )
    waitlist_text: str = Field(
        default="",
        title="Waiting-list message",
        description="May use {name}, {group}, {capacity} and {position}.",
    )
    seat_text: str = Field(
        default="", title="Seat-free message", description="May use {name} and {group}."
    )
    approved_text: str = Field(
        default="", title="Approval message", description="May use {name} and {group}."
    )
    rejected_text: str = Field(
        default="",
        title="Rejection message",
        description="Sent before a polite removal; may use {name}, {group} and {reason}.",
    )

    @field_validator("questions")
    @classmethod
    def _no_blank_questions(cls, value: list[str]) -> list[str]:
        return [q.strip() for q in value if q.strip()]

    def text(self, key: str) -> str:
        """The configured text ``key`` (e.g. "waitlist"), or its default in ``language``."""
        own = getattr(self, f"{key}_text", "")
        if isinstance(own, str) and own.strip():
            return own
        return TEXTS[self.language][key]
