"""Every live platform shequn knows: name → connector class, imported on first use.

Importing a connector pulls in its client library (matrix-nio, python-telegram-bot),
so nothing is imported until a platform is asked for by name.
"""

from __future__ import annotations

import importlib

from shequn.connectors.base import Connector

CONNECTORS: dict[str, str] = {
    "memory": "shequn.connectors.memory.MemoryConnector",
    "matrix": "shequn.connectors.matrix.MatrixConnector",
}


class UnknownConnector(LookupError):
    """No connector is registered under that platform name."""


def load(platform: str) -> type[Connector]:
    """The connector class for ``platform``; UnknownConnector names the ones there are."""
    try:
        path = CONNECTORS[platform]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise UnknownConnector(f"unknown platform {platform!r}; known: {known}") from None
    module_name, _, class_name = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{path} is not a Connector")
    return cls
