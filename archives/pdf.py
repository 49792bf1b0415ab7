"""The annual ledger as PDF (WeasyPrint): one branch's book and a subtree's summary.

Both are HTML templates (``templates/archives/pdf/``) laid out by WeasyPrint: A4, a cover, a
table of contents whose page numbers WeasyPrint fills in (``target-counter``), a chapter a
section, "第 x 页 共 y 页" in the footer and the organisation and year in the running header.
Sections too wide for a portrait page (the dues register's 19 columns, 三会一课's 15) go on
landscape A4 pages (a named ``@page``). Fonts are Debian's Noto CJK by family name; WeasyPrint
embeds the subset of glyphs the document uses (fast with ``libharfbuzz-subset0``).

Layout is what costs, and it grows with the number of cells: on this machine (2 cores, shared)
WeasyPrint styles, lays out and draws about 600 table cells a second. So 出勤明细 is printed a
line per meeting with the names under 出席 / 请假 / 缺席 (``attendance_by_meeting_rows``, the form
of a paper 会议记录本) rather than a line per member as in the workbook: a branch's year (27
members, 65 meetings, 874 attendances) is 18 pages in about 6.6 s instead of 37 pages in 15 s.
The CSS stays plain for the same reason: fixed table layout (widths from ``Column.width``, so
no cell is measured twice), collapsed borders (the cheapest to draw), one font family, plain
selectors, nothing per cell beyond a class for numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from branches.models import Organisation
from meetings.models import Attendance, Presence
from members.models import PARTY_STAGES, DuesPayment, Member

from . import ledger_data as data

Progress = Callable[[int, str], None]

NUMERIC = {data.INT, data.MONEY, data.PERCENT}
# A table whose columns add up to more than this (in ``Column.width`` units, about a character
# each) goes on a landscape page: portrait A4 holds about 140 characters of 8.5 pt CJK text.
PORTRAIT_WIDTH = 140
# The width inside the margins (mm) of a portrait and a landscape page, and the least a column
# of each kind needs at 8 pt so that its value stays on one line ("2025-01-02 19:30", "1234.00").
PAGE_MM = {False: 180, True: 273}
MIN_MM = {data.DATE: 18, data.DATETIME: 27, data.MONEY: 11, data.PERCENT: 12, data.INT: 8}
BRANCH_COLUMN = "党支部"
EMPTY = "本年度无记录"
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def cell_text(value, kind: str) -> str:
    """A value as the ledger prints it: money 0.00, dates yyyy-mm-dd, percentages with one decimal."""
    if value is None:
        return ""
    if kind == data.MONEY:
        return f"{Decimal(value).quantize(CENT, ROUND_HALF_UP)}"
    if kind == data.PERCENT:
        return f"{(Decimal(str(value)) * 100).quantize(TENTH, ROUND_HALF_UP)}%"
    if kind == data.DATETIME and isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if kind in (data.DATE, data.DATETIME) and isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside <style> (quotes, backslashes, ``<`` escaped)."""
    out = []
    for char in text:
        if char.isalnum() or char in " ·—-_()（）.、":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return '"' + "".join(out) + '"'


@dataclass
class Table:
    """A section as the template draws it: headers, relative widths, formatted rows and totals."""

    anchor: str
    title: str
    headers: list[str]
    widths: list[str]  # percentages of the page's width, as CSS numbers
    numeric: list[bool]
    rows: list[list[str]]
    footer: list[list[str]]
    landscape: bool
    vertical: bool = False  # one record shown as label/value pairs (a branch's 概况)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def cells(self) -> Iterable[list[tuple[str, bool]]]:
        for row in self.rows:
            yield list(zip(row, self.numeric, strict=True))

    @property
    def footer_cells(self) -> Iterable[list[tuple[str, bool]]]:
        for row in self.footer:
            yield list(zip(row, self.numeric, strict=True))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.headers, self.rows[0], strict=True)) if self.rows else []


