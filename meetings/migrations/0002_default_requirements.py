"""The national defaults of DOMAIN §3 (2018 支部工作条例), as data an admin can override."""

from django.db import migrations

from meetings.defaults import seed


def forwards(apps, schema_editor):
    seed(apps.get_model("meetings", "MeetingKind"), apps.get_model("meetings", "Requirement"))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
