"""Cells that a spreadsheet opening our CSV or .xlsx files will not run as formulas.

Member names, intros and 接龙 entries are untrusted text; a cell starting with
``=``, ``+``, ``-`` or ``@`` would be evaluated by Excel or WPS, so every export
writes text cells through ``safe_cell``. Imports strip the quote again.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """``value`` with a leading quote when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value
