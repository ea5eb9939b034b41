"""Direct messages: notices to the operator, words to a member, and members' answers.

The bot opens one direct room per person on first use and keeps it (in the
connector's kept state), opening a new one if it can no longer post there.
Rooms opened for members are also read: what a member writes there becomes a
``DirectMessage`` about the group the bot last wrote to them for (an answer to
an entry question, an appeal against an elimination notice), and is never
mistaken for a group's message.
"""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, ErrorResponse, RoomCreateError, RoomPreset

from shequn.connectors.kept import Kept
from shequn.connectors.matrix.mapping import PLATFORM, strip_reply_fallback, timestamp
from shequn.connectors.matrix.session import failure
from shequn.events import Actor, DirectMessage

OPERATOR_ROOMS = "operator_rooms"  # operator user id → room id
MEMBER_ROOMS = "member_rooms"  # member user id → room id
ABOUT = "direct_about"  # member room id → the group the bot last wrote about


async def send_direct(client: AsyncClient, kept: Kept, key: str, user: str, text: str) -> str:
    """Send ``text`` as a notice in the direct room with ``user`` (kept under ``key``); its id."""
    rooms: dict[str, str] = dict(kept.get(key) or {})
    content = {"msgtype": "m.notice", "body": text}
    room = rooms.get(user)
    if room is not None:
        answer = await client.room_send(room, "m.room.message", content)
        if not isinstance(answer, ErrorResponse):
            return room
        if answer.status_code not in {"M_FORBIDDEN", "M_NOT_FOUND"}:
            raise failure(f"matrix: cannot write to {user}", answer)
    created = await client.room_create(
        is_direct=True, invite=[user], preset=RoomPreset.trusted_private_chat
    )
    if isinstance(created, RoomCreateError):
        raise failure(f"matrix: cannot open a direct room with {user}", created)
    rooms[user] = created.room_id
    kept.set(key, rooms)
    answer = await client.room_send(created.room_id, "m.room.message", content)
    if isinstance(answer, ErrorResponse):
        raise failure(f"matrix: cannot write to {user}", answer)
    return str(created.room_id)


async def tell_member(client: AsyncClient, kept: Kept, member: str, group: str, text: str) -> None:
    """Write to ``member`` directly about ``group``; their answers there concern that group."""
    room = await send_direct(client, kept, MEMBER_ROOMS, member, text)
    about: dict[str, str] = dict(kept.get(ABOUT) or {})
    if about.get(room) != group:
        about[room] = group
        kept.set(ABOUT, about)


def member_rooms(kept: Kept) -> dict[str, str]:
    """Direct rooms opened for members: room id → the member's user id."""
    rooms: dict[str, str] = kept.get(MEMBER_ROOMS) or {}
    return {room: user for user, room in rooms.items()}


def private_rooms(kept: Kept) -> set[str]:
    """Every direct room the bot opened (never one of the watched groups)."""
    operators: dict[str, str] = kept.get(OPERATOR_ROOMS) or {}
    return set(operators.values()) | set(member_rooms(kept))


def to_direct(raw: dict[str, Any], room: str, member: str, kept: Kept) -> DirectMessage | None:
    """The member's text message in their direct room, as a DirectMessage; else None."""
    if raw.get("type") != "m.room.message" or raw.get("sender") != member:
        return None
    content = raw.get("content")
    event_id = raw.get("event_id")
    group = (kept.get(ABOUT) or {}).get(room)
    if not isinstance(content, dict) or not isinstance(event_id, str) or not group:
        return None
    body = content.get("body")
    relation = content.get("m.relates_to")
    if not isinstance(body, str) or (isinstance(relation, dict) and "rel_type" in relation):
        return None  # edits and other relations are not new words
    return DirectMessage(
        platform=PLATFORM, group=group, event_id=event_id, at=timestamp(raw),
        actor=Actor(id=member), text=strip_reply_fallback(body),
    )  # fmt: skip
