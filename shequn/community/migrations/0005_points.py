"""The points ledger (积分): PointsEntry, one line per event that earned or took back points."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0004_admission")]

    operations = [
        migrations.CreateModel(
            name="PointsEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("points", models.IntegerField(verbose_name="points")),
                ("reason", models.CharField(blank=True, max_length=255, verbose_name="reason")),
                ("rule", models.CharField(max_length=64)),
                ("source", models.CharField(max_length=255)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="community.community",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="community.group",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="community.person",
                    ),
                ),
            ],
            options={
                "verbose_name": "points entry",
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["person", "created_at"], name="points_person_at")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("person", "rule", "source"), name="points_source"
                    )
                ],
            },
        ),
    ]
