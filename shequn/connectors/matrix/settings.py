"""The Matrix connector's settings (``Group.settings["connector"]``)::

    {"kind": "matrix", "name": "bot", "homeserver": "https://matrix.example.org",
     "user_id": "@bot:example.org", "token_env": "SHEQUN_MATRIX_TOKEN",
     "operator": "@me:example.org"}

The bot signs in with an access token (``token_env`` / ``token_file``) or, when
only a password is named (``password_env`` / ``password_file``), logs in once
and keeps the token it got in the data dir; later starts use the kept token.
``rooms`` defaults to the groups configured with this connector (a Matrix
group's id is its room id).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, model_validator

from shequn.connectors.settings import ConnectorSettings


def _shaped(pattern: str, expected: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"expected {expected}")
        return value

    return check


Url = Annotated[str, AfterValidator(_shaped(r"^https?://\S+$", "an http(s):// URL"))]
UserId = Annotated[str, AfterValidator(_shaped(r"^@[^:\s]+:\S+$", "a user id like @bot:server"))]
RoomId = Annotated[
    str, AfterValidator(_shaped(r"^[!#][^:\s]+:\S+$", "a room id like !id:server or #alias:server"))
]


class MatrixSettings(ConnectorSettings):
    """One bot account on one homeserver."""

    secrets: ClassVar[dict[str, tuple[str, ...]]] = {
        "token": ("access_token",),
        "password": (),
    }

    kind: str = "matrix"
    homeserver: Url
    user_id: UserId
    token_env: str | None = None
    token_file: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    rooms: tuple[RoomId, ...] = ()
    operator: UserId | None = None
    timeline_limit: int = Field(default=100, ge=1, le=1000)
    poll_timeout: float = Field(default=30.0, gt=0, le=300)

    @model_validator(mode="after")
    def _needs_a_way_in(self) -> MatrixSettings:
        named = (self.token_env, self.token_file, self.password_env, self.password_file)
        if not any(named):
            raise ValueError(
                "token_env, token_file, password_env or password_file: name where the "
                "bot's access token (or password) is"
            )
        return self
