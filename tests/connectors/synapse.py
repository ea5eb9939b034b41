"""A throw-away Synapse on 127.0.0.1, for the connector tests and the engine benchmark.

Generated config plus overrides (see ../shared/TESTING-NOTES.md) in a directory of
the caller's, SQLite, a free port; registration is open (this server listens on
loopback only). ``launch`` starts one; ``stop`` stops exactly the process started.
Nothing here imports pytest, so ``bench/engine_bench.py`` uses it too.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OVERRIDES = """
server_name: localhost
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {dir}/homeserver.db
federation_domain_whitelist: []
federation_sender_instances: []
trusted_key_servers: []
url_preview_enabled: false
presence:
  enabled: false
enable_registration: true
enable_registration_without_verification: true
bcrypt_rounds: 4
report_stats: false
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
  remote: {{per_second: 1000, burst_count: 1000}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
  per_issuer: {{per_second: 1000, burst_count: 1000}}
rc_admin_redaction: {{per_second: 1000, burst_count: 1000}}
rc_joins_per_room: {{per_second: 1000, burst_count: 1000}}
rc_room_creation: {{per_second: 1000, burst_count: 1000}}
rc_profile: {{per_second: 1000, burst_count: 1000}}
"""


class SynapseError(RuntimeError):
    """The homeserver did not start."""


PASSWORD = "pw-for-tests"


@dataclass(frozen=True)
class User:
    user_id: str
    access_token: str


@dataclass
class Synapse:
    url: str
    command: list[str]
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    _count: int = 0

    def start(self) -> None:
        """Start the server and wait until ``/health`` answers."""
        with (self.directory / "stdout.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SynapseError(
                    f"synapse exited with {self.process.returncode}; see {self.directory}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SynapseError(f"synapse did not become healthy in 60 s; see {self.directory}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop exactly the process this fixture started."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def register(self, name: str, password: str = PASSWORD) -> User:
        """A new account (the name is made unique per call) with ``password``."""
        self._count += 1
        body = {
            "username": f"{name}{self._count}",
            "password": password,
            "auth": {"type": "m.login.dummy"},
        }
        reply = _post(f"{self.url}/_matrix/client/v3/register", body)
        return User(reply["user_id"], reply["access_token"])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def launch(directory: Path) -> Synapse:
    """Generate a config in ``directory`` and start Synapse on a free loopback port.

    Raises SynapseError when it does not come up; the caller stops it (``stop``).
    """
    config = directory / "homeserver.yaml"
    app = [sys.executable, "-m", "synapse.app.homeserver"]
    subprocess.run(
        [*app, "--server-name", "localhost", "--config-path", str(config), "--generate-config",
         "--report-stats=no", "--data-directory", str(directory)],
        cwd=directory, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    port = _free_port()
    overrides = directory / "overrides.yaml"
    overrides.write_text(OVERRIDES.format(port=port, dir=directory))
    server = Synapse(f"http://127.0.0.1:{port}", [*app, "-c", str(config), "-c", str(overrides)],
                     directory)  # fmt: skip
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
