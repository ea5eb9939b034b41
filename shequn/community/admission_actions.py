"""Writes of admission (门槛): invite codes and the admission queue (shequn.playbook.admission).

Kept apart from ``community.actions`` (which they use for the audit log) so that
each module stays small; they are the community app's writes all the same.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shequn.community.actions import add_person_record, audit
from shequn.community.models import (
    Account,
    AdmissionRequest,
    AdmissionStatus,
    Group,
    InviteCode,
    Membership,
    Person,
    RecordKind,
)
from shequn.community.referral_actions import attribute_code

#: Invite codes avoid characters read alike (0/O, 1/I/L) so they survive being typed from a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def create_invite_code(
    person: Person, *, campaign: str = "", user: User | None, by: str
) -> InviteCode:
    """A new active invite code of ``person`` (8 characters), for a campaign if named; audited."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not InviteCode.objects.filter(community_id=person.community_id, code=code).exists():
            break
    invite = InviteCode.objects.create(
        community_id=person.community_id, owner=person, campaign=campaign.strip()[:64], code=code
    )
    details = {"code": code, "campaign": invite.campaign}
    audit(
        person.community, "invite_code.create", user=user, rule=by, person=person, details=details
    )
    return invite


def open_admission(
    group: Group, account: Account, status: str, path: str, *, by: str,
    inviter: Account | None = None, code: str = "",
) -> AdmissionRequest:  # fmt: skip
    """Open ``account``'s request in ``group``, or update its open one; a code's use is counted."""
    if status not in (
        AdmissionStatus.PENDING,
        AdmissionStatus.WAITLISTED,
        AdmissionStatus.APPROVED,
    ):
        raise ValueError(f"status: {status!r} is not pending, waitlisted or approved")
    with transaction.atomic():
        request = latest_admission(group, account, open_only=True)
        if request is None:
            request = AdmissionRequest(group=group, account=account)
        request.status, request.path = status, path
        if inviter is not None or code:
            request.referred = True
            request.inviter = inviter or request.inviter
            request.code = code or request.code
        request.save()
        if code:
            codes = InviteCode.objects.filter(community_id=group.community_id, code=code)
            codes.update(uses=F("uses") + 1)
            attribute_code(group, account, code, by=by)  # the join's campaign and referrer
        # The group goes in the details: the engine's own entry for the rule's action is
        # the group's record of the decision (as for the archive edits rules make).
        details = {"group": group.pk, "request": request.pk, "status": status, "path": path,
                   "code": code}  # fmt: skip
        audit(group.community, "admission.queue", rule=by, person=account.person,
              target=account.external_id, details=details)  # fmt: skip
    return request


def latest_admission(
    group: Group, account: Account, open_only: bool = False
) -> AdmissionRequest | None:
    """``account``'s latest request in ``group`` (only a still open one with ``open_only``)."""
    found = AdmissionRequest.objects.filter(group=group, account=account)
    if open_only:
        found = found.filter(status__in=("pending", "waitlisted", "approved"))
    return found.order_by("-pk").first()


def record_admission_answer(
    group: Group, account: Account, index: int, question: str, answer: str, *, by: str
) -> AdmissionRequest:
    """Save an answer to entry question ``index`` on the open request and in the archive."""
    request = latest_admission(group, account, open_only=True)
    if request is None:
        raise ValueError(f"{account.external_id}: no open admission request in {group}")
    answers = [a for a in request.answers if a.get("index") != index]
    answers.append({"index": index, "question": question, "answer": answer})
    request.answers = sorted(answers, key=lambda a: int(a["index"]))
    request.save(update_fields=["answers"])
    text = f"入群问题 / Entry question {index + 1}: {question}\n{answer}"
    add_person_record(account.person, RecordKind.NOTE, text, timezone.now(), user=None, by=by)
    return request


def admit_member(
    group: Group, account: Account, path: str, *, by: str, user: User | None = None
) -> AdmissionRequest:
    """``account`` is admitted to ``group`` by ``path``; its request closes, its stay keeps it."""
    with transaction.atomic():
        request = latest_admission(group, account, open_only=True)
        if request is None:
            request = AdmissionRequest(group=group, account=account)
        request.status, request.path = AdmissionStatus.ADMITTED, path[:64]
        if user is not None:
            request.decided_by, request.decided_at = user, timezone.now()
        request.save()
        stay = Membership.objects.filter(group=group, account=account, left_how="").order_by("-pk")
        Membership.objects.filter(pk__in=stay.values("pk")[:1]).update(admission_path=path[:64])
        audit(group.community, "admission.admit", user=user, rule=by, person=account.person,
              target=account.external_id,
              details={"group": group.pk, "request": request.pk, "path": path})  # fmt: skip
    return request


def decide_admission(
    request: AdmissionRequest, approve: bool, reason: str, *, user: User, by: str
) -> str:
    """An operator's decision on an open request; the status it is left in.

    Approving adds the step ("screening" for a waiting request, else "operator")
    to the path; a member in the group is admitted at once, one who is out
    (waitlisted, removed) is approved to come back. The request is locked first,
    so two operators deciding at once cannot both decide it (ValueError).
    """
    with transaction.atomic():
        request = AdmissionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in ("pending", "waitlisted", "approved"):
            raise ValueError(f"request #{request.pk} is already {request.status}")
        group, account = request.group, request.account
        step = "screening" if request.status == "pending" else "operator"
        steps = [s for s in request.path.split("+") if s and s != "open"]
        path = "+".join(steps if step in steps else [*steps, step])
        inside = Membership.objects.filter(group=group, account=account, left_how="").exists()
        if approve and inside:
            admit_member(group, account, path, by=by, user=user)
            status = AdmissionStatus.ADMITTED
        else:
            status = AdmissionStatus.APPROVED if approve else AdmissionStatus.REJECTED
        request.refresh_from_db()
        request.status, request.path = status, path if approve else request.path
        request.reason, request.decided_by, request.decided_at = reason, user, timezone.now()
        request.save(update_fields=["status", "path", "reason", "decided_by", "decided_at"])
        verb = "admission.approve" if approve else "admission.reject"
        details = {"request": request.pk, "status": status, "path": request.path}
        audit(group.community, verb, user=user, rule=by, group=group, person=account.person,
              target=account.external_id, reason=reason, details=details)  # fmt: skip
    return status
