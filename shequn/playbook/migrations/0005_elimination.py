"""Dynamic elimination (动态淘汰): one notice per member told, with its grace period and outcome."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_archive_records_merges_tie_notes"),
        ("playbook", "0004_essence"),
    ]

    operations = [
        migrations.CreateModel(
            name="EliminationNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),  # noqa: E501
                ("member_name", models.CharField(blank=True, max_length=255)),
                ("criterion", models.CharField(max_length=16)),
                ("facts", models.JSONField(blank=True, default=dict)),
                ("noticed_at", models.DateTimeField()),
                ("deadline", models.DateTimeField()),
                ("dry_run", models.BooleanField(default=False)),
                ("delivered", models.BooleanField(default=False)),
                ("state", models.CharField(choices=[("open", "open"), ("spared", "spared"), ("appealed", "appealed"), ("left", "left"), ("removed", "removed"), ("failed", "failed"), ("readmitted", "readmitted"), ("cancelled", "cancelled")], default="open", max_length=16)),  # noqa: E501
                ("attempts", models.PositiveIntegerField(default=0)),
                ("appeal_text", models.TextField(blank=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="community.account")),  # noqa: E501
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="elimination_notices", to="community.group")),  # noqa: E501
                ("removal", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="community.auditlog")),  # noqa: E501
            ],
            options={
                "indexes": [models.Index(fields=["group", "state"], name="elimination_group_state")],  # noqa: E501
                "constraints": [models.UniqueConstraint(condition=models.Q(("state", "open")), fields=("group", "account"), name="elimination_one_open")],  # noqa: E501
            },
        ),
    ]
