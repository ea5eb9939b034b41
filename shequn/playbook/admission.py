"""Admission thresholds (门槛): referral, entry questions, pre-screening, payment, a capacity cap.

Configured in ``Group.settings["admission"]``; any combination may be on. On a
join the rule decides the newcomer's way in:

- over the **capacity** (members now, plus seats promised to the waiting list):
  the newcomer is told their place on the waiting list and removed; when a
  member leaves and a seat frees, the first on the list is told and approved
  to come back (their next join is admitted by the path "waitlist");
- **referral**: an inviter (or whoever added them) who is in the group now is
  a referral; so is a member's invite code sent while the request waits;
- **entry questions**: asked in a direct warning; the member's next messages
  are the answers, one per question, saved on the request and in the archive;
- **pre-screening**: once the other steps are passed, an operator approves or
  rejects on the console (``shequn.web.admission``); a rejected member is told
  politely and removed;
- **payment** (付费): the newcomer waits until an order for the group is marked
  paid; the shop side (``community.shop_actions``) then admits them by the path
  "payment" (or approves their next join when they paid before joining). The
  other steps are asked as usual but do not admit by themselves; an operator's
  approval on the queue still does (they may waive the payment).

With no step outstanding the member is admitted at once (``Admit``); otherwise
their request waits in the queue (``QueueAdmission``). Queue entries, answers
and the path (e.g. ``referral+questions+screening``) are written by the store
(``shequn.playbook.admission_store``), so a dry run only records them.

"""

from __future__ import annotations

import re
from typing import ClassVar, TypedDict

from shequn.events import (
    Action,
    Actor,
    Admit,
    DirectMessage,
    Event,
    MemberJoined,
    MemberLeft,
    MessageKind,
    MessagePosted,
    Notify,
    QueueAdmission,
    RecordAnswer,
    Remove,
    Send,
    Warn,
)
from shequn.playbook.admission_config import AdmissionConfig
from shequn.playbook.admission_texts import TEXTS, render
from shequn.playbook.admission_view import (
    APPROVED,
    PENDING,
    WAITLISTED,
    AdmissionView,
    add_step,
)
from shequn.playbook.rules import GroupState, RuleConfig, exempt

#: Candidate invite codes in a message: runs of letters and digits (at most MAX_TRIES looked up).
_TOKEN = re.compile(r"[A-Za-z0-9]{4,32}")
MAX_TRIES = 8
_SKIPPED_KINDS = frozenset({MessageKind.SYSTEM, MessageKind.RED_PACKET})


