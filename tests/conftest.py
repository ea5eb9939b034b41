"""Fixtures shared by all tests: where the real exports and the hand-written fixtures lie."""

from __future__ import annotations

from pathlib import Path

import pytest

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def real_data() -> Path:
    """The real exports beside the project; skip when that folder is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real exports not found at {REAL_DATA} (../shared/data/real is absent)")
    return REAL_DATA


@pytest.fixture
def fixtures() -> Path:
    """Hand-written fixtures made from FORMATS.md for formats without real samples."""
    return FIXTURES
