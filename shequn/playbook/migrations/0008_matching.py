"""Resource matching (资源对接): questions seen, routing suggestions, introductions, opt-outs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_archive_records_merges_tie_notes"),
        ("playbook", "0007_surveys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchingOptOut",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "person",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="matching_opt_out",
                        to="community.person",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="OpenQuestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("message_external_id", models.CharField(max_length=128)),
                ("text", models.TextField(blank=True)),
                ("asked_at", models.DateTimeField()),
                ("routed_at", models.DateTimeField(blank=True, null=True)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="community.account",
                    ),
                ),
                (
                    "asker",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="community.account",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="community.group",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RoutingSuggestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("score", models.FloatField()),
                ("reason", models.TextField(blank=True)),
                (
                    "via",
                    models.CharField(
                        choices=[
                            ("console", "console only"),
                            ("notice", "notice to the operators"),
                            ("mention", "@ in the group"),
                        ],
                        max_length=16,
                    ),
                ),
                ("dry_run", models.BooleanField(default=False)),
                ("suggested_at", models.DateTimeField()),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "waiting"),
                            ("answered", "answered"),
                            ("other", "someone else answered"),
                            ("none", "no answer"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("outcome_at", models.DateTimeField(blank=True, null=True)),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="community.person",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="playbook.openquestion",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Introduction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("need", models.TextField(blank=True)),
                ("reason", models.TextField(blank=True)),
                ("text", models.TextField()),
                ("dimension", models.CharField(default="friend", max_length=16)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "being sent"),
                            ("sent", "sent"),
                            ("accepted", "both accepted"),
                            ("talked", "talked in a group"),
                            ("failed", "not delivered"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("accepted_a", models.BooleanField(default=False)),
                ("accepted_b", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("tie_at", models.DateTimeField(blank=True, null=True)),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="community.community",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="introductions",
                        to="community.group",
                    ),
                ),
                (
                    "person_a",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="community.person",
                    ),
                ),
                (
                    "person_b",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="community.person",
                    ),
                ),
                (
                    "tie",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="community.link",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["group", "status"], name="introduction_group_status")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="openquestion",
            index=models.Index(fields=["group", "asked_at"], name="question_group_at"),
        ),
        migrations.AddConstraint(
            model_name="openquestion",
            constraint=models.UniqueConstraint(
                fields=("group", "message_external_id"), name="question_once"
            ),
        ),
        migrations.AddIndex(
            model_name="routingsuggestion",
            index=models.Index(fields=["person", "outcome"], name="suggestion_person_outcome"),
        ),
        migrations.AddConstraint(
            model_name="routingsuggestion",
            constraint=models.UniqueConstraint(
                fields=("question", "person"), name="suggestion_once"
            ),
        ),
    ]
