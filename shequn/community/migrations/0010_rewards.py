"""Reward rules (奖励规则) and the thresholds they granted (see ``community.reward_models``)."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class Migration(migrations.Migration):
    dependencies = [("community", "0009_referral")]

    operations = [
        migrations.CreateModel(
            name="RewardRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=128, verbose_name="name")),
                ("measure", models.CharField(choices=[("invitees", "invitees who stayed"), ("purchases", "referred purchases")], max_length=16, verbose_name="measure")),
                ("threshold", models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name="threshold")),
                ("repeat", models.BooleanField(default=False, verbose_name="again at every multiple")),
                ("stay_days", models.PositiveIntegerField(default=7, verbose_name="days an invitee must stay")),
                ("clawback_days", models.PositiveIntegerField(default=30, verbose_name="claw-back period (days)")),
                ("points", models.IntegerField(default=0, validators=[django.core.validators.MinValueValidator(0)], verbose_name="points")),
                ("gift", models.CharField(blank=True, max_length=255, verbose_name="gift")),
                ("leaderboard_at", models.CharField(blank=True, max_length=5, validators=[django.core.validators.RegexValidator(HHMM, "a time as HH:MM")], verbose_name="leaderboard time")),
                ("leaderboard_top", models.PositiveIntegerField(default=10, verbose_name="leaderboard size")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("community", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reward_rules", to="community.community")),
                ("leaderboard_group", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="community.group", verbose_name="post the leaderboard in")),
                ("notify_group", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="community.group", verbose_name="notify the operators of")),
            ],
            options={"verbose_name": "reward rule", "ordering": ["name", "pk"]},
        ),
        migrations.CreateModel(
            name="RewardGrant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.PositiveIntegerField(verbose_name="threshold reached")),
                ("round", models.PositiveIntegerField(default=1)),
                ("count", models.PositiveIntegerField(verbose_name="count when granted")),
                ("points", models.IntegerField(default=0, verbose_name="points")),
                ("granted_at", models.DateTimeField(verbose_name="granted at")),
                ("clawed_back_at", models.DateTimeField(blank=True, null=True, verbose_name="clawed back at")),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reward_grants", to="community.person")),
                ("rule", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="grants", to="community.rewardrule")),
            ],
            options={
                "verbose_name": "reward grant",
                "ordering": ["-granted_at", "-pk"],
                "constraints": [models.UniqueConstraint(fields=("rule", "person", "step"), name="reward_grant_step")],
            },
        ),
    ]
