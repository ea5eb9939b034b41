"""Follow-up surveys (回访) and their responses (written by hand from ``makemigrations --dry-run``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_archive_records_merges_tie_notes"),
        ("playbook", "0006_meetups"),
    ]

    operations = [
        migrations.CreateModel(
            name="Survey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("kind", models.CharField(choices=[("custom", "Custom"), ("newcomer", "Newcomer")], default="custom", max_length=16)),
                ("questions", models.JSONField(default=list)),
                ("group_fallback", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="surveys", to="community.group")),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.CreateModel(
            name="SurveyResponse",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("via", models.CharField(blank=True, max_length=16)),
                ("sent_at", models.DateTimeField()),
                ("answers", models.JSONField(default=list)),
                ("state", models.CharField(choices=[("open", "Open"), ("done", "Done")], default="open", max_length=8)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="community.account")),
                ("survey", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="responses", to="playbook.survey")),
            ],
            options={
                "indexes": [models.Index(fields=["account", "state"], name="survey_response_open")],
                "constraints": [models.UniqueConstraint(fields=("survey", "account"), name="survey_response_once")],
            },
        ),
    ]
