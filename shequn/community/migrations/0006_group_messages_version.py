"""Group.messages_version: raised by ingest whenever it stores messages in the group.

Groups that already hold messages start at 1, so that their pages are cached
(a version of 0 means "no messages yet").
"""

from typing import Any

from django.db import migrations, models


def start_at_one(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("community", "Group")
    Message = apps.get_model("chat", "Message")
    holding = Message.objects.values("group_id").distinct()
    Group.objects.filter(pk__in=holding).update(messages_version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_points"),
        ("chat", "0004_drop_message_group_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="group",
            name="messages_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(start_at_one, migrations.RunPython.noop),
    ]