def column_widths(columns: list[data.Column], page_mm: float) -> list[float]:
    """Percentages of the page's width: in proportion to ``Column.width``, but never below the
    kind's minimum (dates and amounts that wrap are hard to read); the others share what is left."""
    widths: dict[int, float] = {}
    while True:
        free = [i for i in range(len(columns)) if i not in widths]
        room = page_mm - sum(widths.values())
        units = sum(columns[i].width for i in free) or 1
        short = [i for i in free if room * columns[i].width / units < MIN_MM.get(columns[i].kind, 0)]
        if not short or room <= 0:
            break
        for i in short:
            widths[i] = MIN_MM[columns[i].kind]
    for i in free:
        widths[i] = max(room, 0) * columns[i].width / units
    total = sum(widths.values()) or 1
    return [100 * widths[i] / total for i in range(len(columns))]


def make_table(
    anchor: str,
    title: str,
    columns: list[data.Column],
    rows: Iterable[tuple],
    footer: Callable[[], list[tuple]] = lambda: [],
    *,
    drop_branch: bool = False,
) -> Table:
    """Format a section's rows (read to the end before ``footer``, which sums what they streamed)."""
    keep = [i for i, c in enumerate(columns) if not (drop_branch and i == 0 and c.header == BRANCH_COLUMN)]
    shown = [columns[i] for i in keep]
    kinds = [c.kind for c in shown]

    def formatted(values: tuple) -> list[str]:
        return [cell_text(values[i], kind) for i, kind in zip(keep, kinds, strict=True)]

    body = [formatted(values) for values in rows]
    totals = []
    for values in footer() if body else ():
        line = formatted(values)
        if keep[0] != 0 and values[0] and not line[0]:
            line[0] = cell_text(values[0], data.TEXT)  # the totals' label ("合计") sat in the dropped column
        totals.append(line)
    landscape = bool(body) and sum(c.width for c in shown) > PORTRAIT_WIDTH  # "本年度无记录" fits any page
    return Table(
        anchor=anchor,
        title=title,
        headers=[c.header for c in shown],
        widths=[f"{w:.2f}" for w in column_widths(shown, PAGE_MM[landscape])],
        numeric=[k in NUMERIC for k in kinds],
        rows=body,
        footer=totals,
        landscape=landscape,
    )


def branch_tables(scope: data.Scope) -> list[Table]:
    """The nine sections of ``ledger_data`` as tables; a one-branch book leaves out the 党支部 column."""
    single = not scope.subtree and len(scope.branches) == 1
    tables = []
    for section in data.sections(scope):
        columns, rows = section.columns, section.rows
        if section.key == "attendance":  # a line per meeting with the names: a tenth of the cells
            columns, rows = data.ATTENDANCE_BY_MEETING_COLUMNS, lambda: data.attendance_by_meeting_rows(scope)
        table = make_table(
            f"sec-{section.key}",
            section.title,
            columns,
            rows(),
            section.footer,
            drop_branch=single,
        )
        if single and section.key == "overview" and len(table.rows) == 1:
            table.vertical, table.landscape = True, False
        tables.append(table)
    return tables


def _context(scope: data.Scope, *, kind: str, tables: list[Table]) -> dict:
    root = scope.root
    parent = Organisation.objects.filter(pk=root.parent_id).values_list("name", flat=True).first()
    title = f"{root.name} {scope.year}年度台账{'汇总' if kind == 'summary' else ''}"
    return {
        "org": root,
        "year": scope.year,
        "kind": kind,
        "title": title,
        "heading": "年度台账汇总" if kind == "summary" else "年度台账",
        "parent_name": parent or "",
        "branch_count": len(scope.branches),
        "printed_on": timezone.localdate(),
        "running": css_string(f"{root.name} · {scope.year}年度台账"),
        "tables": tables,
        "empty": EMPTY,
    }


