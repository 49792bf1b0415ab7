"""The default star-rating template (DOMAIN §5) and acceptance figures for the current year."""

from django.db import migrations

from assessment.defaults import seed


def forwards(apps, schema_editor):
    seed(
        *(
            apps.get_model("assessment", name)
            for name in ("RatingTemplate", "TemplateItem", "StarThreshold", "VetoItem", "AcceptancePolicy")
        )
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
