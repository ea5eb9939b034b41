"""Sign-in: rate limiting with django-axes, and the page a locked-out user sees.

Failed sign-ins are counted per username and address; past the limit
(``AXES_FAILURE_LIMIT``, from SHEQUN_LOGIN_FAILURE_LIMIT) that pair is refused for
``AXES_COOLOFF_TIME`` and shown the sign-in page with a notice (HTTP 429), not an
error page.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginRateLimitBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """axes' lock-out check for every sign-in made over HTTP.

    A call to ``authenticate()`` without a request does not come from a browser (the
    test client's ``login()``, a management command): there is no address to count
    against, so it passes on to the next backend instead of failing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page with a lock-out notice (HTTP 429), in the user's language."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"locked": True, "minutes": minutes, "form": None, "next": ""}
    return render(request, "web/login.html", context, status=429)
