"""A ledger job's heartbeat and attempt count, so a job whose worker died is taken over or failed.

Ledgers already running when this is applied get a heartbeat of now: the sweeper gives their
jobs a full LEDGER_STALE_MINUTES from the deploy before it judges them.
"""

from django.db import migrations, models
from django.db.models.functions import Now


def forwards(apps, schema_editor):
    LedgerFile = apps.get_model("archives", "LedgerFile")
    LedgerFile.objects.filter(status="running").update(heartbeat_at=Now(), attempts=1)


class Migration(migrations.Migration):
    dependencies = [("archives", "0002_default_categories")]

    operations = [
        migrations.AddField(
            model_name="ledgerfile",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近进展时间"),
        ),
        migrations.AddField(
            model_name="ledgerfile",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="生成次数"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