class Admission:
    """On joins, messages of waiting members and leaves: the admission thresholds."""

    name: ClassVar[str] = "admission"
    Config: ClassVar[type[RuleConfig]] = AdmissionConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: AdmissionConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if isinstance(event, MemberJoined):
            if event.member.is_bot or exempt(self.config, event, state):
                return []
            return self._joined(event, state)
        if isinstance(event, MessagePosted | DirectMessage):
            actor = event.actor
            if actor is None or actor.is_bot or getattr(event, "kind", "") in _SKIPPED_KINDS:
                return []
            if exempt(self.config, event, state):
                return []
            return self._said(event, actor, state)  # in the group, or to the bot directly
        if isinstance(event, MemberLeft):
            return self._left(event, state)
        return []

    # --- joins ---------------------------------------------------------------------

    def _joined(self, event: MemberJoined, state: GroupState) -> list[Action]:
        config, member = self.config, event.member
        view = state.admission(member.id)
        name = _name(member, state)
        on = _On(event, self.name)
        if view is not None and view.status == APPROVED:
            reason = f"{name} came back after approval ({event.event_id})"
            return [Admit(**on.common, reason=reason, member=member, path=view.path or "operator")]
        if config.capacity and _seats_taken(state) > config.capacity:
            return self._waitlist(on, member, name, state)
        inviter = _inviter(event)
        invited = inviter is not None and state.in_group(inviter.id)
        waiting = view if view is not None and view.status == PENDING else None
        referred = invited or (waiting is not None and waiting.referred)
        path = add_step(waiting.path if waiting else "", "referral") if invited else ""
        path = path or (waiting.path if waiting else "")
        needs_referral = config.referral and not referred
        if not (needs_referral or config.questions or config.screening or config.payment):
            reason = f"{name} joined; no threshold to pass ({event.event_id})"
            return [Admit(**on.common, reason=reason, member=member, path=path or "open")]
        why = _missing(needs_referral, bool(config.questions), config.screening, config.payment)
        reason = f"{name} joined; waits for {why} ({event.event_id})"
        queued = QueueAdmission(
            **on.common, reason=reason, member=member, status=PENDING, path=path,
            inviter=inviter if invited else None,
        )  # fmt: skip
        ask = self._tell(on, member, reason, self._ask(name, state, needs_referral))
        return [queued, ask, *self._notify(on, f"{name} ({member.id}) waits for {why}", reason)]

    def _tell(self, on: _On, member: Actor, reason: str, text: str) -> Action:
        """A message to a member in the group: directly (Warn), or in the group naming them."""
        if self.config.ask_in == "group":
            return Send(**on.common, reason=reason, text=f"@{member.name or member.id} {text}")
        return Warn(**on.common, reason=reason, member=member, text=text)

    def _ask(self, name: str, state: GroupState, needs_referral: bool) -> str:
        """The greeting and each step the newcomer must take, in the configured language."""
        config, texts = self.config, TEXTS[self.config.language]
        parts = [render(config.text("ask"), name=name, group=state.name)]
        if needs_referral:
            parts.append(texts["ask_code"])
        if config.questions:
            numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(config.questions, 1))
            parts.append(f"{texts['ask_questions']}\n{numbered}")
        if config.screening:
            parts.append(texts["ask_screening"])
        if config.payment:
            parts.append(texts["ask_payment"])
        return "\n".join(parts)

    def _waitlist(self, on: _On, member: Actor, name: str, state: GroupState) -> list[Action]:
        """Over the cap: a place on the waiting list, the member told, then removed."""
        waiting = [a.id for a in state.admission_queue(WAITLISTED)]
        position = waiting.index(member.id) + 1 if member.id in waiting else len(waiting) + 1
        capacity = self.config.capacity
        reason = f"{name} joined over the cap of {capacity}: waitlisted #{position}"
        text = render(
            self.config.text("waitlist"),
            name=name, group=state.name, capacity=str(capacity), position=str(position),
        )  # fmt: skip
        actions: list[Action] = [
            QueueAdmission(**on.common, reason=reason, member=member, status=WAITLISTED,
                           path="waitlist"),
            self._tell(on, member, reason, text),
        ]  # fmt: skip
        if self.config.remove_waitlisted:
            actions.append(Remove(**on.common, reason=reason, member=member))
        return actions

    # --- messages of waiting members ----------------------------------------------

    def _said(
        self, event: MessagePosted | DirectMessage, actor: Actor, state: GroupState
    ) -> list[Action]:
        """A waiting member's message: an invite code, else the next answer."""
        if not (self.config.referral or self.config.questions):
            return []  # no message can pass a step: no need to look the member up
        view = state.admission(actor.id)
        if view is None or view.status != PENDING:
            return []
        config, on = self.config, _On(event, self.name)
        name = _name(actor, state)
        referred, answers, path = view.referred, view.answers, view.path
        code = "" if referred or not config.referral else _code(event.text, state)
        actions: list[Action] = []
        if code:
            referred, path = True, add_step(path, "code")
            reason = (
                f"{name} sent the invite code of {state.invite_code_owner(code)} ({event.event_id})"
            )
            actions.append(
                QueueAdmission(**on.common, reason=reason, member=actor, status=PENDING,
                               path=path, code=code)
            )  # fmt: skip
        elif answers < len(config.questions) and event.text.strip():
            reason = f"{name} answered entry question {answers + 1} ({event.event_id})"
            question = config.questions[answers]
            actions.append(
                RecordAnswer(**on.common, reason=reason, member=actor, index=answers,
                             question=question, answer=event.text.strip())
            )  # fmt: skip
            answers += 1
            if answers == len(config.questions):
                path = add_step(path, "questions")
        else:
            return []
        return actions + self._passed(on, actor, name, _Progress(referred, answers, path))

    def _passed(self, on: _On, member: Actor, name: str, now: _Progress) -> list[Action]:
        """After a step: admitted when nothing is left, or queued for the operators' review."""
        config = self.config
        if not ((now.referred or not config.referral) and now.answers >= len(config.questions)):
            return []
        if config.payment:  # the paid order admits (shequn.community.shop_actions)
            reason = f"{name} passed {now.path}; waits for payment"
            return [QueueAdmission(**on.common, reason=reason, member=member, status=PENDING,
                                   path=now.path)]  # fmt: skip
        if not config.screening:
            reason = f"{name} passed {now.path or 'every step'}"
            return [Admit(**on.common, reason=reason, member=member, path=now.path or "open")]
        reason = f"{name} passed {now.path}; waits for an operator's review"
        queued = QueueAdmission(
            **on.common, reason=reason, member=member, status=PENDING, path=now.path
        )
        return [queued, *self._notify(on, f"{name} ({member.id}) waits for review", reason)]

    # --- leaves --------------------------------------------------------------------

    def _left(self, event: MemberLeft, state: GroupState) -> list[Action]:
        """A member left: the first on the waiting list is told a seat is free."""
        capacity = self.config.capacity
        view = state.admission(event.member.id)
        if not capacity or (view is not None and view.status == WAITLISTED):
            return []  # removing a waitlisted newcomer frees no seat
        waiting = state.admission_queue(WAITLISTED)
        free = capacity - _seats_taken(state)
        if not waiting or free <= 0:
            return []
        on, actions = _On(event, self.name), []
        who = _name(event.member, state)
        for member in waiting[:free]:
            name = _name(member, state)
            reason = f"a seat freed ({who} left, {event.event_id}): {name} may come back"
            text = render(self.config.text("seat"), name=name, group=state.name)
            actions += [
                QueueAdmission(**on.common, reason=reason, member=member, status=APPROVED,
                               path="waitlist"),
                Warn(**on.common, reason=reason, member=member, text=text),
                *self._notify(on, f"a seat is free: invite {name} ({member.id}) back", reason),
            ]  # fmt: skip
        return actions

    def _notify(self, on: _On, what: str, reason: str) -> list[Action]:
        if not self.config.notify_operators:
            return []
        return [Notify(**on.common, reason=reason, text=f"入群门槛 / admission: {what}")]


