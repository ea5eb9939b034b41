"""Joins, leaves and renames applied to stays, in event order.

Each function is idempotent on its event id: the same join or leave seen twice
(a re-import, an overlapping file) changes nothing the second time.
"""

from __future__ import annotations

from shequn.community.directory import Directory
from shequn.events import MemberJoined, MemberLeft


def apply_join(
    directory: Directory, group_id: int, event: MemberJoined, inviter_id: int | None
) -> bool:
    """Open a stay for the member; True when something changed."""
    joins = directory.join_ids[group_id]
    if event.event_id in joins:
        return False
    member_id = directory.account_id(event.platform, event.member.id)
    stay = directory.stay_at(group_id, member_id, event.at)
    fields = {
        "joined_at": event.at,
        "join_how": event.how.value,
        "inviter_id": inviter_id,
        "join_event_id": event.event_id,
    }
    if directory.stay_covering(group_id, member_id, event.at) is not None:
        # Already in then: a repeated join without a leave between. Judged by time, not
        # by what came before in this batch, so a re-import reaches the same verdict.
        return False
    if stay is not None and stay.left_at is None and stay.left_how == "":
        if stay.joined_at is not None:
            return False  # still in since an earlier join
        # They were seen speaking before the join was known: this join opened that stay.
        for name, value in fields.items():
            setattr(stay, name, value)
        directory.touched(stay)
    else:
        directory.new_stay(group_id, member_id, nickname=event.member.name, **fields)
    joins.add(event.event_id)
    return True


def apply_leave(
    directory: Directory, group_id: int, event: MemberLeft, remover_id: int | None
) -> bool:
    """Close the member's open stay (or record a stay that began before our history)."""
    leaves = directory.leave_ids[group_id]
    if event.event_id in leaves:
        return False
    member_id = directory.account_id(event.platform, event.member.id)
    stay = directory.stay_at(group_id, member_id, event.at)
    if stay is not None and stay.left_how != "":
        return False  # left twice without a join between: nothing new to record
    if stay is None:
        # They were in the group before our history starts.
        stay = directory.new_stay(group_id, member_id, nickname=event.member.name)
    stay.left_at = event.at
    stay.left_how = event.how.value
    stay.removed_by_id = remover_id
    stay.leave_event_id = event.event_id
    directory.touched(stay)
    leaves.add(event.event_id)
    return True


def apply_rename(directory: Directory, group_id: int, account_id: int, new_name: str) -> bool:
    stay = directory.stay(group_id, account_id)
    if stay is None or stay.nickname == new_name:
        return False
    stay.nickname = new_name
    directory.touched(stay)
    return True
