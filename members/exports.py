"""Spreadsheets built from selectors' results: no queries here, so the pages and the annual
ledger (archives) can share them."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import selectors_dues


def dues_register_workbook(org, book) -> bytes:
    """The register as an .xlsx: Chinese headers, amounts as numbers in 0.00, totals per row and column."""
    money = "0.00"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F2DCDB")
    centre = Alignment(horizontal="center", vertical="center")

    wb = Workbook()
    ws = wb.active
    ws.title = f"{book.year}年"
    headers = ["序号", "姓名", "党费类别", "月应交（元）"]
    headers += [f"{m.month}月" for m in book.months]
    headers += ["应交合计（元）", "实交合计（元）", "欠交月数"]
    width = len(headers)
    ws.append([f"{org.name} 党费收缴登记簿（{book.year}年）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = centre
    ws.append(["单位：元；“未交”为当月应交未交，空白为无须交纳或尚未到期。"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(headers)
    for cell in ws[3]:
        cell.font, cell.fill, cell.alignment, cell.border = bold, header_fill, centre, border

    for n, row in enumerate(book.rows, start=1):
        values = [n, row.member.name, row.category, row.monthly]
        for cell in row.cells:
            if cell.state in (selectors_dues.PAID, selectors_dues.SHORT):
                values.append(cell.paid)
            elif cell.state == selectors_dues.UNPAID:
                values.append("未交")
            else:
                values.append(None)
        values += [row.due_total, row.paid_total, row.unpaid_months]
        ws.append(values)
    ws.append(["合计", "", "", None, *book.month_paid, book.due_total, book.paid_total, None])
    last = ws.max_row
    money_columns = range(4, width)  # 月应交 … 实交合计; not 序号 nor 欠交月数
    for r in ws.iter_rows(min_row=4, max_row=last):
        for cell in r:
            cell.border = border
            if cell.column in money_columns and isinstance(cell.value, (int, Decimal)):
                cell.number_format = money
            if cell.value == "未交":
                cell.font = Font(color="C00000")
                cell.alignment = centre
    for cell in ws[last]:
        cell.font = bold
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 12
    for col in range(5, 5 + 12):
        ws.column_dimensions[get_column_letter(col)].width = 9
    for col in range(17, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.freeze_panes = "C4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = "3:3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
