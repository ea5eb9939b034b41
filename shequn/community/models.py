"""The member archive and the groups it spans.

A community owns groups on any platform; a person (one archive entry) may
hold several platform accounts; a membership is one stay of an account in a
group, so that leaving and coming back are both kept. Links are the exit
test's ties between two persons outside any group.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    SOCIAL = "social", _("social group")
    STUDENT = "student", _("student group")
    PAID = "paid", _("paid group")
    FREE = "free", _("free group")
    CORE = "core", _("core group")
    RESOURCE = "resource", _("resource group")
    FAN = "fan", _("fan group")
    TRIAL = "trial", _("trial group")


class GroupStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    DISSOLVED = "dissolved", _("dissolved")


class Tier(models.TextChoices):
    BIG = "big", _("big name")
    MID = "mid", _("mid tier")
    ORDINARY = "ordinary", _("ordinary")


class MemberRole(models.TextChoices):
    MEMBER = "member", _("member")
    OWNER = "owner", _("owner")
    ADMIN = "admin", _("admin")
    ASSISTANT = "assistant", _("assistant")
    MONITOR = "monitor", _("monitor")
    KOL = "kol", _("KOL")


class JoinHow(models.TextChoices):
    INVITE = "invite", _("invited")
    LINK = "link", _("invite link")
    QR = "qr", _("QR code")
    ADDED = "added", _("added")
    REQUEST = "request", _("request")
    UNKNOWN = "unknown", _("unknown")


class LeaveHow(models.TextChoices):
    LEFT = "left", _("left")
    REMOVED = "removed", _("removed")
    ELIMINATED = "eliminated", _("eliminated")


class LinkDimension(models.TextChoices):
    FRIEND = "friend", _("friends")
    FOLLOW = "follow", _("follow each other")
    PHONE = "phone", _("exchanged phone numbers")
    MET_OFFLINE = "met_offline", _("met offline")
    COLLABORATED = "collaborated", _("collaborated")
    CO_MEMBER = "co_member", _("share another group")
    INTERACTION = "interaction", _("interact in chat")


class RecordKind(models.TextChoices):
    NOTE = "note", _("note")
    INTERVIEW = "interview", _("interview")


class StaffRole(models.TextChoices):
    OWNER = "owner", _("owner")
    OPERATOR = "operator", _("operator")
    ASSISTANT = "assistant", _("assistant")
    VIEWER = "viewer", _("viewer")


class Community(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="groups")
    platform = models.CharField(max_length=32)
    external_id = models.CharField(max_length=255)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=16, choices=GroupKind.choices, default=GroupKind.SOCIAL
    )
    positioning = models.TextField(_("positioning"), blank=True)
    value_statement = models.TextField(_("value statement"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=GroupStatus.choices, default=GroupStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    # Raised by ingest whenever it stores new messages here: the console's caches are
    # keyed by it. Cheaper than an index for MAX(id), which every insert would pay.
    messages_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("group")
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="group_platform_id")
        ]
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="tag_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One entry of the member archive (群友档案)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="persons")
    number = models.PositiveIntegerField(_("member number"))
    display_name = models.CharField(_("name"), max_length=255)
    intro = models.TextField(_("introduction"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    offers = models.TextField(_("offers"), blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="person_number")
        ]
        ordering = ["community", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.display_name}"


class Account(models.Model):
    """One platform identity; several may belong to the same person."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="accounts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accounts")
    platform = models.CharField(max_length=32)
    external_id = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    is_bot = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "platform", "external_id"], name="account_platform_id"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.external_id


class Membership(models.Model):
    """One stay of an account in a group: from joining (if known) to leaving (if it did)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(null=True, blank=True)
    join_how = models.CharField(max_length=16, choices=JoinHow.choices, default=JoinHow.UNKNOWN)
    inviter = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="invited"
    )
    admission_path = models.CharField(max_length=64, blank=True)
    # The campaign the join came through (an invite code's campaign), for fission quality.
    campaign = models.CharField(max_length=64, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_how = models.CharField(max_length=16, choices=LeaveHow.choices, blank=True)
    removed_by = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="removed"
    )
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    nickname = models.CharField(max_length=255, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    join_event_id = models.CharField(max_length=255, blank=True)
    leave_event_id = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["group", "account"], name="membership_group_account")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "join_event_id"],
                condition=~Q(join_event_id=""),
                name="membership_join_event",
            )
        ]


class Link(models.Model):
    """A tie between two persons on one dimension, from one source (exit test)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="links")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=16, choices=LinkDimension.choices)
    source = models.CharField(max_length=32, default="operator")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    weight = models.FloatField(default=1.0)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b", "dimension", "source"], name="link_unique"
            ),
            # One row per unordered pair: the smaller id always comes first.
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="link_order"
            ),
        ]


class PersonRecord(models.Model):
    """A dated note or interview about a person, written by a staff member."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(
        _("kind"), max_length=16, choices=RecordKind.choices, default=RecordKind.NOTE
    )
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("when"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "at"], name="record_person_at")]


class PersonMerge(models.Model):
    """One merge of a person into another, with what moved, so that it can be undone.

    The absorbed person is deleted; ``moved`` keeps its archive fields, tags and the
    ids of every row that moved to the kept person (see ``community.merge``).
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="merges")
    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    merged_id = models.BigIntegerField()
    merged_number = models.PositiveIntegerField()
    merged_name = models.CharField(max_length=255)
    moved = models.JSONField(default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]


class Staff(models.Model):
    """A dashboard user's role in one community; no role, no access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=16, choices=StaffRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="staff_unique")]


class AuditLog(models.Model):
    """Every action any part takes, whoever took it, whatever came of it."""

    class Outcome(models.TextChoices):
        PERFORMED = "performed", _("performed")
        DRY_RUN = "dry_run", _("dry run")
        FAILED = "failed", _("failed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    rule = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    target = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PERFORMED)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]


class ApiToken(models.Model):
    """A bearer token for the HTTP API, belonging to one dashboard user.

    Only the SHA-256 of the token is stored, so a leaked database does not leak
    usable tokens; the token itself is shown once, when it is created. The prefix
    (its first characters) lets an administrator tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


# Admission and the points ledger live in their own module to keep this one short;
# importing them here registers them with the app like every other model.
from shequn.community.growth_models import (  # noqa: E402
    AdmissionRequest,
    AdmissionStatus,
    InviteCode,
    Offer,
    OfferKind,
    Order,
    OrderSource,
    OrderStatus,
    PointsEntry,
)

__all__ = [
    "AdmissionRequest",
    "AdmissionStatus",
    "InviteCode",
    "Offer",
    "OfferKind",
    "Order",
    "OrderSource",
    "OrderStatus",
    "PointsEntry",
]

# Each of these modules belongs to one part of the growth work and registers its models here.
from shequn.community.referral_models import *  # noqa: E402,F403
from shequn.community.reward_models import *  # noqa: E402,F403
from shequn.community.shop_models import *  # noqa: E402,F403
