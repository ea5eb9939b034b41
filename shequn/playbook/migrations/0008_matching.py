"""Reserved: filled in by the work that owns it (a no-op until then keeps the chain straight)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("playbook", "0007_surveys")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
