"""What the browser tests share: where Chromium is, the data they see, and a signed-in page.

Playwright's sync API keeps an asyncio loop running in the test's thread while it
is started, and Django refuses ORM calls from such a thread. So the data is
written and its ids are read *before* the browser starts, and the browser is
stopped before the database is flushed: test bodies talk to the server only
through the browser (the live server runs in its own thread, where no loop runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page

from shequn.events import Actor, Event, JoinHow, MemberJoined, MessagePosted

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium and fonts-wqy-zenhei (.ci/run does)",
)
# From TESTING-NOTES: headless, no sandbox (we run as root), and no lookups of Google hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery staple"
EVIL_NICK = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "<script>alert(1)</script>"
# Three weeks of talk ending a few days ago: a living group, so that the report's
# findings are about its people (naming them) rather than about its death.
T0 = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=25)
TOPICS = ["融资", "招聘", "产品", "定价", "渠道", "合伙人", "出海", "社群", "活动", "复盘", "增长"]
GROUP_NAME = "星河交流群"
MEMBERS = [f"u{i}" for i in range(1, 9)]


def _actor(who: str) -> Actor:
    return Actor(id=who, name=EVIL_NICK if who == "u9" else f"成员{who}")


def _said(n: int, who: str, at: datetime, text: str) -> MessagePosted:
    return MessagePosted(
        platform="test",
        group="g1",
        group_name=GROUP_NAME,
        event_id=f"m{n}",
        at=at,
        actor=_actor(who),
        text=text,
    )


def chat() -> list[Event]:
    """Nine members join g1 (u9 under a nickname that is markup), then three weeks of talk.

    u9 talks most (so the report names them among the top speakers), u1 to u3
    less, u4 to u8 never (lurkers); u2's last message is ``EVIL_TEXT``.
    """
    events: list[Event] = []
    for i, who in enumerate([*MEMBERS, "u9"]):
        member = _actor(who)
        events.append(
            MemberJoined(
                platform="test",
                group="g1",
                group_name=GROUP_NAME,
                event_id=f"j{i}",
                at=T0 + timedelta(minutes=i),
                actor=member,
                member=member,
                how=JoinHow.LINK,
            )
        )
    talk = [(who, day) for day in range(21) for who in ["u9", "u9", "u9", "u1"]]
    talk += [("u2", day) for day in range(0, 21, 2)] + [("u3", day) for day in range(0, 21, 5)]
    for n, (who, day) in enumerate(talk):
        at = T0 + timedelta(days=day, hours=1 + n % 10, minutes=n % 60)
        topic = TOPICS[(n * 7 + day) % len(TOPICS)]
        events.append(_said(n, who, at, f"{who}想聊聊{topic}：第{day + 1}天的问题{n}，谁有经验？"))
    events.append(_said(len(talk), "u2", T0 + timedelta(days=21), EVIL_TEXT))
    return events


@dataclass(frozen=True)
class World:
    """Ids of what the tests open, read before the browser starts."""

    community_a: int
    community_b: int
    group: int
    persons: dict[str, int]  # external account id → person id


@dataclass
class Session:
    """A browser page on the live server that records dialogs and script errors."""

    page: Page
    base_url: str
    world: World
    problems: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def watch(self) -> None:
        """Record every dialog (and dismiss it), uncaught script error and console error."""
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        # The browser's own request for /favicon.ico is not a page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} at {message.location}")

    def sign_in(self, username: str = "alice", password: str = PASSWORD) -> None:
        """Sign in through the login form; lands on the overview when it succeeds."""
        self.page.goto(self.url("/login/"))
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def assert_clean(self) -> None:
        """Nothing ran that should not have: no dialog, no script error, no console error."""
        assert self.problems == []


def screenshot_name(node_name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", node_name).strip("_") + ".png"
