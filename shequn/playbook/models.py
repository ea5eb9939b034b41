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


class ConnectorState(models.Model):
    """Where a connector's event stream stands, so a restart resumes without gaps or repeats.

    ``name`` is the connector's configured name (``Group.settings["connector"]``);
    ``cursor`` is the connector's opaque cursor, saved after each handled event.
    """

    name = models.CharField(max_length=128, unique=True)
    platform = models.CharField(max_length=32)
    cursor = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.cursor or '-'}"


class Job(models.Model):
    """Work due at ``due_at``, claimed by exactly one engine with a conditional update.

    ``kind`` names a handler in ``shequn.playbook.jobs.KINDS``; ``payload`` is its
    input. ``attempts`` counts failed runs; ``last_error`` keeps the latest one.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=64)
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    payload = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "due_at"], name="job_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"
