"""What the playbook must remember between events.

A greeting is its own row (not a query over the audit log) so that "greeted
once per member per group" is a unique constraint the database keeps, not a
convention that text in the log has to match.
"""

from __future__ import annotations

from django.db import models

from shequn.community.models import Account, Group


class Greeting(models.Model):
    """``account`` was welcomed in ``group`` (by ``rule``, after the join ``event_id``)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="greetings")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="greetings")
    rule = models.CharField(max_length=64)
    event_id = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "account"], name="greeting_once")]

    def __str__(self) -> str:
        return f"{self.account} in {self.group}"
