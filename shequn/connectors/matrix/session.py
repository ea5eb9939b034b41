"""How the Matrix bot signs in, and the errors of the client API.

An access token named by the settings is used as it is and never written
anywhere. With only a password named, the bot logs in once and keeps the
token and device it got (``Kept``: a 0600 file in the data dir); later starts
use the kept token, so the password may even be removed after the first run.
A kept token the homeserver no longer knows is dropped and, if a password is
still named, the bot logs in again.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from nio import AsyncClient, ErrorResponse, LoginError, WhoamiError
from pydantic import SecretStr

from shequn.connectors.base import ConnectorError
from shequn.connectors.kept import Kept
from shequn.connectors.matrix.settings import MatrixSettings

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

DEVICE_NAME = "shequn"


def failure(what: str, response: ErrorResponse) -> ConnectorError:
    """A nio error response as a ConnectorError: permanent when retrying cannot help."""
    code = response.status_code or ""
    return ConnectorError(f"{what}: {code} {response.message}".strip(), permanent=code in PERMANENT)


class Session:
    """The bot's way in: a token from the settings, a kept token, or a password login.

    Built eagerly so that a secret the settings name but the environment lacks
    is reported when ``shequn run`` starts, not at the first sync.
    """

    def __init__(self, settings: MatrixSettings, kept: Kept) -> None:
        self.settings = settings
        self.kept = kept
        self.token: SecretStr | None = settings.secret("token")
        self._password: SecretStr | None = None
        if self.token is None and self._kept_session() is None:
            self._password = settings.secret("password")  # needed now: fail early if unset

    def _kept_session(self) -> dict[str, str] | None:
        session = self.kept.get("session")
        if not isinstance(session, dict):
            return None
        if (session.get("homeserver"), session.get("user_id")) != (
            self.settings.homeserver,
            self.settings.user_id,
        ):
            return None  # kept for another account: not ours to use
        if not isinstance(session.get("access_token"), str):
            return None
        return session

    @property
    def uses_kept_token(self) -> bool:
        return self.token is None and self._kept_session() is not None

    async def sign_in(self, client: AsyncClient) -> None:
        """Give ``client`` an access token: the configured one, the kept one, or a new login."""
        if self.token is not None:
            client.access_token = self.token.get_secret_value()
            return
        session = self._kept_session()
        if session is not None:
            client.access_token = session["access_token"]
            client.device_id = session.get("device_id") or None
            answer = await client.whoami()
            if not isinstance(answer, WhoamiError):
                return
            if answer.status_code not in {"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"}:
                raise OSError(f"matrix: whoami failed: {answer.status_code} {answer.message}")
            log.warning("matrix: the kept access token of %s was revoked", self.settings.user_id)
            self.kept.set("session", None)
            client.access_token = ""
            client.device_id = None
        await self._log_in(client)

    async def _log_in(self, client: AsyncClient) -> None:
        password = self._password or self.settings.secret("password")
        if password is None:
            raise ConnectorError(
                "matrix: no access token: name one with token_env or token_file "
                "(or a password with password_env or password_file)",
                permanent=True,
            )
        answer = await client.login(password.get_secret_value(), device_name=DEVICE_NAME)
        if isinstance(answer, LoginError):
            raise failure(f"matrix: login of {self.settings.user_id} failed", answer)
        self.kept.set(
            "session",
            {
                "homeserver": self.settings.homeserver,
                "user_id": self.settings.user_id,
                "access_token": answer.access_token,
                "device_id": answer.device_id,
            },
        )
        log.info("matrix: logged in as %s; token kept for the next start", self.settings.user_id)

    def __repr__(self) -> str:
        return f"Session({self.settings.user_id}, kept={self.uses_kept_token})"
