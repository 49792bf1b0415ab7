"""Time the roster import on the configured database: build, validate, import, export N rows,
then import the file again with every phone number changed (N updates).

Everything happens inside one transaction that is rolled back at the end, and the
uploaded file goes to a temporary folder: the database and media/ are left as they were.

    DEBUG=1 python manage.py bench_import --rows 20000
"""

import datetime as dt
import io
import tempfile
import time

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import override_settings
from openpyxl import Workbook

from branches import services as branch_services
from members import idcard, roster_io
from members.models import ImportStatus, Member, RosterImport
from members.services import roster_import as services


def roster_bytes(rows: int, phone_prefix: str = "138") -> bytes:
    """A valid roster of ``rows`` people with every column filled the way offices fill it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append([c.header for c in roster_io.COLUMNS])
    for n in range(rows):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=n % 15000)
        number = idcard.make_id_number("110105", birth, (n // 15000) * 2 + n % 2)
        sheet.append(
            [
                f"党员{n}",
                "男" if n % 2 else "女",
                "汉族",
                birth,
                number,
                "大学本科",
                f"{phone_prefix}{n:08d}",
                "县供电公司",
                "职员",
                "在职",
                "",
                "正式党员",
                "2009/6/1",
                "2009年7月1日",
                "2010.1.5",
                dt.date(2010, 7, 1),
                "县委组发〔2010〕12号",
                dt.date(2011, 7, 1),
                "县委组发〔2011〕8号",
                "否",
                "",
                None,
                None,
                "否",
                None,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class Command(BaseCommand):
    help = "Time validation, import and export of a generated roster (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20_000)

    def handle(self, *args, rows, **options):
        vendor = connection.vendor
        started = time.perf_counter()
        content = roster_bytes(rows)
        self.stdout.write(
            f"{vendor}: generated {rows} rows ({len(content) / 1e6:.1f} MB) in {self._since(started)}"
        )
        with (
            tempfile.TemporaryDirectory() as media,
            override_settings(MEDIA_ROOT=media),
            transaction.atomic(),
        ):
            stamp = f"{time.time_ns() % 10**10}"
            county = branch_services.organisation_create(
                name="性能测试党委", kind="committee", sector="organ", code=f"BENCH{stamp}", parent=None
            )
            branch = branch_services.organisation_create(
                name="性能测试党支部", kind="branch", sector="organ", code=f"BENCH{stamp}B", parent=county
            )
            user = get_user_model().objects.create(username=f"bench{stamp}")
            self._import(branch, user, content, rows, "new")
            assert Member.objects.filter(organisation=branch).count() == rows

            user.is_superuser = True
            started = time.perf_counter()
            with tempfile.TemporaryFile() as out:
                services.roster_export(user=user, organisation=branch, out=out, masked=False)
            self.stdout.write(f"{vendor}: export {rows} rows: {self._since(started)}")

            self._import(branch, user, roster_bytes(rows, phone_prefix="137"), rows, "updated")
            assert Member.objects.filter(organisation=branch, phone__startswith="137").count() == rows
            transaction.set_rollback(True)
        self.stdout.write("rolled back: nothing kept")

    def _import(self, branch, user, content: bytes, rows: int, action: str) -> None:
        """Validate, then confirm and write, as the tasks do; every row is expected to be ``action``."""
        vendor = connection.vendor
        roster_import = RosterImport.objects.create(
            organisation=branch,
            file=ContentFile(content, name="bench.xlsx"),
            original_name="bench.xlsx",
            status=ImportStatus.RUNNING,
            summary={"phase": services.VALIDATING},
            total_rows=rows,
        )
        started = time.perf_counter()
        roster_import = services.roster_import_validate(roster_import_id=roster_import.pk)
        assert roster_import.status == ImportStatus.VALIDATED, roster_import.summary.get("errors", [])[:5]
        assert roster_import.summary["counts"][action] == rows, roster_import.summary["counts"]
        self.stdout.write(f"{vendor}: validate {rows} rows ({action}): {self._since(started)}")

        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=ImportStatus.RUNNING,
            summary={**roster_import.summary, "phase": services.IMPORTING, "confirmed_by": user.pk},
        )
        steps = {}

        def progress(step: str, done: int, total: int) -> None:
            steps[step] = time.perf_counter()  # when each step last reported

        started = time.perf_counter()
        roster_import = services.roster_import_run(roster_import_id=roster_import.pk, progress=progress)
        assert roster_import.status == ImportStatus.DONE, roster_import.summary
        finished = time.perf_counter()
        checked = steps.get("checking", started)
        self.stdout.write(
            f"{vendor}: import {rows} rows ({action}): {finished - started:.1f} s"
            f" (check again {checked - started:.1f} s, write {finished - checked:.1f} s)"
        )

    @staticmethod
    def _since(started: float) -> str:
        return f"{time.perf_counter() - started:.1f} s"
