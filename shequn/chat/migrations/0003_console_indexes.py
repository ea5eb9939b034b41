"""An index on Message (group, id) for the console's cache version.

The overview, group page and report cache everything under a group's data version,
which starts with the id of the group's latest message. Without this index SQLite
walks the group's whole ``(group, at)`` range and PostgreSQL the primary key
backwards; with it, one B-tree descent (bench/README.md, "Console").
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_message_references_unchecked"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["group", "id"], name="message_group_id"),
        ),
    ]
