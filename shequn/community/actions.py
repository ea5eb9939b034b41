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
from django.utils import timezone

from shequn.community.models import (
    Account,
    ApiToken,
    AuditLog,
    Community,
    Group,
    Link,
    Membership,
    Person,
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
    community: Community, user: User, filters: dict[str, Any], rows: int
) -> AuditLog:
    """Write a member-archive export (who, with which filters, how many rows) to the audit log."""
    return audit(
        community,
        "archive.export",
        user=user,
        details={"filters": filters, "rows": rows},
    )


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
