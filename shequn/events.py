"""Canonical events and actions: the one language every part of shequn speaks.

Importers and connectors turn platform data into these events; ingest stores
them; rules answer them with actions. This module imports nothing of ours and
nothing of Django, so that importers and connectors stay free of the store.

All times are timezone-aware UTC. Every event has a stable ``event_id`` that is
unique within its group on its platform: re-reading the same export yields the
same ids, which is what makes imports idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class MessageKind(StrEnum):
    """What a message carries; the store keeps the value as a short code."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    FILE = "file"
    LINK = "link"
    STICKER = "sticker"
    RED_PACKET = "red_packet"
    SYSTEM = "system"


class JoinHow(StrEnum):
    """How a member arrived; an inviter on any of these is a referral."""

    INVITE = "invite"
    LINK = "link"
    QR = "qr"
    ADDED = "added"
    REQUEST = "request"
    UNKNOWN = "unknown"


class LeaveHow(StrEnum):
    """How a member went: by themselves, removed by someone, or by elimination policy."""

    LEFT = "left"
    REMOVED = "removed"
    ELIMINATED = "eliminated"


@dataclass(frozen=True, slots=True)
class Actor:
    """A platform account as an event names it.

    ``id`` is the platform's account id (a Telegram ``user123``, a wxid, a QQ
    number). Where a format only gives a display name, importers use the name
    as the id and say so in their docstring. ``role`` is a hint read from the
    export (e.g. QQ's 【管理员】), not a decision.
    """

    id: str
    name: str = ""
    is_bot: bool = False
    role: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention inside a message: by account id when known, else by name."""

    id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened in one group on one platform."""

    platform: str
    group: str
    event_id: str
    at: datetime
    actor: Actor | None
    group_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A message; ``event_id`` is the platform's message id, ``reply_to`` another message's."""

    kind: MessageKind = MessageKind.TEXT
    text: str = ""
    reply_to: str | None = None
    mentions: tuple[Mention, ...] = ()
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """``member`` arrived; ``actor`` is who acted (the member, or whoever added them)."""

    member: Actor
    how: JoinHow = JoinHow.UNKNOWN
    inviter: Actor | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """``member`` went; ``actor`` is who removed them when ``how`` is not LEFT."""

    member: Actor
    how: LeaveHow = LeaveHow.LEFT


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRenamed(Event):
    """The actor changed their display name (nickname) in the group."""

    old_name: str = ""
    new_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    """The actor reacted to ``message_id`` with ``emoji``."""

    message_id: str
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    """``message_id`` was deleted or recalled (撤回) by the actor."""

    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRenamed(Event):
    """The group's title changed to ``new_name`` (``old_name`` when the format tells)."""

    new_name: str
    old_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCreated(Event):
    """The group was created by the actor, with ``group_name`` as its first title."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectMessage(Event):
    """The actor wrote to the bot directly about ``group`` (an entry answer, an appeal);
    private: never stored as a group message, read only by rules that asked directly."""

    text: str = ""


MEMBERSHIP_EVENTS = (MemberJoined, MemberLeft, MemberRenamed)


# --- actions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Something a rule or an operator wants done in a group.

    ``rule`` names who decided (a rule's name, or ``operator:<username>``);
    ``reason`` is shown in the audit log and, where it makes sense, to the member.
    """

    platform: str
    group: str
    rule: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Send(Action):
    """Post ``text`` in the group."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply(Action):
    """Answer ``message_id`` with ``text``."""

    message_id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Delete(Action):
    """Delete ``message_id``."""

    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Warn(Action):
    """Warn ``member`` with ``text`` (in the group or directly, as the platform allows)."""

    member: Actor
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Mute(Action):
    """Silence ``member`` for ``duration``."""

    member: Actor
    duration: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class Remove(Action):
    """Remove ``member`` from the group; ``how`` tells removal from elimination."""

    member: Actor
    how: LeaveHow = LeaveHow.REMOVED


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify(Action):
    """Tell the group's operators ``text``; never shown to members."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Award(Action):
    """Add ``points`` (negative to take back) to ``member``'s ledger.

    ``source`` names what earned them (an event id), so it is counted once;
    ``takes_back`` names the source of an earlier award this one reverses (only
    when that award was made); ``at`` is when they were earned (the event's
    time, for the daily cap; None: when the ledger writes them).
    """

    member: Actor
    points: int
    source: str = ""
    takes_back: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTier(Action):
    """Set ``member``'s tier: ``big``, ``mid`` or ``ordinary``."""

    member: Actor
    tier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddTag(Action):
    """Tag ``member`` in the archive."""

    member: Actor
    tag: str


# --- admission (shequn.playbook.admission): store actions, carried out by the store ---


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueAdmission(Action):
    """Open or update ``member``'s admission request in the group (门槛 queue).

    ``status``: pending, waitlisted or approved; ``path``: the steps passed so
    far (``referral+questions``); ``inviter`` the referring member, ``code`` the
    invite code presented (its use is counted).
    """

    member: Actor
    status: str
    path: str = ""
    inviter: Actor | None = None
    code: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAnswer(Action):
    """Save ``member``'s answer to entry question number ``index`` (0-based) on their request."""

    member: Actor
    index: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Appeal(Action):
    """``member`` answered their open elimination notice with ``text``: close it, keep them."""

    member: Actor
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Admit(Action):
    """``member`` is admitted by ``path``: close their request, store the path on their stay."""

    member: Actor
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkEssence(Action):
    """Keep ``message_id`` as essence (精华) of the group; ``how``: command, reaction, console."""

    message_id: str
    marked_by: Actor | None = None
    how: str = "command"


# --- entry ritual (shequn.playbook.ritual): store actions, carried out by the store ---


@dataclass(frozen=True, slots=True, kw_only=True)
class FillArchive(Action):
    """Fill ``member``'s archive entry: ``fields`` as (name, value) pairs.

    Names: intro, needs, offers, city, industry. The store fills only fields
    that are still empty: what an operator (or an earlier introduction) wrote stays.
    """

    member: Actor
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule(Action):
    """Enqueue a job of ``kind`` about ``member``, due at ``due_at`` (a rule's deadline).

    ``payload``: (name, value) pairs handed to the job. Rules have no clock and
    write nothing: the store enqueues it when the engine performs this action.
    """

    kind: str
    due_at: datetime
    member: Actor
    payload: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetupSignup(Action):
    """Sign ``member`` up to the group's meetup named ``meetup`` (a title; "" = the next one).

    ``cancel`` takes the sign-up back (the waitlist moves up). ``entries``: the
    lines of a 接龙 whose title names the meetup; each line is a sign-up by name.
    The store carries it out (``shequn.playbook.meetups_actions``).
    """

    member: Actor
    meetup: str = ""
    cancel: bool = False
    entries: tuple[str, ...] = ()


__all__ = [
    "MEMBERSHIP_EVENTS",
    "Action",
    "Actor",
    "AddTag",
    "Admit",
    "Appeal",
    "Award",
    "Delete",
    "DirectMessage",
    "Event",
    "FillArchive",
    "GroupCreated",
    "GroupRenamed",
    "JoinHow",
    "LeaveHow",
    "MarkEssence",
    "MeetupSignup",
    "MemberJoined",
    "MemberLeft",
    "MemberRenamed",
    "Mention",
    "MessageDeleted",
    "MessageKind",
    "MessagePosted",
    "Mute",
    "Notify",
    "QueueAdmission",
    "ReactionAdded",
    "RecordAnswer",
    "Remove",
    "Reply",
    "Schedule",
    "Send",
    "SetTier",
    "Warn",
]
