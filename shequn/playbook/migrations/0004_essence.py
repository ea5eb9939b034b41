"""Essence (精华): one mark per message of a group."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_archive_records_merges_tie_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("playbook", "0003_columns"),
    ]

    operations = [
        migrations.CreateModel(
            name="Essence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),  # noqa: E501
                ("message_external_id", models.CharField(max_length=128)),
                ("how", models.CharField(choices=[("command", "command"), ("reaction", "reaction"), ("console", "console"), ("history", "history")], max_length=16)),  # noqa: E501
                ("marked_at", models.DateTimeField()),
                ("event_id", models.CharField(blank=True, max_length=255)),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="essence", to="community.group")),  # noqa: E501
                ("marked_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="community.account")),  # noqa: E501
                ("marked_by_user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),  # noqa: E501
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("group", "message_external_id"), name="essence_once")],  # noqa: E501
            },
        ),
    ]
