"""A meetup to point the console's URLs at (the permission matrix and the meetup page tests)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from shequn.community.models import Group
from shequn.playbook.meetups_actions import create_meetup


def meetup_for_matrix(group: Group) -> int:
    """A meetup "<b>读书会</b>" of ``group`` a month ahead, 10 places; its id."""
    values = {"title": "<b>读书会</b>", "starts_at": timezone.now() + timedelta(days=30),
              "place": "图书馆 <i>二楼</i>", "capacity": 10, "remind_hours": [24]}  # fmt: skip
    return create_meetup(group, values, by="test").pk
