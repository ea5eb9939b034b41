"""Fraud flags of referral growth (the review list of fission's fraud signals)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_shop"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FraudFlag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("burst", "burst of joins"), ("quick_leave", "invitees who left within a day"), ("ad_posts", "invitees who posted ads"), ("inactive", "invitees never active")], max_length=16, verbose_name="signal")),
                ("status", models.CharField(choices=[("open", "to review"), ("reviewed", "reviewed"), ("dismissed", "dismissed")], default="open", max_length=16, verbose_name="status")),
                ("count", models.PositiveIntegerField(default=0, verbose_name="count")),
                ("persons", models.JSONField(blank=True, default=list)),
                ("first_seen_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reviewed_count", models.PositiveIntegerField(default=0)),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("community", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="fraud_flags", to="community.community")),
                ("inviter", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="fraud_flags", to="community.person")),
                ("reviewed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "fraud flag",
                "ordering": ["-updated_at", "-pk"],
                "indexes": [models.Index(fields=["community", "status"], name="fraud_flag_status")],
                "constraints": [models.UniqueConstraint(fields=("community", "inviter", "kind"), name="fraud_flag_unique")],
            },
        ),
    ]
