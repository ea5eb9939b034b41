"""The admission rule's store side: its store actions, and what StoreState reads for it.

Handlers (registered in ``store_actions.HANDLERS``) find the member's account
in the group's community and write through ``community.actions`` (audited
there, with the rule as the author). The queries back ``StoreState``'s
admission methods; ``invite_codes`` gives a replay the codes the store holds.
"""

from __future__ import annotations

from shequn.community.admission_actions import admit_member, open_admission, record_admission_answer
from shequn.community.models import Account, AdmissionRequest, Group, InviteCode, Membership
from shequn.events import Action, Actor, Admit, QueueAdmission, RecordAnswer
from shequn.playbook.admission_view import OPEN, AdmissionView


class AdmissionActionError(ValueError):
    """The action names a member the archive does not know."""


def _account(group: Group, member: Actor) -> Account:
    account = (
        Account.objects.select_related("person")
        .filter(community_id=group.community_id, platform=group.platform, external_id=member.id)
        .first()
    )
    if account is None:
        raise AdmissionActionError(f"no account {member.id!r} on {group.platform} in the archive")
    return account


def queue_admission(group: Group, action: Action) -> None:
    """Open or update the member's request (pending, waitlisted, approved)."""
    assert isinstance(action, QueueAdmission)
    account = _account(group, action.member)
    inviter = None
    if action.inviter is not None:
        inviter = Account.objects.filter(
            community_id=group.community_id, platform=group.platform, external_id=action.inviter.id
        ).first()
    open_admission(
        group, account, action.status, action.path, by=action.rule,
        inviter=inviter, code=action.code,
    )  # fmt: skip


def record_answer(group: Group, action: Action) -> None:
    """Save an entry question's answer on the request and in the member's archive."""
    assert isinstance(action, RecordAnswer)
    account = _account(group, action.member)
    record_admission_answer(
        group, account, action.index, action.question, action.answer, by=action.rule
    )


def admit(group: Group, action: Action) -> None:
    """Admit the member: the request closes, the stay keeps the admission path."""
    assert isinstance(action, Admit)
    admit_member(group, _account(group, action.member), action.path, by=action.rule)


# --- what StoreState reads ------------------------------------------------------------


def admission_view(group: Group, member_id: str) -> AdmissionView | None:
    """The account's latest request in ``group`` as the rule sees it."""
    row = (
        AdmissionRequest.objects.filter(
            group=group,
            account__community_id=group.community_id,
            account__platform=group.platform,
            account__external_id=member_id,
        )
        .order_by("-pk")
        .values_list("status", "path", "referred", "answers")
        .first()
    )
    if row is None:
        return None
    status, path, referred, answers = row
    return AdmissionView(status, path, referred, len(answers or ()))


def admission_queue(group: Group, status: str) -> tuple[Actor, ...]:
    """Accounts whose open request in ``group`` has ``status``, oldest request first."""
    if status not in OPEN:
        raise ValueError(f"status: {status!r} is not one of {', '.join(OPEN)}")
    rows = (
        AdmissionRequest.objects.filter(group=group, status=status)
        .order_by("pk")
        .values_list("account__external_id", "account__display_name")
    )
    return tuple(Actor(id=external_id, name=name) for external_id, name in rows)


def in_group(group: Group, member_id: str) -> bool:
    """Whether the account has an open stay in ``group``."""
    return Membership.objects.filter(
        group=group,
        left_how="",
        account__community_id=group.community_id,
        account__platform=group.platform,
        account__external_id=member_id,
    ).exists()


def invite_code_owner(community_id: int, code: str) -> str:
    """The display name of the owner of the community's active invite code ``code``."""
    found = InviteCode.objects.filter(community_id=community_id, code=code.upper(), active=True)
    return found.values_list("owner__display_name", flat=True).first() or ""


def invite_codes(group: Group) -> dict[str, str]:
    """Every active invite code of ``group``'s community → its owner's name (for a replay)."""
    found = InviteCode.objects.filter(community_id=group.community_id, active=True)
    return dict(found.values_list("code", "owner__display_name"))
