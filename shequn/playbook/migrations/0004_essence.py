"""Placeholder filled by the essence work (kept in this order so parallel work never forks the chain)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("playbook", "0003_columns")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
