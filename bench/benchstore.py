"""A fresh store for one benchmark run, shared by the benchmark scripts."""

from __future__ import annotations

import os
import tempfile


def open_store(prefix: str, pg: str | None) -> str:
    """Point Django at a new SQLite file (or empty the PostgreSQL database ``pg``) and set it up.

    Returns the store's name for the printout.
    """
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.environ["SHEQUN_DATA_DIR"] = tmp
    os.environ["SHEQUN_DATABASE_URL"] = pg or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    import django

    django.setup()
    if pg:
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
    return "PostgreSQL" if pg else "SQLite"