def _write(html: str, out: Path, progress: Progress | None, start: int) -> int:
    """Lay the document out and write it; returns the page count."""
    from weasyprint import HTML  # imported here: loading pango is slow and only the PDF needs it

    if progress is not None:
        progress(start, "正在排版")
    document = HTML(string=html, base_url=None).render()
    if progress is not None:
        progress(90, "正在写入 PDF")
    document.write_pdf(str(out))
    return len(document.pages)


def write_branch_pdf(scope: data.Scope, out: Path, *, progress: Progress | None = None) -> int:
    """Write one branch's annual ledger to ``out``; returns the number of pages."""
    if progress is not None:
        progress(5, "正在读取台账数据")
    tables = branch_tables(scope)
    html = render_to_string("archives/pdf/ledger.html", _context(scope, kind="branch", tables=tables))
    return _write(html, Path(out), progress, 20)


# --- a subtree's summary ------------------------------------------------------

COUNT_COLUMNS = [
    data.Column("党支部", 34),
    data.Column("年内在册党员", 12, data.INT),
    data.Column("全年会议", 10, data.INT),
    data.Column("出勤记录", 10, data.INT),
    data.Column("出席人次", 10, data.INT),
    data.Column("党费应交", 12, data.MONEY),
    data.Column("党费实交", 12, data.MONEY),
]


def count_rows(scope: data.Scope) -> tuple[list[tuple], list[tuple]]:
    """Per branch: members on the roster in the year, meetings held, attendance rows, dues; and totals.

    Four grouped queries whatever the number of branches. The definitions are the ledger's own
    (``ledger_data``), so these counts are the row counts of each branch's book.
    """
    ids = scope.branch_ids
    members = dict(
        Member.objects.filter(data.member_in_year(scope), stage__in=PARTY_STAGES)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    meetings = dict(
        data.counted_meetings(scope).values("branch_id").annotate(n=Count("pk")).values_list("branch_id", "n")
    )
    attendance = {
        row["meeting__branch_id"]: row
        for row in Attendance.objects.filter(meeting__in=data.counted_meetings(scope))
        .values("meeting__branch_id")
        .annotate(n=Count("pk"), present=Count("pk", filter=Q(presence=Presence.PRESENT)))
    }
    dues = {
        row["member__organisation_id"]: row
        for row in DuesPayment.objects.filter(
            member__organisation_id__in=ids, month__gte=scope.start, month__lte=scope.end
        )
        .values("member__organisation_id")
        .annotate(due=Sum("amount_due"), paid=Sum("amount_paid"))
    }
    rows = []
    for b in scope.branches:
        seen = attendance.get(b.pk, {})
        money = dues.get(b.pk, {})
        rows.append(
            (
                b.name,
                members.get(b.pk, 0),
                meetings.get(b.pk, 0),
                seen.get("n", 0),
                seen.get("present", 0),
                money.get("due") or data.ZERO,
                money.get("paid") or data.ZERO,
            )
        )
    numbers = [sum(r[i] for r in rows) for i in range(1, 5)]
    amounts = [sum((r[i] for r in rows), data.ZERO) for i in (5, 6)]
    totals = [("合计", *numbers, *amounts)]
    return rows, totals


def summary_tables(scope: data.Scope) -> list[Table]:
    counts, totals = count_rows(scope)
    return [
        make_table("sec-overview", "概况", data.OVERVIEW_COLUMNS, data.overview_rows(scope)),
        make_table("sec-ratings", "星级评定", data.RATING_COLUMNS, data.rating_rows(scope)),
        make_table("sec-counts", "各支部台账统计", COUNT_COLUMNS, counts, lambda: totals),
    ]


def write_summary_pdf(scope: data.Scope, out: Path) -> int:
    """Write a committee's subtree summary (one row per branch in each table); returns the pages."""
    tables = summary_tables(scope)
    html = render_to_string("archives/pdf/ledger.html", _context(scope, kind="summary", tables=tables))
    return _write(html, Path(out), None, 20)