class _Common(TypedDict):
    platform: str
    group: str
    rule: str


class _On:
    """The platform, group and rule every action of one event carries."""

    def __init__(self, event: Event, rule: str) -> None:
        self.common = _Common(platform=event.platform, group=event.group, rule=rule)


class _Progress:
    """Where a waiting member stands after the current message."""

    def __init__(self, referred: bool, answers: int, path: str) -> None:
        self.referred, self.answers, self.path = referred, answers, path


def _seats_taken(state: GroupState) -> int:
    """Members now, plus the seats promised to members approved to come back."""
    return state.member_count() + len(state.admission_queue(APPROVED))


def _inviter(event: MemberJoined) -> Actor | None:
    """Who brought the member: the inviter, else whoever added them (not the member)."""
    if event.inviter is not None and event.inviter.id != event.member.id:
        return event.inviter
    actor = event.actor
    return actor if actor is not None and actor.id != event.member.id else None


def _code(text: str, state: GroupState) -> str:
    """The first valid invite code in ``text`` (upper-cased), or ""."""
    tokens: list[str] = _TOKEN.findall(text)
    for token in tokens[:MAX_TRIES]:
        code = token.upper()
        if state.invite_code_owner(code):
            return code
    return ""


def _missing(referral: bool, questions: bool, screening: bool, payment: bool) -> str:
    """The steps a newcomer waits for, as the audit log names them."""
    steps = {"referral": referral, "answers": questions, "review": screening, "payment": payment}
    return "+".join(step for step, on in steps.items() if on)


def _name(member: Actor, state: GroupState) -> str:
    return member.name or state.display_name(member.id) or member.id


__all__ = ["Admission", "AdmissionConfig", "AdmissionView"]
