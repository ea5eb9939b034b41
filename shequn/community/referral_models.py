"""Models of referral growth (fraud flags under review), re-exported by ``models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequn.community.models import Community, Person


class FraudKind(models.TextChoices):
    BURST = "burst", _("burst of joins")
    QUICK_LEAVE = "quick_leave", _("invitees who left within a day")
    AD_POSTS = "ad_posts", _("invitees who posted ads")
    INACTIVE = "inactive", _("invitees never active")


class FraudStatus(models.TextChoices):
    OPEN = "open", _("to review")
    REVIEWED = "reviewed", _("reviewed")
    DISMISSED = "dismissed", _("dismissed")


class FraudFlag(models.Model):
    """A fraud signal of one inviter, waiting for (or after) an operator's review.

    One row per (community, inviter, kind); a new scan updates its count and
    evidence (``persons``: the invitees behind it). A flag an operator closed
    opens again only when its count grows past what they saw (``reviewed_count``).
    Nothing is done to the inviter: the flag is for a person to judge.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="fraud_flags")
    inviter = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="fraud_flags")
    kind = models.CharField(_("signal"), max_length=16, choices=FraudKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=FraudStatus.choices, default=FraudStatus.OPEN
    )
    count = models.PositiveIntegerField(_("count"), default=0)
    persons = models.JSONField(default=list, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    reviewed_count = models.PositiveIntegerField(default=0)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fraud flag")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "inviter", "kind"], name="fraud_flag_unique"
            )
        ]
        indexes = [models.Index(fields=["community", "status"], name="fraud_flag_status")]
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.inviter_id} {self.kind} ({self.status})"


__all__ = ["FraudFlag", "FraudKind", "FraudStatus"]
