"""A throw-away Synapse on 127.0.0.1 for the connector tests (see synapse.py).

Session-scoped; skipped when matrix-synapse or matrix-nio is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.synapse import Synapse, User, launch

__all__ = ["Synapse", "User", "synapse"]


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A running Synapse; skipped when matrix-synapse is not installed."""
    pytest.importorskip("synapse", reason="matrix-synapse is not installed (pip install -e .[dev])")
    pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")
    server = launch(tmp_path_factory.mktemp("synapse"))
    try:
        yield server
    finally:
        server.stop()
