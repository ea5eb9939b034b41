"""Models of 接龙 chains started from the console or by command; re-exported by ``models``.

A ``JielongChain`` is one chain of a group with its latest state, whether it was
started here (``origin`` started: a command in the group, or the console) or
found in the messages (imported history or live). Its entries are kept as JSON in
the shape of ``shequn.playbook.jielong.Entry`` (``jielong_store`` converts), so
the recogniser can resume from the stored state instead of reading the whole
history again. ``JielongScan`` is how far a group's messages have been read
into chains (``through``: the time of the last message read).

Writes go through ``shequn.playbook.jielong_actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequn.community.models import Group
from shequn.playbook.models import Job

__all__ = ["JielongChain", "JielongScan"]


class JielongChain(models.Model):
    """A 接龙 of ``group``: title, who started it, its entries and the entries taken out.

    ``first_message_id`` is the external id of the chain's first post (for a chain
    started here, ``start:<event id or job>`` until members repeat it); ``starter_id``
    the platform id of the member who started it ("" for the console).
    """

    class Origin(models.TextChoices):
        STARTED = "started", "started"
        FOUND = "found", "found"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="jielong_chains")
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.FOUND)
    first_message_id = models.CharField(max_length=255)
    key = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    description = models.JSONField(default=list, blank=True)
    starter_id = models.CharField(max_length=255, blank=True)
    starter_name = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    posts = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    entries = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "first_message_id"], name="jielong_first_post")
        ]
        indexes = [models.Index(fields=["group", "updated_at"], name="jielong_group_updated")]

    def __str__(self) -> str:
        return f"{self.title or '-'} ({len(self.entries)})"


class JielongScan(models.Model):
    """How far ``group``'s messages were read into chains: up to the message time ``through``."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="jielong_scan")
    through = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.group_id} through {self.through}"
