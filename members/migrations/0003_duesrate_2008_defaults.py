"""Seed the dues table with the national standard of 2008 (《关于中国共产党党费收缴、使用和管理的规定》).

The figures are written out here rather than imported from members/dues.py, so that
this migration keeps seeding the 2008 standard whatever the code later becomes.
"""

from decimal import Decimal

from django.db import migrations

YEAR = 2008
D = Decimal

ROWS = [
    # (category, upper bound of the base inclusive, percent, fixed amount, min amount, max amount)
    ("employed", D("3000"), D("0.5"), None, None, None),
    ("employed", D("5000"), D("1"), None, None, None),
    ("employed", D("10000"), D("1.5"), None, None, None),
    ("employed", None, D("2"), None, None, None),
    ("retired", D("5000"), D("0.5"), None, None, None),
    ("retired", None, D("1"), None, None, None),
    ("farmer", None, None, None, D("0.20"), D("1.00")),
    ("student", None, None, D("0.20"), None, None),
    ("unemployed", None, None, D("0.20"), None, None),
    ("subsistence", None, None, D("0.20"), None, None),
]


def seed(apps, schema_editor):
    DuesRate = apps.get_model("members", "DuesRate")
    for category, upper, percent, amount, min_amount, max_amount in ROWS:
        DuesRate.objects.get_or_create(
            year=YEAR,
            category=category,
            upper=upper,
            defaults={
                "percent": percent,
                "amount": amount,
                "min_amount": min_amount,
                "max_amount": max_amount,
            },
        )


def unseed(apps, schema_editor):
    DuesRate = apps.get_model("members", "DuesRate")
    DuesRate.objects.filter(year=YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_duesrate"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
