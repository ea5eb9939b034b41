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


# --- offers and orders (issue: growth and money): what the shop says was bought ----------


class OfferKind(models.TextChoices):
    COURSE = "course", _("course")
    PAID_GROUP = "paid_group", _("paid group")
    PRODUCT = "product", _("product")


class Offer(models.Model):
    """Something a community sells: a course, a paid group, a product.

    ``group`` names the group a paid order admits its buyer to (payment admission).
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="offers")
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=OfferKind.choices)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("offer")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    PAID = "paid", _("paid")
    REFUNDED = "refunded", _("refunded")
    CANCELLED = "cancelled", _("cancelled")


class OrderSource(models.TextChoices):
    MANUAL = "manual", _("entered by an operator")
    IMPORT = "import", _("imported from a file")
    WEBHOOK = "webhook", _("sent by the shop")


class Order(models.Model):
    """One order as the shop reported it; shequn processes no payment.

    ``external_id`` is the shop's order id, unique per community, so that an
    order sent twice (a retried webhook, a re-imported file) is kept once.
    ``referrer`` is whoever brought the sale, for referral rewards.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="orders")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="orders")
    referrer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="referred_orders"
    )
    external_id = models.CharField(_("order id"), max_length=128)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    source = models.CharField(_("source"), max_length=16, choices=OrderSource.choices)
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        constraints = [
            models.UniqueConstraint(fields=["community", "external_id"], name="order_external_id")
        ]
        indexes = [
            models.Index(fields=["community", "ordered_at"], name="order_community_at"),
            models.Index(fields=["person", "status"], name="order_person_status"),
        ]
        ordering = ["-ordered_at", "-pk"]

    def __str__(self) -> str:
        return self.external_id
