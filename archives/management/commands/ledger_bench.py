"""Time the annual ledger: the subtree workbook against openpyxl's own write-only time, and a branch's PDF.

    DEBUG=1 python manage.py ledger_bench --members 10000          # generate a subtree, measure, keep it
    DEBUG=1 python manage.py ledger_bench --root 60 --year 2026     # measure an existing organisation

Generation: ``tests/assessment/dashboard_fixture.generate`` (members, dues, ratings, rectification)
plus a year of meetings with attendance per branch, written with bulk_create. Each measurement
runs in a fresh process (``--measure``) so its peak memory (ru_maxrss) is the export's own:
1. the ledger workbook of the subtree, streamed from the database;
2. openpyxl alone: the same rows (read into memory first) written to a write-only workbook
   as plain values — the floor the export is compared with (the ratio);
3. the PDF of the subtree's largest branch.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from branches.models import Organisation

ROOT_NAME = "台账性能测试（{n}名党员）"
MEETINGS_PER_BRANCH = 20


class Command(BaseCommand):
    help = "Time the subtree ledger workbook (vs openpyxl alone) and a branch's PDF ledger."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10000)
        parser.add_argument("--root", type=int, help="measure an existing organisation (nothing generated)")
        parser.add_argument("--year", type=int)
        parser.add_argument("--measure", action="store_true", help=argparse_hidden())
        parser.add_argument("--no-pdf", action="store_true")

    def handle(self, *args, members, root, year, measure, no_pdf, **options):
        year = year or timezone.localdate().year
        if measure:
            self.stdout.write(json.dumps(_measure(root, year, pdf=not no_pdf), ensure_ascii=False))
            return
        if root is None:
            root = self._generated(members, year).pk
        elif not Organisation.objects.filter(pk=root).exists():
            raise CommandError(f"没有编号为 {root} 的组织。")
        command = [sys.executable, "manage.py", "ledger_bench", "--measure", "--root", str(root)]
        command += ["--year", str(year)] + (["--no-pdf"] if no_pdf else [])
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)  # noqa: S603
        if done.returncode:
            raise CommandError(done.stderr[-3000:])
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        self._report(figures)

    def _generated(self, members: int, year: int) -> Organisation:
        name = ROOT_NAME.format(n=members)
        existing = Organisation.objects.filter(name=name, parent__isnull=True).first()
        if existing is not None:
            self.stdout.write(f"reusing {name} (pk {existing.pk})")
            return existing
        from tests.assessment.dashboard_fixture import generate

        started = time.perf_counter()
        made = generate(
            seed=members,
            branches=max(1, members // 30),  # about 30 party members on a branch's roster
            years=(year,),
            today=timezone.localdate(),
            name=name,
            members=(36, 44),
        )
        _meetings(made.branch_ids, year)
        self.stdout.write(f"generated {name} (pk {made.root.pk}) in {time.perf_counter() - started:.0f} s")
        return made.root

    def _report(self, f: dict) -> None:
        self.stdout.write(f"organisation: {f['root']} — {f['branches']} branches, year {f['year']}")
        self.stdout.write(f"rows per sheet: {f['rows']} (total {f['total_rows']}, {f['cells']} cells)")
        self.stdout.write(
            f"ledger .xlsx: {f['export_s']:.2f} s, {f['size_mb']:.1f} MB,"
            f" peak RSS {f['export_rss_mb']:.0f} MB (process start {f['start_rss_mb']:.0f} MB)"
        )
        self.stdout.write(
            f"openpyxl alone, same rows in memory: {f['openpyxl_s']:.2f} s "
            f"({f['openpyxl_rows_per_s']:.0f} rows/s) → ratio {f['ratio']:.2f}"
        )
        if "pdf_s" in f:
            self.stdout.write(
                f"branch PDF: {f['pdf_branch']} ({f['pdf_members']} members, {f['pdf_meetings']} meetings): "
                f"{f['pdf_s']:.2f} s, {f['pdf_kb']:.0f} KB"
            )


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(root_pk: int, year: int, *, pdf: bool) -> dict:
    from openpyxl import Workbook

    from archives import excel
    from archives import ledger_data as data

    root = Organisation.objects.get(pk=root_pk)
    scope = data.scope_for(root, year)
    start_rss = _rss_mb()
    figures: dict = {
        "root": root.name,
        "branches": len(scope.branches),
        "year": year,
        "start_rss_mb": start_rss,
    }
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ledger.xlsx"
        started = time.perf_counter()
        counts = excel.write_workbook(scope, out)
        figures["export_s"] = time.perf_counter() - started
        figures["export_rss_mb"] = _rss_mb()
        figures["size_mb"] = out.stat().st_size / 1024 / 1024
        figures["rows"] = counts
        # The floor: the same values, already in memory, appended as plain values.
        sheets = [(s.title, len(s.columns), list(s.rows()) + s.footer()) for s in data.sections(scope)]
        figures["total_rows"] = sum(len(rows) for _t, _w, rows in sheets)
        figures["cells"] = sum(len(rows) * width for _t, width, rows in sheets)
        started = time.perf_counter()
        workbook = Workbook(write_only=True)
        for title, _width, rows in sheets:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
        workbook.save(Path(folder) / "plain.xlsx")
        figures["openpyxl_s"] = time.perf_counter() - started
        figures["openpyxl_rows_per_s"] = figures["total_rows"] / figures["openpyxl_s"]
        figures["ratio"] = figures["export_s"] / figures["openpyxl_s"]
        if pdf and scope.branches:
            _pdf(scope, year, Path(folder), figures)
    return figures


def _pdf(scope, year: int, folder: Path, figures: dict) -> None:
    from archives import ledger_data as data
    from archives import pdf
    from members.models import Member

    sizes = dict(
        Member.objects.party_members()
        .filter(organisation_id__in=scope.branch_ids)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    branch = max(scope.branches, key=lambda b: (sizes.get(b.pk, 0), -b.pk))
    out = folder / "branch.pdf"
    started = time.perf_counter()
    pdf.write_branch_pdf(data.branch_scope(branch, year), out)
    figures.update(
        pdf_s=time.perf_counter() - started,
        pdf_kb=out.stat().st_size / 1024,
        pdf_branch=branch.name,
        pdf_members=sizes.get(branch.pk, 0),
        pdf_meetings=sum(1 for _ in data.meeting_rows(data.branch_scope(branch, year))),
    )


@transaction.atomic
def _meetings(branch_ids: list[int], year: int) -> None:
    """A year of counted meetings per branch with every active member's attendance, in bulk."""
    from meetings.models import Attendance, Meeting, MeetingKind, MeetingStatus, Presence
    from meetings.rules import LOCAL_TZ
    from members.models import Member

    rng = random.Random(year)
    kinds = list(MeetingKind.objects.filter(for_groups=False).order_by("order"))
    people: dict[int, list[int]] = {}
    party = Member.objects.party_members().filter(organisation_id__in=branch_ids)
    for member_id, org_id in party.values_list("pk", "organisation_id"):
        people.setdefault(org_id, []).append(member_id)
    meetings, presences = [], []
    for branch_id in branch_ids:
        members = people.get(branch_id, [])
        for n in range(MEETINGS_PER_BRANCH):
            day = dt.date(year, 1 + n * 11 // MEETINGS_PER_BRANCH, 1 + rng.randrange(27))
            marks = [_presence(rng.random()) for _ in members]
            presences.append(list(zip(members, marks, strict=True)))
            meetings.append(
                Meeting(
                    organisation_id=branch_id,
                    branch_id=branch_id,
                    kind=kinds[n % len(kinds)],
                    topic=f"第{n + 1}次组织生活：学习贯彻会议精神",
                    starts_at=dt.datetime.combine(day, dt.time(15), tzinfo=LOCAL_TZ),
                    place="党员活动室",
                    host="书记",
                    recorder="组织委员",
                    status=MeetingStatus.SUBMITTED,
                    submitted_at=dt.datetime.combine(day, dt.time(18), tzinfo=LOCAL_TZ),
                    expected_count=len(members),
                    present_count=marks.count(Presence.PRESENT),
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    rows = []
    for meeting, marks in zip(meetings, presences, strict=True):
        for member_id, presence in marks:
            reason = "外出务工" if presence == Presence.LEAVE else ""
            rows.append(Attendance(meeting=meeting, member_id=member_id, presence=presence, reason=reason))
        if len(rows) >= 20000:
            Attendance.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Attendance.objects.bulk_create(rows, batch_size=5000)


def _presence(roll: float) -> str:
    from meetings.models import Presence

    return Presence.PRESENT if roll < 0.9 else Presence.LEAVE if roll < 0.97 else Presence.ABSENT
