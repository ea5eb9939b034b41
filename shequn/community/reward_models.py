"""Models of referral rewards (reward rules and what they granted), re-exported by ``models``.

A reward rule (奖励规则) is a community's promise: "bring 5 people who stay a week,
get a gift"; "68 referred purchases, get fruit". The sweep (``playbook.rewards``)
counts each member's qualified invitees or referred paid orders and grants every
threshold once; a grant whose count falls back below its threshold (invitees
who left within the claw-back period, refunded orders) is clawed back.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequn.community.models import Community, Group, Person

__all__ = ["RewardGrant", "RewardMeasure", "RewardRule"]


class RewardMeasure(models.TextChoices):
    INVITEES = "invitees", _("invitees who stayed")
    PURCHASES = "purchases", _("referred purchases")


class RewardRule(models.Model):
    """A threshold on what a member brought in, with the points or gift it earns.

    ``repeat``: every multiple of ``threshold`` earns again (5, 10, 15 …), else
    the threshold earns once. For invitees, one counts once they have stayed
    ``stay_days`` and stops counting when they left within ``clawback_days`` of
    joining. ``leaderboard_group``/``leaderboard_at`` (HH:MM, community time):
    where and when the rule's ranking is posted daily (optional).
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="reward_rules")
    name = models.CharField(_("name"), max_length=128)
    measure = models.CharField(_("measure"), max_length=16, choices=RewardMeasure.choices)
    threshold = models.PositiveIntegerField(_("threshold"), validators=[MinValueValidator(1)])
    repeat = models.BooleanField(_("again at every multiple"), default=False)
    stay_days = models.PositiveIntegerField(_("days an invitee must stay"), default=7)
    clawback_days = models.PositiveIntegerField(_("claw-back period (days)"), default=30)
    points = models.IntegerField(_("points"), default=0, validators=[MinValueValidator(0)])
    gift = models.CharField(_("gift"), max_length=255, blank=True)
    notify_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("notify the operators of"),
    )  # fmt: skip
    leaderboard_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("post the leaderboard in"),
    )  # fmt: skip
    leaderboard_at = models.CharField(
        _("leaderboard time"), max_length=5, blank=True,
        validators=[RegexValidator(r"^([01]\d|2[0-3]):[0-5]\d$", _("a time as HH:MM"))],
    )  # fmt: skip
    leaderboard_top = models.PositiveIntegerField(_("leaderboard size"), default=10)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reward rule")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def steps(self, count: int) -> list[int]:
        """The thresholds ``count`` has reached: [threshold] or every multiple up to it."""
        if count < self.threshold:
            return []
        if not self.repeat:
            return [self.threshold]
        return [self.threshold * k for k in range(1, count // self.threshold + 1)]


class RewardGrant(models.Model):
    """One threshold a member reached under a rule: granted once, perhaps clawed back.

    Unique on (rule, person, step), so a sweep run twice grants nothing new.
    ``round`` counts grants of the same step (a step clawed back and reached
    again is granted anew), and names the ledger lines of each round.
    """

    rule = models.ForeignKey(RewardRule, on_delete=models.CASCADE, related_name="grants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reward_grants")
    step = models.PositiveIntegerField(_("threshold reached"))
    round = models.PositiveIntegerField(default=1)
    count = models.PositiveIntegerField(_("count when granted"))
    points = models.IntegerField(_("points"), default=0)
    granted_at = models.DateTimeField(_("granted at"))
    clawed_back_at = models.DateTimeField(_("clawed back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reward grant")
        constraints = [
            models.UniqueConstraint(fields=["rule", "person", "step"], name="reward_grant_step")
        ]
        ordering = ["-granted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.person_id}:{self.step}"
