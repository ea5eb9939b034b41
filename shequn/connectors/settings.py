"""Connector settings: a pydantic model per connector kind, and where secrets come from.

A group names its connector in ``Group.settings["connector"]``. That JSON sits in
the database and shows on pages, so it never holds a secret: a secret is named
instead, by an environment variable (``token_env``) or a file (``token_file``;
``~`` and ``$VARS`` expand, so ``$CREDENTIALS_DIRECTORY/token`` works). A secret
written inline is refused. Resolved values are ``SecretStr``: their ``repr`` and
``str`` show stars, so a logged settings object or error never leaks one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from shequn.connectors.base import ConnectorError

#: What a connector's name may be: it names its cursor and its file in the data dir.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class SecretError(ConnectorError):
    """A secret the settings name cannot be read (variable unset, file missing or empty)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class ConnectorSettings(BaseModel):
    """What every connector's settings have: its kind (registry name) and its name.

    Subclasses list the secrets they take in ``secrets``: for ``"token"`` the
    settings may say ``token_env`` or ``token_file``; writing ``token`` (or one
    of its ``inline_names``) itself is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    #: Secret name → keys that would put its value inline (all refused).
    secrets: ClassVar[dict[str, tuple[str, ...]]] = {}

    kind: str
    name: str = Field(default="", pattern=r"^$|" + NAME_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline_secrets(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for secret, inline in cls.secrets.items():
            for key in (secret, *inline):
                if key in data:
                    raise ValueError(
                        f"{key}: a secret is never written in the settings; put it in an "
                        f"environment variable named by {secret}_env, or in a file named "
                        f"by {secret}_file"
                    )
            env, file = data.get(f"{secret}_env"), data.get(f"{secret}_file")
            if env and file:
                raise ValueError(f"{secret}_env and {secret}_file: give one, not both")
        return data

    @property
    def connector_name(self) -> str:
        """The name its cursor and state are kept under (``name``, else the kind)."""
        return self.name or self.kind

    def secret(self, secret: str) -> SecretStr | None:
        """The value of ``secret`` from its variable or file; None when neither is named.

        Raises SecretError naming the setting when the variable is unset or empty,
        or the file cannot be read or is empty.
        """
        env = getattr(self, f"{secret}_env", None)
        file = getattr(self, f"{secret}_file", None)
        if env:
            value = os.environ.get(env, "").strip()
            if not value:
                raise SecretError(f"{secret}_env: environment variable {env} is not set or empty")
            return SecretStr(value)
        if file:
            path = Path(os.path.expandvars(os.path.expanduser(file)))
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SecretError(f"{secret}_file: cannot read {path}: {exc.strerror}") from None
            if not value:
                raise SecretError(f"{secret}_file: {path} is empty")
            return SecretStr(value)
        return None


def explain(error: ValidationError, prefix: str = "") -> str:
    """A ValidationError as ``field: what was wrong`` lines, never echoing the input."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        # A check of the whole model (no location) names its fields in its message.
        lines.append(f"{prefix}{where}: {message}" if item["loc"] else f"{prefix}{message}")
    return "; ".join(lines)
