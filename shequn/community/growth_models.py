"""Community models of admission (门槛) and the points ledger (积分), re-exported by ``models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequn.community.models import Account, Community, Group, Person

# --- admission (门槛): invite codes and the admission queue (shequn.playbook.admission) ---


class InviteCode(models.Model):
    """A code a member shares so that people they invite pass the referral threshold."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invite_codes")
    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invite_codes")
    campaign = models.CharField(_("campaign"), max_length=64, blank=True)
    code = models.CharField(_("invite code"), max_length=32)
    active = models.BooleanField(_("active"), default=True)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="invite_code_unique")
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.code


class AdmissionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WAITLISTED = "waitlisted", _("waitlisted")
    ADMITTED = "admitted", _("admitted")


class AdmissionRequest(models.Model):
    """One account's way into one group: the steps passed, the answers, the decision."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="admissions")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="admissions")
    status = models.CharField(
        _("status"), max_length=16, choices=AdmissionStatus.choices, default="pending"
    )
    path = models.CharField(_("admission path"), max_length=64, blank=True)
    inviter = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(_("invite code"), max_length=32, blank=True)
    referred = models.BooleanField(default=False)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["group", "status"], name="admission_group_status"),
            models.Index(fields=["group", "account"], name="admission_group_account"),
        ]


# --- points ledger (积分; WeTool-style): check-ins, invites and later referrals -------------


class PointsEntry(models.Model):
    """One line of a member's points ledger: points earned (or taken back, negative).

    Unique on (person, rule, source): the event that earned the points is named
    by ``source``, so a repeated event or a replayed history never counts twice.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="points")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="points")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL)
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    rule = models.CharField(max_length=64)
    source = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("points entry")
        constraints = [
            models.UniqueConstraint(fields=["person", "rule", "source"], name="points_source")
        ]
        indexes = [models.Index(fields=["person", "created_at"], name="points_person_at")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.points:+d} ({self.rule})"
