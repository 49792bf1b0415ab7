"""Recompute the dashboard's rollups from the compliance, dues and member rows.

    python manage.py rebuild_rollups                 # every year with data
    python manage.py rebuild_rollups --year 2026     # one year (and the state rows)

The nightly compliance job does this for the current year; run it after loading data directly
into the tables (a restore, a migration from another system) or if a dashboard looks wrong.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from assessment import rollups


class Command(BaseCommand):
    help = "重新计算考核看板的汇总数据（按组织、年度、月份）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="只重算该年度（可重复）")

    def handle(self, *args, year=None, **options):
        if year and any(not 2000 <= y <= 2100 for y in year):
            raise CommandError("年度应在2000至2100之间。")
        started = time.perf_counter()
        written = rollups.rebuild(year)
        self.stdout.write(f"看板汇总已重算：{written} 行，用时 {time.perf_counter() - started:.1f} 秒。")
