"""The contract every live platform implements (DESIGN.md, "Connector").

A connector reads events (resuming from a cursor the caller saved) and performs
actions. It says up front which actions it can perform (``capabilities``, the
names of Action classes); asked for anything else it raises ``Unsupported`` and
the engine tells the operators instead. It imports nothing of ours but events.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

from shequn.events import Action, Event


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
