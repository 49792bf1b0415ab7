"""The 三本五盒 categories (DOMAIN §6 [001]): three books and five boxes."""

from django.db import migrations

from archives.defaults import ensure_defaults


def forwards(apps, schema_editor):
    ensure_defaults(apps.get_model("archives", "DocumentCategory"))


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_ledgers_and_documents")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
