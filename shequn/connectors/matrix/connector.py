"""The Matrix connector: one bot account (matrix-nio) in the rooms it is told to watch.

Settings are ``MatrixSettings`` (see ``settings.py``); the bot signs in as
``session.py`` describes, so no secret sits in the database. The cursor is the
sync ``next_batch`` token; it moves past a sync batch once the batch's last
event has been handed on. A sync that says ``limited`` is backfilled with
``/messages`` back to the previous token, so a bot that was away misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinError,
    MessageDirection,
    RoomMessagesError,
    SyncError,
)

from shequn.connectors.base import Connector, ConnectorError, Unsupported, action_name
from shequn.connectors.kept import Kept
from shequn.connectors.matrix.direct import (
    OPERATOR_ROOMS,
    member_rooms,
    private_rooms,
    send_direct,
    tell_member,
    to_direct,
)
from shequn.connectors.matrix.mapping import PLATFORM, to_event
from shequn.connectors.matrix.moderation import set_muted
from shequn.connectors.matrix.session import TRANSIENT_ERRORS, Session, failure
from shequn.connectors.matrix.settings import MatrixSettings
from shequn.connectors.settings import ConnectorSettings
from shequn.events import Action, Delete, Event, Mute, Notify, Remove, Reply, Send, Warn

log = logging.getLogger(__name__)

MAX_DELAY = 30.0


class MatrixConnector(Connector):
    """Reads the watched rooms by long-polling ``/sync``; acts through the client API."""

    platform = PLATFORM
    Settings = MatrixSettings

    def __init__(
        self,
        settings: MatrixSettings,
        cursor: str | None = None,
        *,
        state_dir: Path | None = None,
        groups: Sequence[str] = (),
    ) -> None:
        """Raises SecretError (a permanent ConnectorError) when a named secret is missing."""
        super().__init__(cursor)
        self.settings = settings
        self.kept = Kept(state_dir, settings.connector_name)
        self.session = Session(settings, self.kept)
        self.user_id = settings.user_id
        self.rooms = tuple(settings.rooms or groups)
        self.operator = settings.operator
        self.timeline_limit = settings.timeline_limit
        self.poll_timeout = settings.poll_timeout
        caps = {"Send", "Reply", "Delete", "Remove", "Mute", "Warn"}
        if self.operator:
            caps.add("Notify")
        self.capabilities = frozenset(caps)
        config = AsyncClientConfig(
            max_timeouts=1, request_timeout=self.poll_timeout + 30, store_sync_tokens=False
        )
        self.client = AsyncClient(settings.homeserver, settings.user_id, config=config)
        self.client.user_id = settings.user_id
        self._signed_in = False
        self._connected = False
        self._names: dict[tuple[str, str], str] = {}

    @classmethod
    def from_settings(
        cls,
        settings: ConnectorSettings,
        cursor: str | None,
        *,
        state_dir: Path,
        groups: Sequence[str] = (),
    ) -> MatrixConnector:
        """The connector ``shequn run`` builds for a group's settings."""
        if not isinstance(settings, MatrixSettings):
            raise TypeError(f"expected MatrixSettings, got {type(settings).__name__}")
        return cls(settings, cursor, state_dir=state_dir, groups=groups)

    def __repr__(self) -> str:
        return f"MatrixConnector({self.user_id} on {self.settings.homeserver})"

    # --- reading -----------------------------------------------------------------

    @property
    def _filter(self) -> dict[str, Any]:
        # No server-side list of rooms: a member's direct room opened between two syncs
        # would miss the answers sent before the filter named it. Rooms are picked here.
        room: dict[str, Any] = {"timeline": {"limit": self.timeline_limit}}
        return {"room": room, "presence": {"not_types": ["*"]}}

    async def connect(self) -> None:
        """Join the watched rooms; without a cursor, start from now (history is not replayed)."""
        if self._connected:
            return
        if not self._signed_in:
            await self.session.sign_in(self.client)
            self._signed_in = True
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
                    raise failure("matrix: sync failed", sync)
                batch = await self._batch(sync)
            except (*TRANSIENT_ERRORS, ConnectorError) as exc:
                if isinstance(exc, ConnectorError) and exc.permanent:
                    raise
                log.warning("matrix: %s; retrying in %.1f s", exc or type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
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
        members, private = member_rooms(self.kept), private_rooms(self.kept)
        for room_id, info in rooms.items():
            if room_id in members:
                out.extend(self._direct(room_id, members[room_id], info, seen))
                continue
            if room_id in private or (self.rooms and room_id not in self.rooms):
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

    def _direct(self, room_id: str, member: str, info: Any, seen: set[str]) -> list[Event]:
        """What ``member`` wrote in their direct room (not backfilled: a member writes little)."""
        out: list[Event] = []
        for raw in (e.source for e in info.timeline.events):
            event = to_direct(raw, room_id, member, self.kept) if isinstance(raw, dict) else None
            if event is not None and event.event_id not in seen:
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
        """Send, Reply, Delete (redact), Remove (kick), Mute (power levels; a zero
        duration lifts it), Warn (a direct message to the member), Notify (a direct
        message to the operator)."""
        try:
            if not self._signed_in:
                await self.session.sign_in(self.client)
                self._signed_in = True
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
        elif isinstance(action, Mute):
            muted = action.duration.total_seconds() > 0
            await set_muted(client, self.kept, action.group, action.member.id, muted)
            return
        elif isinstance(action, Warn):
            label = self._room_name(action.group) or action.group
            text = f"[{label}] {action.text}"
            await tell_member(client, self.kept, action.member.id, action.group, text)
            return
        elif isinstance(action, Notify) and self.operator:
            label = self._room_name(action.group) or action.group
            text = f"[{label}] {action.text}"
            await send_direct(client, self.kept, OPERATOR_ROOMS, self.operator, text)
            return
        else:
            raise Unsupported(f"matrix cannot {name}")
        if isinstance(response, ErrorResponse):
            raise failure(f"matrix: {name} in {action.group}", response)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        with contextlib.suppress(Exception):
            await self.client.close()

    close = aclose


def _text(text: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": text}
