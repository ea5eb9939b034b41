"""Placeholder filled by the elimination work (kept in this order so parallel work never forks the chain)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("playbook", "0004_essence")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
