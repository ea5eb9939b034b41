"""Content-Security-Policy and the other security headers, and no inline script on any page.

Every page of the console (every URL pattern outside the API, filled in with real
objects) is fetched as an owner and scanned: a ``<script>`` element must either
load a file (``src``) or carry JSON data (``type="application/json"``), and no
element may carry an inline event handler (``onclick=``…). A page added later is
scanned too, as long as its URL's parameters are among ``ids()``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, grant_staff
from shequn.community.models import Account, Group, Staff
from shequn.web import plotly_static
from tests.web.test_group_page import history

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


class ScriptScanner(HTMLParser):
    """Collects what would run as inline script: script bodies and on* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self.external: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.handlers += [f"<{tag} {k}=…>" for k, _ in attrs if k.lower().startswith("on")]
        self.handlers += [
            f"<{tag} {k}={v}>"
            for k, v in attrs
            if (v or "").strip().lower().startswith("javascript:")
        ]
        if tag == "script":
            if named.get("src"):
                self.external.append(named["src"] or "")
            elif named.get("type") != "application/json":
                self._in_script = True
                self.inline.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline[-1] += data


def scan(html: str) -> ScriptScanner:
    scanner = ScriptScanner()
    scanner.feed(html)
    return scanner


def patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(route, name) of every named URL pattern, routes joined from their includes."""
    out: list[tuple[str, str]] = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            out += patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            out.append((prefix + str(p.pattern), p.name))
    return out


@pytest.fixture
def world() -> dict[str, Any]:
    a = get_or_create_community("社群A")
    ingest(history(), a)
    alice = User.objects.create_user("alice", password="pw-alice-long-enough")
    grant_staff(alice, a, "owner", by="test")
    invited = User.objects.create_user("newcomer")  # no usable password: a pending invite
    grant_staff(invited, a, "viewer", by="test")
    group = Group.objects.get(external_id="g1")
    return {
        "community_id": a.pk,
        "group_id": group.pk,
        "person_id": Account.objects.get(external_id="u9").person_id,
        "staff_id": Staff.objects.get(user=invited).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(invited.pk)),
        "token": default_token_generator.make_token(invited),
    }


def fill(route: str, ids: dict[str, Any]) -> str | None:
    """The route with its parameters filled in from ``ids``; None when one is unknown."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if any(n not in ids for n in names):
        return None
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
    return "/" + path.lstrip("^").rstrip("$")


def console_pages(world: dict[str, Any]) -> list[str]:
    urls = [fill(route, world) for route, name in patterns() if not route.startswith("api/")]
    return sorted({u for u in urls if u} | {"/api/docs"})


def test_csp_header_forbids_inline_script() -> None:
    response = Client().get("/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(
        (d.split()[0], d.split()[1:]) for d in (p.strip() for p in policy.split(";")) if d
    )
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in policy
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_other_security_headers() -> None:
    response = Client().get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "htmx-config" in response.content.decode()
    assert '"allowEval": false' in response.content.decode()


def test_no_console_page_has_inline_script(world: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="alice"))
    scanned = []
    for url in console_pages(world):
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        assert "Content-Security-Policy" in response, url
        found = scan(response.content.decode())
        assert found.inline == [], f"inline <script> on {url}"
        assert found.handlers == [], f"inline event handlers on {url}: {found.handlers}"
        scanned.append(url)
    group = f"/groups/{world['group_id']}/"
    for must in ("/", group, group + "messages/", group + "report/", "/login/", "/api/docs"):
        assert must in scanned
    assert f"/communities/{world['community_id']}/staff/" in scanned


def test_report_page_loads_plotly_as_a_static_file(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    html = client.get(f"/groups/{world['group_id']}/report/").content.decode()
    found = scan(html)
    assert found.inline == [] and "/static/" + plotly_static.static_path() in found.external
    assert "/static/report/charts.js" in found.external
    assert '<script id="report-figure-1" type="application/json">' in html


def test_plotly_is_served_from_the_installed_package() -> None:
    response = Client().get("/static/" + plotly_static.static_path())
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body == plotly_static.SOURCE.read_bytes()
    assert "immutable" in response["Cache-Control"]  # versioned name: cached for good
    assert Client().get("/static/report/charts.js").status_code == 200


def test_offline_report_still_inlines_everything(world: dict[str, Any]) -> None:
    from shequn.analytics.report.build import report_for_group
    from shequn.analytics.report.html import render

    html = render(report_for_group(world["group_id"], None, None))
    found = scan(html)
    assert found.external == []  # works without a server
    assert any("Plotly" in body for body in found.inline)
    assert '<script id="report-figure-1" type="application/json">' in html


def settings_under(env: dict[str, str]) -> list[str]:
    code = (
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shequn.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.split()


def test_secure_cookies_and_hsts_only_over_https() -> None:
    plain = {k: v for k, v in os.environ.items() if k not in {"SHEQUN_HTTPS"}}
    assert settings_under({**plain, "SHEQUN_HTTPS": "0"}) == ["False", "False", "0", "True", "DENY"]
    secure = settings_under({"SHEQUN_HTTPS": "1"})
    assert secure[:2] == ["True", "True"] and int(secure[2]) >= 31536000
