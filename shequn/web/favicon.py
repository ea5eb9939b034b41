"""``/favicon.ico``: browsers ask for it on every site, whatever the page links to.

Pages built on ``web/base.html`` link the SVG icon; pages that do not (the printable
report, error pages) would leave the browser's own request a 404, so it is
redirected (permanently, so browsers remember) to the static ``.ico``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon_view(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """A permanent redirect to the static icon; no sign-in needed (it shows nothing)."""
    return HttpResponsePermanentRedirect(static("web/favicon.ico"))
