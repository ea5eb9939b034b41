"""Mutes through power levels.

Matrix has no mute of its own: a member whose power level is below what sending
a message needs cannot send (the homeserver refuses with ``M_FORBIDDEN``). A mute
sets the member's level one below the lowest send level (``events_default`` and
``m.room.message``); lifting it puts back the level the member had, which is
kept (``Kept``) so it survives restarts. Mutes here do not end by themselves:
the scheduler's ``unmute`` job lifts each when its time is up.
"""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, ErrorResponse

from shequn.connectors.kept import Kept
from shequn.connectors.matrix.session import failure

POWER_LEVELS = "m.room.power_levels"


def send_level(content: dict[str, Any]) -> int:
    """The lowest power level that may still send messages (or reactions) in the room."""
    events = content.get("events")
    if not isinstance(events, dict):
        events = {}
    default = _int(content.get("events_default"), 0)
    return min(default, _int(events.get("m.room.message"), default))


def _int(value: object, fallback: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return fallback
    try:
        return int(value)
    except ValueError:
        return fallback


async def set_muted(client: AsyncClient, kept: Kept, room: str, user: str, muted: bool) -> None:
    """Mute ``user`` in ``room`` (or lift the mute); ConnectorError when refused."""
    current = await client.room_get_state_event(room, POWER_LEVELS)
    if isinstance(current, ErrorResponse):
        raise failure(f"matrix: cannot read the power levels of {room}", current)
    content = dict(current.content)
    users: dict[str, Any] = dict(content.get("users") or {})
    mutes: dict[str, Any] = dict(kept.get("mutes") or {})
    key = f"{room} {user}"
    floor = send_level(content)
    level = users.get(user)
    if muted:
        if key not in mutes:
            mutes[key] = level  # None: the member had the room's default level
        users[user] = floor - 1
    else:
        if key not in mutes and (level is None or _int(level, 0) >= floor):
            return  # not muted (any more): nothing to lift
        prior = mutes.pop(key, None)
        if prior is None:
            users.pop(user, None)
        else:
            users[user] = prior
    content["users"] = users
    answer = await client.room_put_state(room, POWER_LEVELS, content)
    if isinstance(answer, ErrorResponse):
        verb = "mute" if muted else "unmute"
        raise failure(f"matrix: cannot {verb} {user} in {room}", answer)
    kept.set("mutes", mutes or None)
