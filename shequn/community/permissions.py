"""The one place that decides who may see and do what.

Every view and API endpoint asks here; none filters by hand. A user sees a
community only through a Staff role in it (superusers see all, as the
installation's administrators).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from shequn.community.models import Community, Group, Person, Staff, StaffRole

User = AbstractBaseUser | AnonymousUser

# What each role may do; a role includes the powers listed for it and nothing else.
POWERS: dict[str, frozenset[str]] = {
    StaffRole.VIEWER: frozenset({"view"}),
    StaffRole.ASSISTANT: frozenset({"view", "note", "greet"}),
    StaffRole.OPERATOR: frozenset({"view", "note", "greet", "edit", "moderate", "import"}),
    StaffRole.OWNER: frozenset(
        {"view", "note", "greet", "edit", "moderate", "import", "configure", "invite_staff"}
    ),
}


def visible_communities(user: User) -> QuerySet[Community]:
    if not user.is_authenticated:
        return Community.objects.none()
    if getattr(user, "is_superuser", False):
        return Community.objects.all()
    return Community.objects.filter(staff__user_id=user.pk)


def visible_groups(user: User) -> QuerySet[Group]:
    return Group.objects.filter(community__in=visible_communities(user))


def visible_persons(user: User) -> QuerySet[Person]:
    """Archive entries of the communities the user may see; profiles are looked up here."""
    return Person.objects.filter(community__in=visible_communities(user))


def role_in(user: User, community: Community) -> str | None:
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return StaffRole.OWNER
    staff = Staff.objects.filter(user_id=user.pk, community=community).first()
    return staff.role if staff is not None else None


def can(user: User, power: str, community: Community) -> bool:
    role = role_in(user, community)
    return role is not None and power in POWERS[role]
