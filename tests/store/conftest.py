"""Fixtures for tests that touch the store (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest

from shequn.community.actions import get_or_create_community
from shequn.community.models import Community


@pytest.fixture
def community(db: None) -> Community:
    return get_or_create_community("测试社群")
