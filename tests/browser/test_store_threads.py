"""A threaded server's SQLite store after an analytics read: found by the browser tests.

The browser tests run the console in a threaded live server. Signing in (the
overview reads each group's history through ``shequn.analytics.frames.read``,
i.e. connectorx) and then editing a member left the test database "malformed".
connectorx carries its own copy of SQLite; when its connection closes it
believes it is the last one on the file (POSIX locks never conflict inside one
process), checkpoints and deletes the ``-wal`` file under the Django
connections still open in other threads. Their next writes go to the deleted
file, and every connection opened afterwards fails ("disk I/O error",
"database disk image is malformed").

``frames.read`` now reads SQLite from a helper process
(``shequn.analytics.sqlite_reader``), where the locks of this process's
connections are real, so the log is left alone: connections held by other
threads (a threaded server, the engine's worker threads) stay sound. This test
runs the case on a scratch SQLite store in a child process, so that the
session's test database is not harmed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, threading
from concurrent.futures import ThreadPoolExecutor
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from shequn.analytics.frames import read
from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community, update_person
from shequn.community.models import Person
from tests.store.factories import message

call_command("migrate", verbosity=0)
ingest([message(i, who=f"u{i % 3}") for i in range(50)], get_or_create_community("A"))
pk = Person.objects.order_by("pk").first().pk


def in_new_thread(fn):
    out = {}
    def run():
        try:
            out["value"] = fn()
        except Exception as error:
            out["value"] = repr(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out["value"]


worker = ThreadPoolExecutor(1)  # a server thread whose connection stays open throughout
worker.submit(lambda: Person.objects.get(pk=pk).tier).result()
Person.objects.get(pk=pk)  # and this thread's, open too
read("SELECT count(*) AS n FROM chat_message")  # what the overview does on a cache miss
update_person(Person.objects.get(pk=pk), by="test", tier="big")  # an edit, on an open connection
worker.submit(lambda: update_person(Person.objects.get(pk=pk), by="test", city="杭州")).result()
print(json.dumps({
    "tier": in_new_thread(lambda: Person.objects.get(pk=pk).tier),
    "city": in_new_thread(lambda: Person.objects.get(pk=pk).city),
    "integrity": in_new_thread(
        lambda: connection.cursor().execute("PRAGMA integrity_check").fetchone()[0]
    ),
}))
"""


def test_write_after_analytics_read_is_seen_by_a_new_connection(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="shequn.settings",
        SHEQUN_DATA_DIR=str(tmp_path),
        SHEQUN_DATABASE_URL=f"sqlite:///{tmp_path}/store.sqlite3",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"tier": "big", "city": "杭州", "integrity": "ok"}
