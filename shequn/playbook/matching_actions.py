"""Every write of resource matching (资源对接), each written to the audit log.

Questions and suggestions are written by the routing jobs (``routing_jobs``);
introductions and opt-outs by operators in the console and the API, and by the
jobs that deliver an introduction and watch what comes of it. A tie an
introduction creates is a ``Link`` with source ``matching`` (not ``operator``:
the exit test can tell ties the matching made from ties staff recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.community.actions import add_link, audit
from shequn.community.models import Account, Group, LinkDimension, Person
from shequn.playbook.actions import enqueue
from shequn.playbook.matching_models import (
    Introduction,
    MatchingOptOut,
    OpenQuestion,
    RoutingSuggestion,
)

#: The source of every tie an introduction creates.
SOURCE = "matching"
#: The dimensions an introduction may turn into.
TIE_DIMENSIONS = (LinkDimension.FRIEND.value, LinkDimension.COLLABORATED.value)
#: Job kind that delivers an introduction (``matching_intro``).
INTRO_JOB = "matching_intro"
RULE = "matching"
Via = RoutingSuggestion.Via
Outcome = RoutingSuggestion.Outcome
Status = Introduction.Status


class MatchingError(ValueError):
    """A matching write asked for something that cannot be (names the field and the value)."""


@dataclass(frozen=True)
class Suggested:
    """One member to suggest for a question, as the routing job decided."""

    person_id: int
    score: float
    reason: str


def note_question(
    group: Group, message_id: str, asker: Account | None, text: str, asked_at: datetime
) -> OpenQuestion:
    """The question asked in ``message_id`` (remembered once per message)."""
    question, _ = OpenQuestion.objects.get_or_create(
        group=group,
        message_external_id=message_id,
        defaults={"asker": asker, "text": text[:2000], "asked_at": asked_at},
    )
    return question


def mark_answered(question: OpenQuestion, by: Account | None, at: datetime) -> None:
    """The question got its first answer ``at``, by ``by`` (kept once set)."""
    if question.answered_at is not None:
        return
    question.answered_at, question.answered_by = at, by
    question.save(update_fields=["answered_at", "answered_by"])


def record_suggestions(
    question: OpenQuestion, chosen: Sequence[Suggested], via: str, *, dry_run: bool, now: datetime
) -> list[RoutingSuggestion]:
    """Remember whom the routing suggested for ``question`` (once per member); audited."""
    with transaction.atomic():
        question.routed_at = now
        question.save(update_fields=["routed_at"])
        made = [
            RoutingSuggestion.objects.get_or_create(
                question=question, person_id=c.person_id,
                defaults={"score": c.score, "reason": c.reason[:1000], "via": via,
                          "dry_run": dry_run, "suggested_at": now},
            )[0]
            for c in chosen
        ]  # fmt: skip
        audit(
            question.group.community, "question.suggest", rule=RULE, group=question.group,
            target=question.message_external_id,
            reason=f"{len(made)} member(s) suggested via {via}",
            outcome="dry_run" if dry_run else "performed",
            details={"question": question.pk, "persons": [s.person_id for s in made], "via": via},
        )  # fmt: skip
    return made


def settle(question: OpenQuestion, answerers: set[int], now: datetime) -> dict[int, str]:
    """Each pending suggestion's outcome, given the persons who answered; audited.

    ``answerers`` are person ids: a suggested member among them answered; else
    someone else did (``other``) or nobody (``none``).
    """
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        for suggestion in question.suggestions.filter(outcome=Outcome.PENDING):
            if suggestion.person_id in answerers:
                outcome = Outcome.ANSWERED
            else:
                outcome = Outcome.OTHER if answerers else Outcome.NONE
            suggestion.outcome, suggestion.outcome_at = outcome, now
            suggestion.save(update_fields=["outcome", "outcome_at"])
            outcomes[suggestion.person_id] = outcome
        if outcomes:
            named = {str(k): v for k, v in outcomes.items()}
            audit(
                question.group.community, "question.outcome", rule=RULE, group=question.group,
                target=question.message_external_id, reason=", ".join(sorted(set(named.values()))),
                details={"question": question.pk, "outcomes": named},
            )  # fmt: skip
    return outcomes


def set_opt_out(person: Person, opted_out: bool, *, user: User | None, by: str) -> bool:
    """Keep ``person`` out of (or back in) suggestions and introductions; whether it changed."""
    with transaction.atomic():
        if opted_out:
            _, changed = MatchingOptOut.objects.get_or_create(
                person=person, defaults={"at": timezone.now(), "by": user}
            )
        else:
            changed = MatchingOptOut.objects.filter(person=person).delete()[0] > 0
        if changed:
            audit(
                person.community, "matching.opt_out" if opted_out else "matching.opt_in",
                user=user, rule=by, person=person,
            )  # fmt: skip
    return bool(changed)


def opted_out(community_id: int) -> set[int]:
    """Person ids of the community who asked not to be suggested."""
    rows = MatchingOptOut.objects.filter(person__community_id=community_id)
    return set(rows.values_list("person_id", flat=True))


# --- introductions (引荐) -------------------------------------------------------------


def introduce(
    group: Group, a: Person, b: Person, *, need: str, reason: str, text: str,
    dimension: str, user: User | None, by: str,
) -> Introduction:  # fmt: skip
    """Introduce ``a`` to ``b`` from ``group``: remember it, enqueue its delivery; audited.

    MatchingError when the two are one person, not both of the group's community,
    opted out, or ``dimension`` is not one an introduction may create.
    """
    if a.pk == b.pk:
        raise MatchingError("person_b: an introduction needs two different members")
    if a.community_id != group.community_id or b.community_id != group.community_id:
        raise MatchingError("person: both members must belong to the group's community")
    if dimension not in TIE_DIMENSIONS:
        raise MatchingError(f"dimension: expected one of {TIE_DIMENSIONS}, got {dimension!r}")
    if {a.pk, b.pk} & opted_out(group.community_id):
        raise MatchingError("person: a member who opted out of matching is not introduced")
    now = timezone.now()
    with transaction.atomic():
        intro = Introduction.objects.create(
            community_id=group.community_id, group=group, person_a=a, person_b=b,
            need=need[:2000], reason=reason[:2000], text=text, dimension=dimension,
            created_at=now, created_by=user,
        )  # fmt: skip
        job = enqueue(INTRO_JOB, now, {"introduction": intro.pk}, group=group)
        audit(
            group.community, "matching.introduce", user=user, rule=by, group=group, person=a,
            target=str(b), reason=need[:200],
            details={"introduction": intro.pk, "other": b.pk, "job": job.pk, "text": text},
        )  # fmt: skip
    return intro


def mark_delivered(intro: Introduction, delivered: bool, now: datetime) -> None:
    """The introduction reached both members (sent) or not (failed); audited."""
    intro.status = Status.SENT if delivered else Status.FAILED
    intro.sent_at = now if delivered else None
    intro.save(update_fields=["status", "sent_at"])
    audit(
        intro.group.community, "matching.introduction", rule=RULE, group=intro.group,
        person=intro.person_a, target=str(intro.person_b), reason=intro.status,
        outcome="performed" if delivered else "failed", details={"introduction": intro.pk},
    )  # fmt: skip


def accept(intro: Introduction, person: Person, *, user: User | None, by: str) -> Introduction:
    """``person`` (one of the two) accepted; when both have, the tie is recorded. Audited."""
    if person.pk not in (intro.person_a_id, intro.person_b_id):
        raise MatchingError("person: not one of the two members introduced")
    # A failed delivery counts: the operators were given the words to pass on by hand.
    if intro.status in (Status.PENDING, Status.TALKED) or intro.tie_id is not None:
        raise MatchingError(f"status: an introduction that is {intro.status} cannot be accepted")
    with transaction.atomic():
        if person.pk == intro.person_a_id:
            intro.accepted_a = True
        else:
            intro.accepted_b = True
        intro.save(update_fields=["accepted_a", "accepted_b"])
        audit(
            intro.group.community, "matching.accept", user=user, rule=by, group=intro.group,
            person=person, details={"introduction": intro.pk},
        )  # fmt: skip
        if intro.accepted_a and intro.accepted_b:
            tie(intro, Status.ACCEPTED, timezone.now(), user=user)
    return intro


def tie(intro: Introduction, status: str, at: datetime, *, user: User | None) -> None:
    """Record the introduction's tie (source ``matching``) and its new status; audited."""
    if intro.tie_id is not None:
        return
    link = add_link(intro.person_a, intro.person_b, intro.dimension, SOURCE, at)
    intro.status, intro.tie, intro.tie_at = status, link, at
    intro.save(update_fields=["status", "tie", "tie_at"])
    audit(
        intro.group.community, "tie.add", user=user, rule=RULE, group=intro.group,
        person=intro.person_a, target=str(intro.person_b), reason=f"introduction {status}",
        details={"link": link.pk, "other": intro.person_b_id, "dimension": intro.dimension,
                 "source": SOURCE, "introduction": intro.pk},
    )  # fmt: skip
