"""Loaded with ``-p tests.testenv`` before Django reads its settings.

Tests never touch the operator's ./var: they get a data dir of their own.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SHEQUN_DATA_DIR", tempfile.mkdtemp(prefix="shequn-test-"))
