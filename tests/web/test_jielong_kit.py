"""A 接龙 chain to point the console's URLs at (the permission matrix and the page tests)."""

from __future__ import annotations

from shequn.community.models import Group
from shequn.playbook.jielong_actions import start_from_console


def chain_for_matrix(group: Group) -> int:
    """A chain "<b>周六爬山</b>" started in ``group`` from the console; its id."""
    return start_from_console(
        group, "<b>周六爬山</b>", "<i>8:00</i> 香山", "=HYPERLINK(1)", None
    ).pk
