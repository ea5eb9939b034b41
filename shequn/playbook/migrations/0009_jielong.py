"""接龙 (jielong): chains started here or found in the messages, and how far each group was read."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playbook", "0008_matching"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="JielongScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("through", models.DateTimeField(blank=True, null=True)),
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jielong_scan",
                        to="community.group",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="JielongChain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[("started", "started"), ("found", "found")],
                        default="found",
                        max_length=16,
                    ),
                ),
                ("first_message_id", models.CharField(max_length=255)),
                ("key", models.CharField(blank=True, max_length=200)),
                ("title", models.CharField(blank=True, max_length=500)),
                ("description", models.JSONField(blank=True, default=list)),
                ("starter_id", models.CharField(blank=True, max_length=255)),
                ("starter_name", models.CharField(blank=True, max_length=255)),
                ("started_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("posts", models.PositiveIntegerField(default=0)),
                ("conflicts", models.PositiveIntegerField(default=0)),
                ("entries", models.JSONField(blank=True, default=list)),
                ("removed", models.JSONField(blank=True, default=list)),
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
                        related_name="jielong_chains",
                        to="community.group",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="playbook.job",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["group", "updated_at"], name="jielong_group_updated")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "first_message_id"), name="jielong_first_post"
                    )
                ],
            },
        ),
    ]
