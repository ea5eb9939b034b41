"""What the audit log keeps of an action and of an error: plain JSON, readable later."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from shequn.events import Action, Actor


def describe(action: Action) -> dict[str, Any]:
    """An action's fields as plain JSON for the audit log's details."""
    return {f.name: _plain(getattr(action, f.name)) for f in dataclasses.fields(action)}


def _plain(value: object) -> object:
    if isinstance(value, Actor):
        return {"id": value.id, "name": value.name}
    if isinstance(value, timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def error_details(exc: BaseException) -> dict[str, Any]:
    """The error's kind and message, and whether the platform refused for good."""
    permanent = getattr(exc, "permanent", None)
    return {"type": type(exc).__name__, "message": str(exc), "permanent": permanent}
