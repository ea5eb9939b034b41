"""Columns (栏目): Column, its queue (ColumnItem) and its slots (ColumnPost)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0003_archive_records_merges_tie_notes'),
        ('playbook', '0002_connectorstate_job'),
    ]

    operations = [
        migrations.CreateModel(
            name='Column',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('schedule', models.CharField(max_length=100)),
                ('enabled', models.BooleanField(default=True)),
                ('host_ids', models.JSONField(blank=True, default=list)),
                ('remind_minutes', models.PositiveIntegerField(default=30)),
                ('summary', models.BooleanField(default=True)),
                ('window_hours', models.PositiveSmallIntegerField(default=3)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='columns', to='community.group')),
            ],
        ),
        migrations.CreateModel(
            name='ColumnItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('text', models.TextField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('column', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='playbook.column')),
            ],
        ),
        migrations.CreateModel(
            name='ColumnPost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slot_at', models.DateTimeField()),
                ('sequence', models.PositiveIntegerField(default=0)),
                ('status', models.CharField(choices=[('pending', 'pending'), ('posting', 'posting'), ('posted', 'posted'), ('skipped', 'skipped'), ('failed', 'failed'), ('cancelled', 'cancelled')], default='pending', max_length=16)),
                ('claimed_by', models.CharField(blank=True, max_length=128)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('text', models.TextField(blank=True)),
                ('posted_at', models.DateTimeField(blank=True, null=True)),
                ('message_id', models.CharField(blank=True, max_length=128)),
                ('note', models.TextField(blank=True)),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('warned_at', models.DateTimeField(blank=True, null=True)),
                ('summarised_at', models.DateTimeField(blank=True, null=True)),
                ('summary', models.JSONField(blank=True, default=dict)),
                ('column', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='posts', to='playbook.column')),
                ('host', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='hosted_posts', to='community.account')),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to='playbook.columnitem')),
            ],
        ),
        migrations.AddConstraint(
            model_name='column',
            constraint=models.UniqueConstraint(fields=('group', 'name'), name='column_name'),
        ),
        migrations.AddIndex(
            model_name='columnitem',
            index=models.Index(fields=['column', 'used_at', 'position'], name='column_item_next'),
        ),
        migrations.AddIndex(
            model_name='columnpost',
            index=models.Index(fields=['column', 'status', 'slot_at'], name='column_post_status'),
        ),
        migrations.AddConstraint(
            model_name='columnpost',
            constraint=models.UniqueConstraint(fields=('column', 'slot_at'), name='column_post_slot'),
        ),
    ]
