"""Models of resource matching (资源对接): questions, suggestions, introductions, opt-outs.

A question is remembered once per message (a constraint), when the routing job
looks at it; a suggestion is one member put forward for one question, with what
became of it, so that the ranking can learn whom to suggest (``matching_outcomes``).
An introduction is an operator's one-click 引荐 of two members and the tie it
turned into. Writes go through ``shequn.playbook.matching_actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from shequn.community.models import Account, Community, Group, Link, Person


class OpenQuestion(models.Model):
    """A question asked in a group (``matching_routing.is_question``) and whether it was answered.

    ``answered_by`` is the first member who replied to it or mentioned the asker;
    ``routed_at`` when the routing job looked at it (and suggested, if nobody had answered).
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="questions")
    message_external_id = models.CharField(max_length=128)
    asker = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    asked_at = models.DateTimeField()
    routed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "message_external_id"], name="question_once")
        ]
        indexes = [models.Index(fields=["group", "asked_at"], name="question_group_at")]

    def __str__(self) -> str:
        return f"question {self.message_external_id} in {self.group_id}"


class RoutingSuggestion(models.Model):
    """One member suggested to answer one question, how, and whether they did.

    ``via``: console (shown only there), notice (told the operators), mention (an
    @ in the group). ``outcome`` stays pending until the outcome job looks:
    answered (this member answered), other (someone else did), none (nobody).
    """

    class Via(models.TextChoices):
        CONSOLE = "console", pgettext_lazy("matching", "console only")
        NOTICE = "notice", pgettext_lazy("matching", "notice to the operators")
        MENTION = "mention", pgettext_lazy("matching", "@ in the group")

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("matching", "waiting")
        ANSWERED = "answered", pgettext_lazy("matching", "answered")
        OTHER = "other", pgettext_lazy("matching", "someone else answered")
        NONE = "none", pgettext_lazy("matching", "no answer")

    question = models.ForeignKey(OpenQuestion, on_delete=models.CASCADE, related_name="suggestions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reason = models.TextField(blank=True)
    via = models.CharField(max_length=16, choices=Via.choices)
    dry_run = models.BooleanField(default=False)
    suggested_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "person"], name="suggestion_once")
        ]
        indexes = [models.Index(fields=["person", "outcome"], name="suggestion_person_outcome")]

    def __str__(self) -> str:
        return f"{self.person_id} for {self.question_id} ({self.outcome})"


class Introduction(models.Model):
    """An operator introduced ``person_a`` (who needs) to ``person_b`` (who offers).

    ``text`` is what each was sent (from the template); ``status`` moves
    pending → sent → accepted/talked (or failed); ``tie`` is the Link it created
    (source ``matching``, on ``dimension``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("matching", "being sent")
        SENT = "sent", pgettext_lazy("matching", "sent")
        ACCEPTED = "accepted", pgettext_lazy("matching", "both accepted")
        TALKED = "talked", pgettext_lazy("matching", "talked in a group")
        FAILED = "failed", pgettext_lazy("matching", "not delivered")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="introductions")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    need = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    text = models.TextField()
    dimension = models.CharField(max_length=16, default="friend")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    accepted_a = models.BooleanField(default=False)
    accepted_b = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    tie = models.ForeignKey(
        Link, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tie_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["group", "status"], name="introduction_group_status")]

    def __str__(self) -> str:
        return f"introduction {self.person_a_id} ↔ {self.person_b_id} ({self.status})"


class MatchingOptOut(models.Model):
    """``person`` asked not to be suggested to answer questions or for introductions."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="matching_opt_out")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.person_id} opted out of matching"


__all__ = ["Introduction", "MatchingOptOut", "OpenQuestion", "RoutingSuggestion"]
