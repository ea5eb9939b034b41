"""Store handlers for the archive edits rules may decide (see ``store_actions``).

Each finds the member's archive entry through their platform account in the
group's community and changes it through ``community.actions`` (audited there
too, with the rule as the author).
"""

from __future__ import annotations

from typing import Any

from shequn.community.actions import update_person
from shequn.community.models import Account, Group, Person, Tier
from shequn.events import Action, Actor, AddTag, FillArchive, SetTier


class ArchiveActionError(ValueError):
    """The action names a member or value the archive cannot take."""


def person_of(group: Group, member: Actor) -> Person:
    """The archive entry behind ``member`` in ``group``'s community."""
    account = (
        Account.objects.select_related("person")
        .filter(community_id=group.community_id, platform=group.platform, external_id=member.id)
        .first()
    )
    if account is None:
        raise ArchiveActionError(f"no account {member.id!r} on {group.platform} in the archive")
    return account.person


def set_tier(group: Group, action: Action) -> None:
    """Set the member's tier (one of the archive's tiers)."""
    assert isinstance(action, SetTier)
    if action.tier not in Tier.values:
        raise ArchiveActionError(f"tier {action.tier!r} is not one of {', '.join(Tier.values)}")
    update_person(person_of(group, action.member), by=action.rule, tier=action.tier)


def add_tag(group: Group, action: Action) -> None:
    """Add a tag to the member's archive entry, keeping the tags it has."""
    assert isinstance(action, AddTag)
    tag = action.tag.strip()
    if not tag:
        raise ArchiveActionError("an empty tag")
    person = person_of(group, action.member)
    tags = sorted(set(person.tags.values_list("name", flat=True)) | {tag})
    update_person(person, by=action.rule, tags=tags)


#: The archive fields FillArchive may fill, with their longest value.
FILLABLE = {"intro": 4000, "needs": 4000, "offers": 4000, "city": 64, "industry": 64}


def fill_archive(group: Group, action: Action) -> None:
    """Fill the member's empty archive fields from ``action.fields``.

    What is already there is kept, whoever wrote it (an operator, an import, an
    earlier introduction): a rule only fills gaps, it never overwrites. An
    unknown field name is refused before anything is written.
    """
    assert isinstance(action, FillArchive)
    unknown = sorted({name for name, _ in action.fields} - FILLABLE.keys())
    if unknown:
        raise ArchiveActionError(
            f"cannot fill {', '.join(unknown)}; fillable: {', '.join(FILLABLE)}"
        )
    person = person_of(group, action.member)
    changes: dict[str, Any] = {}
    for name, value in action.fields:
        text = value.strip()[: FILLABLE[name]]
        if text and not getattr(person, name) and name not in changes:
            changes[name] = text
    if changes:
        update_person(person, by=action.rule, **changes)
