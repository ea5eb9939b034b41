"""What the playbook must remember between events.

A greeting is its own row (not a query over the audit log) so that "greeted
once per member per group" is a unique constraint the database keeps, not a
convention that text in the log has to match.
"""

from __future__ import annotations

from django.conf import settings
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

    ``kind`` names a handler in ``shequn.playbook.jobs.known_kinds()``; ``payload`` is its
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


class Column(models.Model):
    """A scheduled column (栏目) of a group: a cron schedule in the community's zone,
    a queue of prepared texts posted one per slot, optional host rotation, a reminder
    before each slot and a summary after it (see ``shequn.playbook.columns``).

    ``host_ids`` are Account ids in rotation order (a list, so the order is the
    operator's); ``window_hours`` is how long after a post its summary waits and
    how far engagement is counted.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=100)
    schedule = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    host_ids = models.JSONField(default=list, blank=True)
    remind_minutes = models.PositiveIntegerField(default=30)
    summary = models.BooleanField(default=True)
    window_hours = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="column_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.schedule})"


class ColumnItem(models.Model):
    """One prepared text in a column's queue, taken in ``position`` order by a post."""

    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    text = models.TextField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["column", "used_at", "position"], name="column_item_next")]

    def __str__(self) -> str:
        return f"{self.column_id}#{self.position}"


class ColumnPost(models.Model):
    """One slot of a column and what became of it.

    A slot is planned (pending) before it is due, claimed by exactly one worker
    with a conditional update (pending → posting), then posted, skipped (with the
    reason in ``note``), failed, or cancelled (the schedule changed). The unique
    (column, slot_at) pair keeps two planners from making the same slot twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        POSTING = "posting", "posting"
        POSTED = "posted", "posted"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="posts")
    slot_at = models.DateTimeField()
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    item = models.ForeignKey(
        ColumnItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    host = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_posts"
    )
    text = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=128, blank=True)
    note = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    summarised_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["column", "slot_at"], name="column_post_slot")
        ]
        indexes = [models.Index(fields=["column", "status", "slot_at"], name="column_post_status")]

    def __str__(self) -> str:
        return f"{self.column_id} @ {self.slot_at:%Y-%m-%d %H:%M} ({self.status})"


class Essence(models.Model):
    """A message of ``group`` kept as essence (精华): by a command, a reaction, the console,
    or found in imported history.

    The message is named by its platform id, as replies and reactions are, so a
    mark may arrive before (or without) the message it names; one mark per message.
    ``marked_by`` is the chat account that marked it, ``marked_by_user`` the console user.
    """

    class How(models.TextChoices):
        COMMAND = "command", "command"
        REACTION = "reaction", "reaction"
        CONSOLE = "console", "console"
        HISTORY = "history", "history"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="essence")
    message_external_id = models.CharField(max_length=128)
    how = models.CharField(max_length=16, choices=How.choices)
    marked_by = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField()
    event_id = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "message_external_id"], name="essence_once")
        ]

    def __str__(self) -> str:
        return f"essence {self.message_external_id} in {self.group}"


class EliminationNotice(models.Model):
    """A member told they fall under the group's elimination policy, and what came of it.

    One open notice per member and group (a constraint). ``facts`` keeps the figures
    behind the verdict (criterion, tier, threshold, days silent, check-ins);
    ``removal`` is the audit entry of the removal, which the readmit undoes.
    """

    class State(models.TextChoices):
        OPEN = "open", "open"  # in its grace period
        SPARED = "spared", "spared"  # checked in or no longer under the policy
        APPEALED = "appealed", "appealed"  # replied; an operator was told
        LEFT = "left", "left"  # left by themselves
        REMOVED = "removed", "removed"
        FAILED = "failed", "failed"  # the removal failed for good
        READMITTED = "readmitted", "readmitted"
        CANCELLED = "cancelled", "cancelled"  # the policy changed (dry run switched)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="elimination_notices")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    member_name = models.CharField(max_length=255, blank=True)
    criterion = models.CharField(max_length=16)
    facts = models.JSONField(default=dict, blank=True)
    noticed_at = models.DateTimeField()
    deadline = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    delivered = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    attempts = models.PositiveIntegerField(default=0)
    appeal_text = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    removal = models.ForeignKey(
        "community.AuditLog", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["group", "state"], name="elimination_group_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "account"],
                condition=models.Q(state="open"),
                name="elimination_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"elimination notice to {self.account_id} in {self.group_id} ({self.state})"


class Meetup(models.Model):
    """An offline meetup (线下活动) of a group: when (UTC), where, how many places.

    Sign-ups beyond ``capacity`` wait in order (``MeetupSignup.Status.WAITING``);
    ``remind_hours`` are the hours before ``starts_at`` at which the group is
    reminded. ``attendance_at`` is when an operator last took attendance.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="meetups")
    title = models.CharField(max_length=100)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField()
    remind_hours = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attendance_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "title"], name="meetup_title")]

    def __str__(self) -> str:
        return f"{self.title} @ {self.starts_at:%Y-%m-%d %H:%M}"


class MeetupSignup(models.Model):
    """One sign-up to a meetup: a chat account, or only a name (from a 接龙 line).

    ``key`` ("account:<id>" or "name:<folded name>") keeps one sign-up per
    person per meetup; ``position`` orders sign-ups, so the waitlist is promoted
    first come, first served.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed"
        WAITING = "waiting", "waiting"
        CANCELLED = "cancelled", "cancelled"

    class Via(models.TextChoices):
        COMMAND = "command", "command"
        JIELONG = "jielong", "jielong"
        CONSOLE = "console", "console"

    meetup = models.ForeignKey(Meetup, on_delete=models.CASCADE, related_name="signups")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=255)
    key = models.CharField(max_length=300)
    via = models.CharField(max_length=16, choices=Via.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    position = models.PositiveIntegerField()
    signed_at = models.DateTimeField()
    attended = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meetup", "key"], name="meetup_signup_once")]
        indexes = [
            models.Index(fields=["meetup", "status", "position"], name="meetup_signup_order")
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.meetup_id} ({self.status})"


# --- surveys (回访): shequn.playbook.surveys ----------------------------------------


class Survey(models.Model):
    """A follow-up survey (回访) of a group: a few questions sent to chosen members.

    ``questions``: a list of ``{"kind": "choice"|"scale"|"text", "text": …, "choices":
    […], "field": "needs"|"offers"|""}`` (see ``surveys.Question``). ``group_fallback``:
    where the platform cannot message a member directly, ask in the group, naming them.
    """

    class Kind(models.TextChoices):
        CUSTOM = "custom"
        NEWCOMER = "newcomer"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CUSTOM)
    questions = models.JSONField(default=list)
    group_fallback = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    """One member's copy of a survey: how it reached them and their answers so far."""

    class State(models.TextChoices):
        OPEN = "open"
        DONE = "done"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=16, blank=True)  # direct, group, or "" (not delivered)
    sent_at = models.DateTimeField()
    answers = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "account"], name="survey_response_once")
        ]
        indexes = [models.Index(fields=["account", "state"], name="survey_response_open")]


# Each of these modules belongs to one rule family and registers its models here.
from shequn.playbook.jielong_models import *  # noqa: E402,F403
from shequn.playbook.matching_models import *  # noqa: E402,F403
