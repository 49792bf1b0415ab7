"""The ledger workbook read back with openpyxl: every sheet, the rows the year holds, the totals, the formats."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from archives import excel
from archives import ledger_data as data
from tests.archives.conftest import FORMULA_TOPIC, FORMULA_UNIT, YEAR

SHEETS = [
    "概况",
    "党员花名册",
    "三会一课",
    "出勤明细",
    "党费收缴登记簿",
    "发展党员",
    "组织关系转接",
    "星级评定",
    "整改台账",
]
HEAD = 2  # a title line and the header row


def _book(org, tmp_path, year=YEAR):
    out = tmp_path / "ledger.xlsx"
    counts = excel.write_workbook(data.scope_for(org, year), out)
    return load_workbook(out), counts, out


def _rows(sheet):
    return list(sheet.iter_rows(min_row=HEAD + 1, values_only=True))


def _column(sheet, header):
    headers = [c.value for c in sheet[HEAD]]
    return headers.index(header)


def test_every_section_is_a_sheet_in_order_with_a_styled_frozen_header(ledger_year, tmp_path):
    book, counts, _ = _book(ledger_year["branch"], tmp_path)
    assert book.sheetnames == SHEETS == data.SECTION_TITLES
    assert list(counts) == SHEETS
    for sheet in book.worksheets:
        assert sheet["A1"].value == f"东村党支部 {YEAR}年度台账 — {sheet.title}"
        header = sheet[HEAD]
        assert all(cell.font.bold for cell in header)
        assert header[0].fill.fgColor.rgb.endswith("B71C1C")
        assert sheet.freeze_panes in ("A3", "C3")
        assert sheet.column_dimensions["A"].width > 5


def test_the_roster_holds_who_was_a_member_during_the_year(ledger_year, tmp_path):
    book, counts, _ = _book(ledger_year["branch"], tmp_path)
    rows = _rows(book["党员花名册"])
    names = {r[1]: r for r in rows}
    # Left on 30 June 2025: in; left on 31 Dec 2024: out; admitted in 2026: out; an applicant: out.
    assert set(names) == {"张三", "李四", "王五"}
    assert counts["党员花名册"] == 3
    assert names["王五"][-1] == "2025-06-30离开"
    assert names["张三"][-1] == "在册"
    assert names["张三"][7] == dt.datetime(2015, 7, 1)  # 入党日期 read back as a date


def test_meetings_of_the_year_only_counted_ones_with_attendance_counts(ledger_year, tmp_path):
    book, _, _ = _book(ledger_year["branch"], tmp_path)
    sheet = book["三会一课"]
    rows = _rows(sheet)
    # 00:00 on 1 Jan and 23:00 on 31 Dec (Beijing time) are in; 23:00 on 31 Dec 2024 and the draft are not.
    assert sorted(r[3] for r in rows) == sorted([FORMULA_TOPIC, "学习贯彻全会精神", "年终党课"])
    first = next(r for r in rows if r[3] == FORMULA_TOPIC)
    expected, present, leave, absent = (first[_column(sheet, h)] for h in ("应到", "实到", "请假", "缺席"))
    assert (leave, absent) == (1, 0) and present == expected - 1
    assert first[_column(sheet, "开始时间")] == dt.datetime(2025, 1, 1, 0, 0)
    rate = sheet.cell(row=HEAD + 1 + rows.index(first), column=_column(sheet, "出席率") + 1)
    assert rate.number_format == "0.0%" and rate.value == pytest.approx(present / expected)


def test_attendance_detail_lists_each_member_at_each_meeting(ledger_year, tmp_path):
    from meetings.models import Attendance

    book, counts, _ = _book(ledger_year["branch"], tmp_path)
    rows = _rows(book["出勤明细"])
    topics = {FORMULA_TOPIC, "学习贯彻全会精神", "年终党课"}
    expected = Attendance.objects.filter(meeting__topic__in=topics, meeting__status="submitted").count()
    assert counts["出勤明细"] == len(rows) == expected > 0
    leave = [r for r in rows if r[5] == "请假"]
    assert [(r[4], r[6]) for r in leave] == [("李四", "出差")]
    assert {r[1] for r in rows} == {
        dt.datetime(2025, 1, 1),
        dt.datetime(2025, 6, 10),
        dt.datetime(2025, 12, 31),
    }


def test_dues_register_members_by_month_with_totals(ledger_year, tmp_path):
    book, counts, _ = _book(ledger_year["branch"], tmp_path)
    sheet = book["党费收缴登记簿"]
    rows = _rows(sheet)
    assert counts["党费收缴登记簿"] == 2  # members; the totals line comes after them
    by_name = {r[1]: r for r in rows}
    zhang, li, total = by_name["张三"], by_name["李四"], rows[-1]
    assert zhang[4:16] == (10,) * 12 and zhang[16:] == (120, 120, 0)
    assert li[4:10] == (10,) * 6 and li[10:16] == (0,) * 6 and li[16:] == (120, 60, 60)
    assert total[0] == "合计" and total[16:] == (240, 180, 60)
    assert total[4:16] == (20,) * 6 + (10,) * 6
    money = sheet.cell(row=HEAD + 1, column=17)
    assert money.number_format == "0.00" and money.data_type == "n"
    assert sheet.cell(row=HEAD + 3, column=17).font.bold  # the totals line


def test_development_transfers_ratings_and_rectification(ledger_year, tmp_path):
    book, counts, _ = _book(ledger_year["branch"], tmp_path)
    development = _rows(book["发展党员"])
    # Recorded on 2 Feb (by the service) and 1 Aug 2025; the step of 31 Dec 2024 belongs to last year.
    assert [(r[1], r[2], r[3]) for r in development] == [
        ("孙八", "入党申请人", dt.datetime(2025, 2, 1)),
        ("孙八", "入党积极分子", dt.datetime(2025, 8, 1)),
    ]
    transfers = _rows(book["组织关系转接"])
    assert [(r[1], r[3], r[4], r[5]) for r in transfers] == [("王五", "东村党支部", "西村党支部", "转字001")]
    ratings = _rows(book["星级评定"])
    assert ratings == [("东村党支部", "已命名", 68.5, 66, 2, 2, dt.datetime(2026, 1, 10), "县组〔2026〕1号")]
    items = _rows(book["整改台账"])
    assert [(r[2], r[3], r[6]) for r in items] == [("-三会一课不经常", "@每月按时召开", "整改中")]


def test_formula_like_text_is_text_not_a_formula(ledger_year, tmp_path):
    book, _, path = _book(ledger_year["branch"], tmp_path)
    cells = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows(min_row=HEAD + 1)
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=+-@"
    ]
    assert {c.value for c in cells} >= {FORMULA_UNIT, FORMULA_TOPIC, "-三会一课不经常", "@每月按时召开"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_a_year_without_records_has_every_sheet_and_no_rows(ledger_year, tmp_path):
    book, counts, _ = _book(ledger_year["branch"], tmp_path, year=2019)
    assert book.sheetnames == SHEETS
    assert counts["三会一课"] == counts["党费收缴登记簿"] == counts["发展党员"] == 0
    assert _rows(book["党费收缴登记簿"]) == [("合计", None, None, None, *([0] * 12), 0, 0, 0)]
    assert _rows(book["星级评定"]) == [("东村党支部", "未参加评定", None, None, None, None, None, None)]


def test_a_subtree_has_one_summary_row_per_branch_and_every_branch_rows(ledger_year, tree, tmp_path):
    book, counts, _ = _book(tree["county"], tmp_path)
    overview = _rows(book["概况"])
    assert [r[0] for r in overview] == ["东村党支部", "西村党支部", "发电党支部"]  # tree order, no committees
    assert [r[0] for r in _rows(book["星级评定"])] == ["东村党支部", "西村党支部", "发电党支部"]
    roster = _rows(book["党员花名册"])
    assert {r[1] for r in roster} == {"张三", "李四", "王五", "周九"}
    assert {r[0] for r in roster if r[1] == "周九"} == {"西村党支部"}
    # The town committee's ledger leaves out the sibling committee's branch.
    town, _, _ = _book(tree["town"], tmp_path)
    assert [r[0] for r in _rows(town["概况"])] == ["东村党支部", "西村党支部"]


def test_money_is_written_from_decimals_without_float_drift(ledger_year, tmp_path):
    from members.models import DuesPayment

    DuesPayment.objects.filter(member=ledger_year["members"]["zhang"]).update(
        amount_due=Decimal("0.10"), amount_paid=Decimal("0.10")
    )
    book, _, _ = _book(ledger_year["branch"], tmp_path)
    zhang = next(r for r in _rows(book["党费收缴登记簿"]) if r[1] == "张三")
    assert zhang[16] == pytest.approx(1.2, abs=1e-9)  # 12 × 0.10 summed as Decimal


def test_section_queries_do_not_grow_with_the_number_of_branches(
    ledger_year, tree, tmp_path, django_assert_max_num_queries
):
    from tests.factories import make_member, make_org

    scope_small = data.scope_for(tree["county"], YEAR)
    with django_assert_max_num_queries(40) as small:
        excel.write_workbook(scope_small, tmp_path / "a.xlsx")
    for n in range(6):
        extra = make_org(tree["town"], name=f"新支部{n}", sector="village")
        make_member(extra, name=f"新党员{n}")
    scope_big = data.scope_for(tree["county"], YEAR)
    with django_assert_max_num_queries(40) as big:
        excel.write_workbook(scope_big, tmp_path / "b.xlsx")
    assert len(big.captured_queries) == len(small.captured_queries)


def test_the_pdf_form_of_attendance_is_a_line_per_meeting_with_the_names(ledger_year):
    rows = list(data.attendance_by_meeting_rows(data.branch_scope(ledger_year["branch"], YEAR)))
    assert [r[3] for r in rows] == [FORMULA_TOPIC, "学习贯彻全会精神", "年终党课"]
    first, second, last = rows
    assert first[5] == "李四（出差）" and "李四" not in first[4] and "张三" in first[4]
    assert second[6] == "李四" and second[5] == ""
    assert "李四" in last[4] and last[5] == last[6] == ""
