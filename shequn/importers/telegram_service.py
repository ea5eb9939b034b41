"""Telegram service messages (``"type": "service"``): joins, leaves, creation, renames.

``ServiceMixin`` is a mix-in of ``telegram._Chat``, which supplies ``options``,
``name`` and ``_base`` (the fields every event of a message shares). The rules
are in the docstring of ``shequn.importers.telegram``: members are named only by
display name; ``invite_members``/``create_group`` add them (how=ADDED, a member
equal to the actor joins by themselves: how=UNKNOWN), ``remove_members`` makes
them leave (LEFT for the actor, else REMOVED), and events made from one message's
member list have ids ``<id>:<n>``. Other actions are skipped as ``service: <action>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from shequn.events import (
    Actor,
    Event,
    GroupCreated,
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
)
from shequn.importers.base import ImportOptions


class ServiceMixin:
    """Service-message handlers of one chat's converter (see ``telegram._Chat``)."""

    options: ImportOptions
    name: str

    def _base(self, m: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError  # the chat supplies platform, group, id, time and actor

    def _service(self, m: dict[str, Any]) -> tuple[Event, ...]:
        action = m.get("action")
        handler = _SERVICE.get(action) if isinstance(action, str) else None
        if handler is None:
            self.options.skip(f"service: {action}")
            return ()
        return handler(self, m)

    def _members(self, m: dict[str, Any], actor: Actor | None) -> Iterator[tuple[int, Actor]]:
        """``(n, member)`` for each listed name; a name equal to the actor's is the actor."""
        for n, name in enumerate(m.get("members") or (), 1):
            if not isinstance(name, str) or not name:
                self.options.skip("service: member without a name (deleted account)")
            elif actor is not None and name == actor.name:
                yield n, actor
            else:
                yield n, Actor(id=f"name:{name}", name=name)

    def _created(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        title = m.get("title")
        base["group_name"] = title if isinstance(title, str) else self.name
        return (GroupCreated(**base), *self._invited(m))

    def _invited(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        actor, message_id = base["actor"], base["event_id"]
        events: list[Event] = []
        for n, member in self._members(m, actor):
            base["event_id"] = f"{message_id}:{n}"
            if member is actor:
                events.append(MemberJoined(**base, member=member, how=JoinHow.UNKNOWN))
            else:
                events.append(MemberJoined(**base, member=member, how=JoinHow.ADDED, inviter=actor))
        return tuple(events)

    def _removed(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        actor, message_id = base["actor"], base["event_id"]
        events: list[Event] = []
        for n, member in self._members(m, actor):
            base["event_id"] = f"{message_id}:{n}"
            how = LeaveHow.LEFT if member is actor else LeaveHow.REMOVED
            events.append(MemberLeft(**base, member=member, how=how))
        return tuple(events)

    def _joined_by_link(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        member = _require_actor(base)
        inviter = m.get("inviter")
        by = Actor(id=f"name:{inviter}", name=inviter) if isinstance(inviter, str) else None
        return (MemberJoined(**base, member=member, how=JoinHow.LINK, inviter=by),)

    def _joined_by_request(self, m: dict[str, Any]) -> tuple[Event, ...]:
        base = self._base(m)
        return (MemberJoined(**base, member=_require_actor(base), how=JoinHow.REQUEST),)

    def _renamed(self, m: dict[str, Any]) -> tuple[Event, ...]:
        title = m.get("title")
        if not isinstance(title, str):
            raise ValueError("an 'edit_group_title' service message with a 'title' string")
        return (GroupRenamed(**self._base(m), new_name=title),)


def _require_actor(base: dict[str, Any]) -> Actor:
    actor = base["actor"]
    if not isinstance(actor, Actor):
        raise ValueError("a service message with 'actor_id' or 'actor'")
    return actor


_SERVICE: dict[str, Callable[[ServiceMixin, dict[str, Any]], tuple[Event, ...]]] = {
    "create_group": ServiceMixin._created,
    "create_channel": ServiceMixin._created,
    "edit_group_title": ServiceMixin._renamed,
    "invite_members": ServiceMixin._invited,
    "remove_members": ServiceMixin._removed,
    "join_group_by_link": ServiceMixin._joined_by_link,
    "join_group_by_request": ServiceMixin._joined_by_request,
}
