"""The SQLite store's connection settings: the page size a new store is created with."""

from __future__ import annotations

from pathlib import Path

import pytest

from shequn.settings import database_from_url


def test_page_size_defaults_to_4_kib_and_can_be_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHEQUN_SQLITE_PAGE_SIZE", raising=False)
    init = database_from_url("sqlite:///x.sqlite3", tmp_path)["OPTIONS"]["init_command"]
    assert init.startswith("PRAGMA page_size=4096;") and "synchronous=NORMAL" in init
    monkeypatch.setenv("SHEQUN_SQLITE_PAGE_SIZE", "16384")
    init = database_from_url("sqlite:///x.sqlite3", tmp_path)["OPTIONS"]["init_command"]
    assert init.startswith("PRAGMA page_size=16384; PRAGMA journal_mode=WAL;")


@pytest.mark.parametrize("given", ["3000", "4k", "256", "131072", ""])
def test_a_page_size_sqlite_cannot_use_is_refused_by_name(
    given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHEQUN_SQLITE_PAGE_SIZE", given)
    with pytest.raises(ValueError, match=r"SHEQUN_SQLITE_PAGE_SIZE: .*power of two"):
        database_from_url("sqlite:///x.sqlite3", tmp_path)
