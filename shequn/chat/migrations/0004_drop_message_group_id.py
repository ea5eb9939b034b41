"""Drop the (group, id) index: the console's cache version is now a counter on the group.

Every message insert paid for that index (imports ~17% slower on SQLite); the
counter (community 0006) costs one UPDATE per ingest instead.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_console_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="message", name="message_group_id"),
    ]
