"""Spreadsheets of the assessment pages: the dashboard's weakest branches (.xlsx).

Numbers are written as numbers with a format; text is always written as text — a branch
name or a note beginning with = + - @ would otherwise run as a formula in Excel (CSV/formula
injection), so such cells are typed as strings and marked with a quote prefix.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .selectors_dashboard import Dashboard

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")

# (header, width, number format or None for text)
COLUMNS = [
    ("序号", 6, "0"),
    ("党支部", 34, None),
    ("领域", 10, None),
    ("组织生活达标率（%）", 12, "0.00"),
    ("达标周期", 9, "0"),
    ("未达标周期", 10, "0"),
    ("未达标事项", 50, None),
    ("超期未换届（天）", 12, "0"),
    ("设置不规范（项）", 12, "0"),
    ("未销号整改事项（项）", 14, "0"),
    ("星级", 8, "0"),
    ("原因汇总", 60, None),
]


def _text(cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True


def weakest_rows(board: Dashboard) -> list[list]:
    return [
        [
            n,
            w.name,
            w.sector_name,
            float(w.rate) if w.rate is not None else None,
            w.met,
            w.short,
            "；".join(str(s) for s in w.shortfalls),
            w.term_overdue_days,
            w.structure_warnings,
            w.open_items,
            w.stars,
            "；".join(w.reasons),
        ]
        for n, w in enumerate(board.weakest, 1)
    ]


def weakest_workbook(board: Dashboard) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "薄弱支部"
    filters = board.filters
    title = f"{board.node.name} {filters.year}年组织生活达标率最低的党支部"
    _text(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for col, (header, width, _fmt) in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=2, column=col)
        _text(cell, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(weakest_rows(board), 3):
        for col, ((_h, _w, fmt), value) in enumerate(zip(COLUMNS, values, strict=True), 1):
            cell = sheet.cell(row=r, column=col)
            if fmt is None:
                _text(cell, value or "")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = value
                cell.number_format = fmt
    sheet.freeze_panes = "C3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{max(2, len(board.weakest) + 2)}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def weakest_filename(board: Dashboard) -> tuple[str, str]:
    """The file's name (organisation and year, in Chinese) and an ASCII name for old clients."""
    year = board.filters.year
    ascii_code = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in board.node.code
    )
    return f"{board.node.name}-{year}年薄弱党支部.xlsx", f"weakest-{ascii_code}-{year}.xlsx"


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII ``filename`` and the real name as ``filename*`` (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
