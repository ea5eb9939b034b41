"""An in-process connector: fed events by hand, records what it was asked to do.

This is the testing and replay kit (as maubot has one), not a fake of any real
service: tests feed it canonical events and read ``performed``; replay can run
the engine against stored history and collect the actions without acting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

from shequn.connectors.base import Connector, ConnectorError, Unsupported, action_name
from shequn.connectors.settings import ConnectorSettings
from shequn.events import Action, Event

ALL_ACTIONS = frozenset(
    {"Send", "Reply", "Delete", "Warn", "Mute", "Remove", "Notify", "Award", "SetTier", "AddTag"}
)


class MemorySettings(ConnectorSettings):
    """``platform``: the platform name its events and actions carry; ``capabilities``:
    the action names it accepts (all by default)."""

    kind: str = "memory"
    platform: str = "memory"
    capabilities: tuple[str, ...] = tuple(sorted(ALL_ACTIONS))


class MemoryConnector(Connector):
    """Events go in with ``feed``; performed actions come out in ``performed``.

    The cursor is the number of events already yielded, so a new connector given
    that cursor and fed the same list skips what was handled. ``fail`` maps an
    action name to an error raised when such an action is performed.
    """

    Settings = MemorySettings

    def __init__(
        self,
        cursor: str | None = None,
        *,
        platform: str = "memory",
        capabilities: Iterable[str] = ALL_ACTIONS,
        fail: dict[str, ConnectorError] | None = None,
    ) -> None:
        super().__init__(cursor)
        self.platform = platform
        self.capabilities = frozenset(capabilities)
        self.fail = dict(fail or {})
        self.performed: list[Action] = []
        self._fed: list[Event] = []
        self._position = int(cursor or 0)
        self._closed = False
        self._arrived = asyncio.Event()

    @classmethod
    def from_settings(
        cls,
        settings: ConnectorSettings,
        cursor: str | None,
        *,
        state_dir: Path,
        groups: Sequence[str] = (),
    ) -> MemoryConnector:
        """A memory connector for ``shequn run`` (tests and benchmarks feed it)."""
        if not isinstance(settings, MemorySettings):
            raise TypeError(f"expected MemorySettings, got {type(settings).__name__}")
        return cls(cursor, platform=settings.platform, capabilities=settings.capabilities)

    def feed(self, *events: Event) -> None:
        """Queue events for ``events()`` to yield."""
        self._fed.extend(events)
        self._arrived.set()

    def close(self) -> None:
        """End the ``events()`` stream once what was fed has been yielded."""
        self._closed = True
        self._arrived.set()

    async def events(self) -> AsyncIterator[Event]:
        """Yield fed events from the cursor on; wait for more until closed."""
        while True:
            while self._position < len(self._fed):
                event = self._fed[self._position]
                self._position += 1
                self._cursor = str(self._position)
                yield event
            if self._closed:
                return
            self._arrived.clear()
            await self._arrived.wait()

    async def perform(self, action: Action) -> None:
        """Record ``action``; refuse it if it is outside the capabilities or set to fail."""
        name = action_name(action)
        if name not in self.capabilities:
            raise Unsupported(f"{self.platform} cannot {name}")
        if name in self.fail:
            raise self.fail[name]
        self.performed.append(action)
