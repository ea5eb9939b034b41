"""The shop webhook's accepted deliveries (replay protection); see ``community.shop_models``."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0007_orders")]

    operations = [
        migrations.CreateModel(
            name="ShopDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("delivery_id", models.CharField(blank=True, max_length=128)),
                ("signature_sha256", models.CharField(max_length=64)),
                (
                    "received_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "community",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="community.community",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="community.order",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("community", "signature_sha256"), name="shop_delivery_signature"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("delivery_id", ""), _negated=True),
                        fields=("community", "delivery_id"),
                        name="shop_delivery_id",
                    ),
                ],
            },
        ),
    ]
