"""Arrow-native reads of a SQLite store, from a helper process.

connectorx links its own copy of SQLite. Inside this process that copy cannot see
the locks Django's connections hold (POSIX locks never conflict within one
process), so when it closes it believes it was the last connection to the file:
it checkpoints the write-ahead log and deletes it under the feet of every other
open connection, and their next commit writes into a deleted file. From another
process the locks are real, so the log is left alone. One long-lived child per
process keeps that safe at the cost of writing each result once as an Arrow IPC
file (a few hundred milliseconds for a million messages).

Run as ``python -m shequn.analytics.sqlite_reader``: one JSON request per line
on stdin (``sql``, ``uri``, ``out``), one JSON answer per line on stdout.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import polars as pl


class ReaderError(RuntimeError):
    """The helper process could not run the query (its message says why)."""


class _Child:
    """The helper process and the pipe to it; one request at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shequn.analytics.sqlite_reader"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        return self.process

    def ask(self, request: dict[str, str]) -> dict[str, str]:
        with self.lock:
            process = self.start()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        if not line:
            raise ReaderError("the SQLite reader process ended without an answer")
        answer: dict[str, str] = json.loads(line)
        return answer

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=5)


_child = _Child()
atexit.register(_child.stop)


def read_sqlite(sql: str, uri: str) -> pl.DataFrame:
    """Run ``sql`` on the SQLite file of ``uri`` (``sqlite:///path``) in the helper process."""
    handle, out = tempfile.mkstemp(prefix="shequn-read-", suffix=".arrow")
    os.close(handle)
    try:
        answer = _child.ask({"sql": sql, "uri": uri, "out": out})
        if "error" in answer:
            raise ReaderError(answer["error"])
        return pl.read_ipc(out)
    finally:
        Path(out).unlink(missing_ok=True)


def serve(requests: IO[str], answers: IO[str]) -> None:
    """The helper's loop: read each request, write its frame, answer; until stdin closes."""
    for line in requests:
        request = json.loads(line)
        try:
            frame = pl.read_database_uri(request["sql"], request["uri"], engine="connectorx")
            frame.write_ipc(request["out"])
            answer = {"ok": "1"}
        except Exception as exc:  # any failure goes back to the caller, who raises it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
