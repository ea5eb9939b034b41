"""Every write to the community app goes through here (ingest uses the directory).

Views, the CLI, rules and the demo call these functions instead of saving
models themselves, so that each change to a member is written to the audit log
in one place.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.community.models import (
    Account,
    ApiToken,
    AuditLog,
    Community,
    Group,
    Link,
    LinkDimension,
    Membership,
    Person,
    PersonRecord,
    RecordKind,
    Staff,
    StaffRole,
    Tag,
)


def audit(
    community: Community,
    action: str,
    *,
    user: User | None = None,
    rule: str = "",
    group: Group | None = None,
    person: Person | None = None,
    target: str = "",
    reason: str = "",
    outcome: str = AuditLog.Outcome.PERFORMED,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Record an action taken on the community, by a user or a rule."""
    return AuditLog.objects.create(
        community=community,
        action=action,
        user=user,
        rule=rule,
        group=group,
        person=person,
        target=target,
        reason=reason,
        outcome=outcome,
        details=details or {},
    )


def get_or_create_community(name: str, description: str = "") -> Community:
    community, _ = Community.objects.get_or_create(name=name, defaults={"description": description})
    return community


def set_group_profile(group: Group, by: str, **fields: Any) -> Group:
    """Change a group's kind, positioning, value statement, status or settings."""
    allowed = {"name", "kind", "positioning", "value_statement", "status", "created_at", "settings"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a group profile field: {', '.join(sorted(unknown))}")
    changed = {k: v for k, v in fields.items() if getattr(group, k) != v}
    if not changed:
        return group
    for name, value in changed.items():
        setattr(group, name, value)
    group.save(update_fields=list(changed))
    audit(
        group.community, "group.profile", rule=by, group=group, details={"fields": sorted(changed)}
    )
    return group


def update_person(
    person: Person,
    by: str,
    tags: list[str] | None = None,
    *,
    user: User | None = None,
    **fields: Any,
) -> Person:
    """Change archive fields of a person (and replace its tags when given); audited.

    ``user`` is the dashboard user who made the change, recorded on the audit row.
    """
    changed = {k: v for k, v in fields.items() if getattr(person, k) != v}
    for name, value in changed.items():
        setattr(person, name, value)
    if changed:
        person.save(update_fields=list(changed))
    current = set(person.tags.values_list("name", flat=True))
    retag = tags is not None and set(tags) != current
    if retag and tags is not None:
        objs = [Tag.objects.get_or_create(community=person.community, name=t)[0] for t in tags]
        person.tags.set(objs)
    if changed or retag:
        details = {"fields": sorted(changed), "tags": tags}
        audit(person.community, "person.update", user=user, rule=by, person=person, details=details)
    return person


def record_archive_export(
    community: Community, user: User, filters: dict[str, Any], rows: int, file_format: str = "csv"
) -> AuditLog:
    """Write a member-archive export (who, with which filters, how many rows) to the audit log.

    The file format is noted when it is not CSV (the first export format).
    """
    details: dict[str, Any] = {"filters": filters, "rows": rows}
    if file_format != "csv":
        details["format"] = file_format
    return audit(community, "archive.export", user=user, details=details)


def add_link(
    a: Person, b: Person, dimension: str, source: str, at: datetime, weight: float = 1.0
) -> Link:
    """Record or refresh a tie between two persons on one dimension."""
    if a.pk == b.pk:
        raise ValueError("a tie needs two different persons")
    first, second = (a, b) if a.pk < b.pk else (b, a)
    link, created = Link.objects.get_or_create(
        person_a=first,
        person_b=second,
        dimension=dimension,
        source=source,
        defaults={"community": a.community, "first_seen": at, "last_seen": at, "weight": weight},
    )
    if not created and (at > link.last_seen or weight != link.weight):
        link.last_seen = max(at, link.last_seen)
        link.weight = weight
        link.save(update_fields=["last_seen", "weight"])
    return link


STAFF_SOURCE = "operator"
# Dimensions analytics derives itself; staff record the others.
DERIVED_DIMENSIONS = frozenset({LinkDimension.CO_MEMBER, LinkDimension.INTERACTION})


def record_tie(
    person: Person, other: Person, dimension: str, note: str, *, user: User | None, by: str
) -> Link:
    """A tie a staff member records between two members of one community; audited.

    Recording the same dimension again keeps one tie and replaces its note.
    """
    if person.community_id != other.community_id:
        raise ValueError("a tie links two members of the same community")
    if dimension not in LinkDimension.values or dimension in DERIVED_DIMENSIONS:
        raise ValueError(f"not a dimension staff record: {dimension!r}")
    now = timezone.now()
    link = add_link(person, other, dimension, STAFF_SOURCE, now)
    link.note = note
    link.recorded_by = user
    link.save(update_fields=["note", "recorded_by"])
    audit(
        person.community,
        "tie.add",
        user=user,
        rule=by,
        person=person,
        target=str(other),
        details={"link": link.pk, "other": other.pk, "dimension": dimension, "note": note},
    )
    return link


def delete_tie(link: Link, on: Person, *, user: User | None, by: str) -> None:
    """Remove a recorded tie; ``on`` is the person whose profile it was removed from."""
    other_id = link.person_b_id if link.person_a_id == on.pk else link.person_a_id
    other = Person.objects.filter(pk=other_id).first()
    details = {
        "link": link.pk,
        "other": other_id,
        "dimension": link.dimension,
        "source": link.source,
    }
    link.delete()
    audit(
        on.community,
        "tie.delete",
        user=user,
        rule=by,
        person=on,
        target=str(other or ""),
        details=details,
    )


def add_person_record(
    person: Person, kind: str, text: str, at: datetime, *, user: User | None, by: str
) -> PersonRecord:
    """A dated note or interview about a person, by a staff member; audited."""
    if kind not in RecordKind.values:
        raise ValueError(f"unknown record kind {kind!r}; expected one of {RecordKind.values}")
    record = PersonRecord.objects.create(person=person, kind=kind, text=text, at=at, author=user)
    audit(
        person.community,
        "person.record",
        user=user,
        rule=by,
        person=person,
        details={"record": record.pk, "kind": kind},
    )
    return record


def apply_member_import(
    community: Community,
    changes: list[tuple[Person, dict[str, Any], list[str] | None]],
    *,
    user: User | None,
    source: str,
) -> int:
    """Apply an import's changes, all or none: one audit row per changed person.

    Each change is (person, archive fields to set, the new tag list or None);
    a summary row names the file and how many persons changed.
    """
    with transaction.atomic():
        for person, fields, tags in changes:
            if person.community_id != community.pk:
                raise ValueError("an import changes members of its own community only")
            update_person(person, by="import", tags=tags, user=user, **fields)
        audit(
            community,
            "archive.import",
            user=user,
            target=source,
            details={"persons": len(changes)},
        )
    return len(changes)


def grant_staff(user: User, community: Community, role: str, by: str) -> Staff:
    """Give a dashboard user a role in a community."""
    if role not in StaffRole.values:
        raise ValueError(f"unknown staff role {role!r}; expected one of {StaffRole.values}")
    staff, _ = Staff.objects.update_or_create(
        user=user, community=community, defaults={"role": role}
    )
    audit(community, "staff.grant", rule=by, target=user.get_username(), details={"role": role})
    return staff


def set_member_role(group: Group, account: Account, role: str, by: str) -> bool:
    """Give an account a role in its current stay in the group; True when it changed."""
    stay = (
        Membership.objects.filter(group=group, account=account, left_how="").order_by("-pk").first()
    )
    if stay is None:
        raise ValueError(f"{account} is not a member of {group}")
    if stay.role == role:
        return False
    stay.role = role
    stay.save(update_fields=["role"])
    audit(
        group.community,
        "member.role",
        rule=by,
        group=group,
        person=account.person,
        target=str(account),
        details={"role": role},
    )
    return True


API_TOKEN_PREFIX = "sq_"


def hash_api_token(token: str) -> str:
    """The stored form of a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User) -> str:
    """Make a new API token for ``user`` and return it; only its hash is kept.

    The caller shows the token once: it cannot be recovered from the database.
    """
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=hash_api_token(token), prefix=token[: len(API_TOKEN_PREFIX) + 6]
    )
    return token


def authenticate_api_token(token: str) -> User | None:
    """The active user holding ``token``, noting when the token was last used; else None."""
    row = ApiToken.objects.select_related("user").filter(key_hash=hash_api_token(token)).first()
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def invite_staff(community: Community, who: str, role: str, *, by: User) -> tuple[User, bool]:
    """Give the person named by ``who`` (a username, or an email address) ``role``; audited.

    A new person gets a user without a usable password: they choose one through a
    set-password link that the inviting owner sends them (made by the caller, never
    stored). Returns (user, created). Raises ValueError for a bad name or role, or
    when the change would leave the community without an owner.
    """
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.db import transaction

    who = who.strip()
    if role not in StaffRole.values:
        raise ValueError(f"role: {role!r} is not one of {StaffRole.values}")
    if not who or len(who) > 150:
        raise ValueError("who: a username or email address of at most 150 characters is needed")
    try:
        (validate_email if "@" in who else UnicodeUsernameValidator())(who)
    except ValidationError:
        raise ValueError(f"who: {who!r} is neither a username nor an email address") from None
    users = User.objects
    with transaction.atomic():
        user = users.filter(username=who).first()
        if user is None and "@" in who:
            user = users.filter(email__iexact=who).order_by("pk").first()
        created = user is None
        if user is None:
            user = users.create_user(username=who, email=who if "@" in who else "")
        current = Staff.objects.filter(user=user, community=community).first()
        if current is not None and current.role != role:
            set_staff_role(current, role, by=by)
        elif current is None:
            grant_staff(user, community, role, by=f"invite by {by.get_username()}")
        audit(
            community,
            "staff.invite",
            user=by,
            target=user.get_username(),
            details={"role": role, "new_user": created},
        )
    return user, created


def set_staff_role(staff: Staff, role: str | None, *, by: User) -> Staff | None:
    """Change a staff member's role, or remove them from the community (``role=None``); audited.

    Raises ValueError for an unknown role, or when the community's last owner would
    stop being one (someone must be able to manage the staff).
    """
    from django.db import transaction

    if role is not None and role not in StaffRole.values:
        raise ValueError(f"role: {role!r} is not one of {StaffRole.values}")
    with transaction.atomic():
        owners = Staff.objects.select_for_update().filter(
            community=staff.community, role=StaffRole.OWNER
        )
        others = [s.pk for s in owners if s.pk != staff.pk]
        if staff.role == StaffRole.OWNER and role != StaffRole.OWNER and not others:
            raise ValueError("role: the community's last owner cannot stop being its owner")
        name, before = staff.user.get_username(), staff.role
        if role is None:
            staff.delete()
            audit(staff.community, "staff.remove", user=by, target=name, details={"role": before})
            return None
        staff.role = role
        staff.save(update_fields=["role"])
        details = {"from": before, "to": role}
        audit(staff.community, "staff.role", user=by, target=name, details=details)
        return staff
