"""The contract every live platform implements (DESIGN.md, "Connector").

A connector reads events (resuming from a cursor the caller saved) and performs
actions. It says up front which actions it can perform (``capabilities``, the
names of Action classes); asked for anything else it raises ``Unsupported`` and
the engine tells the operators instead. It imports nothing of ours but events.

Each kind of connector validates its settings with a pydantic model
(``Settings``, see ``settings.py``) and is built from them by ``from_settings``.

A ``Mute`` whose ``duration`` is zero (or less) lifts an earlier mute: the
scheduler's ``unmute`` job performs one when a mute's time is up, for platforms
whose mutes do not end by themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from shequn.events import Action, Event

if TYPE_CHECKING:
    from shequn.connectors.settings import ConnectorSettings


def action_name(action: Action | type[Action]) -> str:
    """The capability name of an action: its class name (``Send``, ``Mute``, …)."""
    cls = action if isinstance(action, type) else type(action)
    return cls.__name__


class ConnectorError(Exception):
    """A platform refused or failed an action or a read.

    ``permanent`` tells the caller whether trying again later could help
    (a timeout: no; a missing permission or a deleted message: yes).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Unsupported(ConnectorError):
    """The platform cannot do this kind of action at all; never worth retrying."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class Connector(ABC):
    """One live platform account (a bot, a logged-in client) and the groups it sees.

    ``cursor`` is an opaque string: the caller stores it after events are handled
    and passes it back to the constructor to resume without gaps or repeats.
    """

    platform: str
    capabilities: frozenset[str] = frozenset()
    #: The model this kind's settings (``Group.settings["connector"]``) validate against.
    Settings: ClassVar[type[ConnectorSettings]]

    @classmethod
    @abstractmethod
    def from_settings(
        cls,
        settings: ConnectorSettings,
        cursor: str | None,
        *,
        state_dir: Path,
        groups: Sequence[str] = (),
    ) -> Connector:
        """Build from validated settings, resuming at ``cursor``.

        ``state_dir`` is where the connector may keep what it must remember
        between runs (a token it obtained, a room it opened), in files named after
        ``settings.connector_name``; ``groups`` are the platform ids of the stored
        groups configured to use it. Raises ConnectorError (permanent) when a
        secret the settings name cannot be read.
        """

    def __init__(self, cursor: str | None = None) -> None:
        self._cursor = cursor

    @property
    def cursor(self) -> str | None:
        """Where the stream stands: save it, hand it back to resume."""
        return self._cursor

    def can(self, action: Action) -> bool:
        """Whether this platform can perform ``action`` at all."""
        return action_name(action) in self.capabilities

    @abstractmethod
    def events(self) -> AsyncIterator[Event]:
        """Events after the cursor, as they come; advances ``cursor`` as it yields."""

    @abstractmethod
    async def perform(self, action: Action) -> None:
        """Do ``action`` on the platform; raise ConnectorError (or Unsupported) if it can't."""

    async def aclose(self) -> None:
        """Release what the connector holds open (an HTTP session); nothing by default."""
        return None
