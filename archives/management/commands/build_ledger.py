"""python manage.py build_ledger --org CODE --year YYYY --format xlsx|pdf --out PATH — for operators and cron.

Builds the annual ledger in this process (no Celery, no LedgerFile record) and writes it to
PATH. A committee's ledger covers its whole subtree; its PDF is a ZIP of per-branch PDFs and
a summary PDF, so PATH gets the ``.zip`` suffix. Exits non-zero with a message for an unknown
organisation code, a year without ledgers, or a party group.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from archives import excel, pdf, rules
from archives import ledger_data as data
from archives.services import build
from branches.models import Organisation, OrgKind


class Command(BaseCommand):
    help = "生成组织的年度台账（Excel 或 PDF）并写入文件。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="组织代码")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2026")
        parser.add_argument("--format", required=True, choices=["xlsx", "pdf"], dest="fmt")
        parser.add_argument("--out", required=True, help="输出文件路径")

    def handle(self, *args, org, year, fmt, out, **options):
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"没有组织代码为“{org}”的组织。") from None
        if organisation.kind == OrgKind.PARTY_GROUP:
            raise CommandError("党小组的台账随所在党支部生成，请使用党支部的组织代码。")
        if (
            why := rules.year_error(year, today=timezone.localdate(), founded_on=organisation.founded_on)
        ) is not None:
            raise CommandError(why)
        path = Path(out)
        if fmt == "pdf" and not organisation.is_branch and path.suffix.lower() != ".zip":
            path = path.with_suffix(".zip")
            self.stdout.write(f"党委的 PDF 台账按党支部分册，打包为 ZIP：{path}")
        if not path.parent.is_dir():
            raise CommandError(f"输出目录不存在：{path.parent}")
        scope = data.scope_for(organisation, year)

        def progress(percent: int, step: str) -> None:
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"  {percent:3d}%  {step}")

        started = time.perf_counter()
        if fmt == "xlsx":
            excel.write_workbook(scope, path, progress=progress)
        elif organisation.is_branch:
            pdf.write_branch_pdf(scope, path, progress=progress)
        else:
            build.write_subtree_zip(scope, path, progress=progress)
        seconds = time.perf_counter() - started
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {organisation.name} {year}年度台账：{path}（{path.stat().st_size:,} 字节，"
                f"{len(scope.branches)} 个党支部，用时 {seconds:.1f} 秒）\nSHA-256 {digest}"
            )
        )
