"""Meetups (线下活动) and their sign-ups (written by hand from ``makemigrations --dry-run``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_archive_records_merges_tie_notes"),
        ("playbook", "0005_elimination"),
    ]

    operations = [
        migrations.CreateModel(
            name="Meetup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100)),
                ("starts_at", models.DateTimeField()),
                ("place", models.CharField(max_length=200)),
                ("capacity", models.PositiveIntegerField()),
                ("remind_hours", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("attendance_at", models.DateTimeField(blank=True, null=True)),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="meetups", to="community.group")),
            ],
        ),
        migrations.CreateModel(
            name="MeetupSignup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255)),
                ("key", models.CharField(max_length=300)),
                ("via", models.CharField(choices=[("command", "command"), ("jielong", "jielong"), ("console", "console")], max_length=16)),
                ("status", models.CharField(choices=[("confirmed", "confirmed"), ("waiting", "waiting"), ("cancelled", "cancelled")], max_length=16)),
                ("position", models.PositiveIntegerField()),
                ("signed_at", models.DateTimeField()),
                ("attended", models.BooleanField(default=False)),
                ("account", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="community.account")),
                ("meetup", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="signups", to="playbook.meetup")),
            ],
        ),
        migrations.AddConstraint(
            model_name="meetup",
            constraint=models.UniqueConstraint(fields=("group", "title"), name="meetup_title"),
        ),
        migrations.AddIndex(
            model_name="meetupsignup",
            index=models.Index(fields=["meetup", "status", "position"], name="meetup_signup_order"),
        ),
        migrations.AddConstraint(
            model_name="meetupsignup",
            constraint=models.UniqueConstraint(fields=("meetup", "key"), name="meetup_signup_once"),
        ),
    ]
