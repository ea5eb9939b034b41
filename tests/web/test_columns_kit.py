"""A column to point the console's URLs at (the permission matrix and the column page tests)."""

from __future__ import annotations

from shequn.community.models import Group
from shequn.playbook.columns_actions import add_item, create_column


def column_for_matrix(group: Group) -> int:
    """A daily 08:00 column "晨报" of ``group`` with one queued text; its id."""
    values = {"name": "晨报", "schedule": "0 8 * * *", "remind_minutes": 30, "window_hours": 3}
    column = create_column(group, values, by="test")
    add_item(column, "第1期：<b>早安</b>", by="test")
    return column.pk
