"""`shequn setup` + `shequn serve` on a fresh store, checked with real HTTP requests."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def store_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a fresh store: a new SQLite file, or a new PostgreSQL database."""
    env = dict(os.environ, SHEQUN_DATA_DIR=str(tmp_path))
    url = os.environ.get("SHEQUN_DATABASE_URL", "")
    if not url.startswith("postgres"):
        env["SHEQUN_DATABASE_URL"] = f"sqlite:///{tmp_path}/shequn.sqlite3"
        yield env
        return
    import psycopg

    name = f"shequn_e2e_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    env["SHEQUN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    yield env
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def shequn(*args: str) -> list[str]:
    return [sys.executable, "-m", "shequn.cli", *args]


def wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "login/", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer in time")


def test_home_page_lists_demo_groups_with_real_counts(store_env: dict[str, str]) -> None:
    setup = subprocess.run(
        shequn("setup"), env=store_env, capture_output=True, text=True, check=True
    )
    password = re.search(r"password: (\S+)", setup.stdout)
    assert password, setup.stdout
    again = subprocess.run(
        shequn("setup"), env=store_env, capture_output=True, text=True, check=True
    )
    assert "password" not in again.stdout  # the admin exists: no second password

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(shequn("serve", "--port", str(port)), env=store_env)
    try:
        wait_ready(base, proc)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        anonymous = opener.open(base)
        assert anonymous.url.startswith(base + "login/")  # no data without signing in
        login = anonymous.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)
        assert token
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "username": "admin",
            "password": password.group(1),
            "next": "/",
        }
        page = opener.open(base + "login/", data=urllib.parse.urlencode(form).encode())
        html = page.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert page.url == base
    for name in (
        "星河创业者社群",
        "星河·创业者交流群",
        "星河粉丝福利群",
        "周末徒步约伴群",
        "AI写作训练营·第3期",
        "星河私董会",
    ):
        assert name in html
    assert "成员" in html and "消息" in html  # Chinese by default
    fan_row = html[html.index("星河粉丝福利群") :].split("</tr>")[0]
    numbers = [int(n) for n in re.findall(r'class="num">(\d+)<', fan_row)]
    assert numbers[0] >= 450 and numbers[1] > 5000
