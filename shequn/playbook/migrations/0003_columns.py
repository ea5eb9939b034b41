"""Placeholder filled by the columns work (kept in this order so parallel work never forks the chain)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("playbook", "0002_connectorstate_job")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
