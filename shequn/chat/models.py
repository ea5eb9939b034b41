"""What was said: messages, reactions, and the imports that brought them.

Messages are the large table, so they stay narrow: references to other
messages are kept as the platform's message id (``reply_to``), resolved on
read, so that a reply can be stored before the message it answers arrives.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.community.models import Account, Community, Group
from shequn.events import MessageKind

KIND_CHOICES = [(k.value, k.value) for k in MessageKind]


class ImportBatch(models.Model):
    """One run of ingest: a file import, a demo load, or a connector's stretch of events."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=500)
    format = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)


class Message(models.Model):
    # The composite indexes below lead with group and sender, so the single-column
    # foreign-key indexes would only slow bulk imports down. Nor does the database
    # check these references row by row (PostgreSQL fires a trigger per row and key,
    # which cost 40% of import speed): ingest creates groups and accounts before the
    # messages that name them, in the same transaction, and Django's deletion
    # collector still applies on_delete.
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    sender = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    external_id = models.CharField(max_length=128)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default=MessageKind.TEXT.value)
    text = models.TextField(blank=True)
    reply_to = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001 (narrow rows)
    mentions = models.JSONField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "external_id"], name="message_group_ext")
        ]
        indexes = [
            models.Index(fields=["group", "at"], name="message_group_at"),
            models.Index(fields=["group", "sender", "at"], name="message_group_sender_at"),
        ]


class Reaction(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reactions")
    message_external_id = models.CharField(max_length=128)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="reactions")
    emoji = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "message_external_id", "account", "emoji"], name="reaction_unique"
            )
        ]
