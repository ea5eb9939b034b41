"""The Matrix connector: one bot account (matrix-nio) in the rooms it is told to watch.

Settings (``Group.settings["connector"]``)::

    {"kind": "matrix", "homeserver": "https://matrix.example.org",
     "user_id": "@bot:example.org", "token_env": "SHEQUN_MATRIX_TOKEN",
     "rooms": ["!abc:example.org"], "operator": "@me:example.org"}

The access token is read from the environment variable named by ``token_env``,
so it never sits in the database. The cursor is the sync ``next_batch`` token;
it moves past a sync batch once the batch's last event has been handed on.
A sync that says ``limited`` is backfilled with ``/messages`` back to the
previous token, so a bot that was away misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinError,
    MessageDirection,
    RoomCreateError,
    RoomMessagesError,
    RoomPreset,
    SyncError,
)

from shequn.connectors.base import Connector, ConnectorError, Unsupported, action_name
from shequn.connectors.matrix.mapping import PLATFORM, to_event
from shequn.events import Action, Delete, Event, Notify, Remove, Reply, Send

log = logging.getLogger(__name__)

#: Matrix error codes that no retry will fix.
PERMANENT = frozenset(
    {
        "M_FORBIDDEN",
        "M_NOT_FOUND",
        "M_UNKNOWN_TOKEN",
        "M_MISSING_TOKEN",
        "M_BAD_JSON",
        "M_NOT_JSON",
        "M_INVALID_PARAM",
        "M_UNRECOGNIZED",
        "M_USER_DEACTIVATED",
        "M_GUEST_ACCESS_FORBIDDEN",
    }
)

TRANSIENT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def failure(what: str, response: ErrorResponse) -> ConnectorError:
    """A nio error response as a ConnectorError: permanent when retrying cannot help."""
    code = response.status_code or ""
    return ConnectorError(f"{what}: {code} {response.message}".strip(), permanent=code in PERMANENT)


class MatrixConnector(Connector):
    """Reads the watched rooms by long-polling ``/sync``; acts through the client API."""

    platform = PLATFORM

    def __init__(
        self,
        cursor: str | None = None,
        *,
        homeserver: str,
        user_id: str,
        access_token: str | None = None,
        token_env: str | None = None,
        rooms: Iterable[str] = (),
        operator: str | None = None,
        timeline_limit: int = 100,
        poll_timeout: float = 30.0,
    ) -> None:
        super().__init__(cursor)
        token = access_token
        if token is None and token_env:
            token = os.environ.get(token_env)
            if not token:
                raise ConnectorError(
                    f"matrix: environment variable {token_env} is not set", permanent=True
                )
        if not token:
            raise ConnectorError("matrix: no access token (set token_env)", permanent=True)
        self.homeserver = homeserver
        self.user_id = user_id
        self.rooms = tuple(rooms)
        self.operator = operator or None
        self.timeline_limit = timeline_limit
        self.poll_timeout = poll_timeout
        caps = {"Send", "Reply", "Delete", "Remove"}
        if self.operator:
            caps.add("Notify")
        self.capabilities = frozenset(caps)
        config = AsyncClientConfig(
            max_timeouts=1, request_timeout=poll_timeout + 30, store_sync_tokens=False
        )
        self.client = AsyncClient(homeserver, user_id, config=config)
        self.client.user_id = user_id
        self.client.access_token = token
        self._connected = False
        self._dm_room: str | None = None
        self._names: dict[tuple[str, str], str] = {}

    # --- reading -----------------------------------------------------------------

    @property
    def _filter(self) -> dict[str, Any]:
        room: dict[str, Any] = {"timeline": {"limit": self.timeline_limit}}
        if self.rooms:
            room["rooms"] = list(self.rooms)
        return {"room": room, "presence": {"not_types": ["*"]}}

    async def connect(self) -> None:
        """Join the watched rooms; without a cursor, start from now (history is not replayed)."""
        if self._connected:
            return
        for room in self.rooms:
            response = await self.client.join(room)
            if isinstance(response, JoinError):
                raise failure(f"matrix: cannot join {room}", response)
        if self._cursor is None:
            sync = await self.client.sync(timeout=0, sync_filter=self._filter, full_state=True)
            if isinstance(sync, SyncError):
                raise failure("matrix: initial sync failed", sync)
            self._cursor = sync.next_batch
        self._connected = True

    async def events(self) -> AsyncIterator[Event]:
        """Events after the cursor, batch by batch; reconnects with backoff when the server goes."""
        delay = 0.5
        first = True
        while True:
            try:
                await self.connect()
                sync = await self.client.sync(
                    timeout=int(self.poll_timeout * 1000),
                    sync_filter=self._filter,
                    since=self._cursor,
                    full_state=first or None,
                )
                if isinstance(sync, SyncError):
                    error = failure("matrix: sync failed", sync)
                    if error.permanent:
                        raise error
                    raise OSError(str(error))
                batch = await self._batch(sync)
            except TRANSIENT_ERRORS as exc:
                log.warning("matrix: %s; retrying in %.1f s", exc or type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 0.5
            first = False
            if not batch:
                self._cursor = sync.next_batch
                continue
            last = len(batch) - 1
            for index, event in enumerate(batch):
                if index == last:
                    self._cursor = sync.next_batch
                yield event

    async def _batch(self, sync: Any) -> list[Event]:
        """The canonical events of one sync response, backfilling limited timelines."""
        since = self._cursor
        seen: set[str] = set()
        out: list[Event] = []
        rooms = {**sync.rooms.leave, **sync.rooms.join}
        for room_id, info in rooms.items():
            if self.rooms and room_id not in self.rooms:
                continue
            raws = [e.source for e in info.timeline.events]
            if info.timeline.limited and since and info.timeline.prev_batch:
                raws = await self._backfill(room_id, info.timeline.prev_batch, since) + raws
            for raw in raws:
                if not isinstance(raw, dict):
                    continue
                self._remember_name(room_id, raw)
                event = to_event(
                    raw,
                    room_id,
                    me=self.user_id,
                    names=self._name,
                    room_name=self._room_name(room_id),
                )
                if event is None or event.event_id in seen:
                    continue
                seen.add(event.event_id)
                out.append(event)
        return out

    async def _backfill(self, room_id: str, start: str, until: str) -> list[dict[str, Any]]:
        """The events between ``until`` and ``start`` (oldest first), fetched backwards."""
        chunks: list[dict[str, Any]] = []
        token: str | None = start
        while token:
            page = await self.client.room_messages(
                room_id, start=token, end=until, direction=MessageDirection.back, limit=100
            )
            if isinstance(page, RoomMessagesError):
                raise failure(f"matrix: backfill of {room_id} failed", page)
            if not page.chunk:
                break
            chunks.extend(e.source for e in page.chunk)
            if not page.end or page.end == token:
                break
            token = page.end
        chunks.reverse()
        return chunks

    def _remember_name(self, room_id: str, raw: dict[str, Any]) -> None:
        if raw.get("type") != "m.room.member":
            return
        content = raw.get("content")
        user = raw.get("state_key")
        if isinstance(content, dict) and isinstance(user, str):
            name = content.get("displayname")
            if isinstance(name, str):
                self._names[(room_id, user)] = name

    def _name(self, room_id: str, user: str) -> str:
        name = self._names.get((room_id, user))
        if name is not None:
            return name
        room = self.client.rooms.get(room_id)
        if room is not None:
            member = room.users.get(user)
            if member is not None and member.display_name:
                return str(member.display_name)
        return ""

    def _room_name(self, room_id: str) -> str:
        room = self.client.rooms.get(room_id)
        return str(room.name) if room is not None and room.name else ""

    # --- acting ------------------------------------------------------------------

    async def perform(self, action: Action) -> None:
        """Send, Reply, Delete (redact), Remove (kick), Notify (a DM to the operator)."""
        try:
            await self._perform(action)
        except TRANSIENT_ERRORS as exc:
            raise ConnectorError(f"matrix: {action_name(action)}: {exc}") from exc

    async def _perform(self, action: Action) -> None:
        client = self.client
        name = action_name(action)
        response: Any
        if isinstance(action, Send):
            response = await client.room_send(action.group, "m.room.message", _text(action.text))
        elif isinstance(action, Reply):
            content = _text(action.text)
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": action.message_id}}
            response = await client.room_send(action.group, "m.room.message", content)
        elif isinstance(action, Delete):
            response = await client.room_redact(
                action.group, action.message_id, reason=action.reason or None
            )
        elif isinstance(action, Remove):
            response = await client.room_kick(
                action.group, action.member.id, reason=action.reason or None
            )
        elif isinstance(action, Notify) and self.operator:
            room = await self._operator_room()
            response = await client.room_send(
                room, "m.room.message", {"msgtype": "m.notice", "body": action.text}
            )
        else:
            raise Unsupported(f"matrix cannot {name}")
        if isinstance(response, ErrorResponse):
            raise failure(f"matrix: {name} in {action.group}", response)

    async def _operator_room(self) -> str:
        """The direct-message room with the operator, created on first use."""
        if self._dm_room is None:
            assert self.operator is not None
            created = await self.client.room_create(
                is_direct=True, invite=[self.operator], preset=RoomPreset.trusted_private_chat
            )
            if isinstance(created, RoomCreateError):
                raise failure("matrix: cannot open a room with the operator", created)
            self._dm_room = created.room_id
        return self._dm_room

    async def close(self) -> None:
        """Close the HTTP session."""
        with contextlib.suppress(Exception):
            await self.client.close()


def _text(text: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": text}
