"""Recompute the stored compliance rows: every organisation, or those given by code."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from branches.models import Organisation
from meetings import compliance


class Command(BaseCommand):
    help = "重算组织生活达标情况（ComplianceRecord）。默认全部组织、当年。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="年度，默认今年")
        parser.add_argument("--org", action="append", default=[], help="组织代码，可重复；默认全部")

    def handle(self, *args, year=None, org=(), **options):
        year = year or timezone.localdate().year
        if not 2000 <= year <= timezone.localdate().year + 1:
            raise CommandError(f"年度不正确：{year}")
        started = time.perf_counter()
        if org:
            found = dict(Organisation.objects.filter(code__in=org).values_list("code", "pk"))
            missing = sorted(set(org) - set(found))
            if missing:
                raise CommandError(f"没有这些组织代码：{'、'.join(missing)}")
            rows = compliance.refresh(found.values(), year)
        else:
            rows = compliance.refresh_all(year)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{year}年：写入 {rows} 行，用时 {elapsed:.2f} 秒。")
