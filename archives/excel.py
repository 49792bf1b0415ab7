"""The annual ledger as one workbook, a sheet a section, in openpyxl's write-only mode.

Rows stream from ``ledger_data`` straight into the sheet, so memory stays flat whatever the
subtree's size. Styling costs per cell, so only what needs it gets a cell object: the header
row, money (0.00), percentages, and text a spreadsheet would otherwise run as a formula
(written as a string with a quote prefix). Dates are written as dates; openpyxl gives them a
date format itself.
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import ledger_data as data
from .rules import FORMULA_START

HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_BORDER = Border(bottom=Side(style="thin", color="7F0000"))
TITLE_FONT = Font(bold=True, size=13)
TOTAL_FONT = Font(bold=True)
FORMATS = {
    data.MONEY: "0.00",
    data.PERCENT: "0.0%",
    data.DATETIME: "yyyy-mm-dd hh:mm",
    data.DATE: "yyyy-mm-dd",
}

Progress = Callable[[int, str], None]


def _text_cell(sheet, value: str) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell._value = value  # bypass the setter, which would read "=…" as a formula
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _style_of(sheet, number_format: str):
    """The style array of a cell with this number format, to stamp on many cells (cheaper than the setter)."""
    template = WriteOnlyCell(sheet)
    template.number_format = number_format
    return template._style


class _Styler:
    """Turns a row of values into what the sheet writes, styling only the cells that need it.

    A styled cell is made with its column's style array already in place (``Cell(style_array=)``
    copies nine integers), instead of through the number-format setter, which looks the format
    up in the workbook for every cell: the dues register alone has 16 money cells a row.
    """

    def __init__(self, sheet, columns: list[data.Column]):
        self.sheet = sheet
        self.styles = [
            (i, _style_of(sheet, FORMATS[c.kind]))
            for i, c in enumerate(columns)
            if c.kind in (data.MONEY, data.PERCENT, data.DATETIME)
        ]
        self.texts = [i for i, c in enumerate(columns) if c.kind == data.TEXT]

    def row(self, values: tuple, *, font: Font | None = None) -> list:
        out = list(values)
        sheet = self.sheet
        for i in self.texts:
            value = out[i]
            if value and value.__class__ is str and value[0] in FORMULA_START:
                out[i] = _text_cell(sheet, value)
        for i, style in self.styles:
            value = out[i]
            if value is not None:
                out[i] = Cell(sheet, 1, 1, value, style_array=style)
        if font is not None:
            out = [self._bold(v, font) for v in out]
        return out

    def _bold(self, value, font: Font):
        cell = value if isinstance(value, Cell) else WriteOnlyCell(self.sheet, value=value)
        cell.font = font
        return cell


def _header(sheet, columns: list[data.Column]) -> list[Cell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment, cell.border = (
            HEADER_FONT,
            HEADER_FILL,
            HEADER_ALIGN,
            HEADER_BORDER,
        )
        cells.append(cell)
    return cells


def write_section(workbook: Workbook, section: data.Section, title: str) -> int:
    """One sheet: a title line, the styled header frozen below it, the rows, the totals; returns rows."""
    sheet = workbook.create_sheet(section.title)
    for n, column in enumerate(section.columns, 1):
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    sheet.freeze_panes = "C3" if len(section.columns) > 4 else "A3"
    heading = WriteOnlyCell(sheet, value=f"{title} — {section.title}")
    heading.font = TITLE_FONT
    sheet.append([heading])
    sheet.append(_header(sheet, section.columns))
    styler = _Styler(sheet, section.columns)
    count = 0
    for values in section.rows():
        sheet.append(styler.row(values))
        count += 1
    for values in section.footer():
        sheet.append(styler.row(values, font=TOTAL_FONT))
    return count


def write_workbook(scope: data.Scope, out, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the ledger workbook to ``out`` (a path or a binary file); returns rows per sheet."""
    workbook = Workbook(write_only=True)
    title = f"{scope.root.name} {scope.year}年度台账"
    sections = data.sections(scope)
    counts: dict[str, int] = {}
    for n, section in enumerate(sections):
        if progress is not None:
            progress(5 + 90 * n // len(sections), f"正在写入：{section.title}")
        counts[section.title] = write_section(workbook, section, title)
    if progress is not None:
        progress(96, "正在保存文件")
    workbook.save(out)
    return counts
