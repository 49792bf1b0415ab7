"""The yearly register (党费收缴登记簿): members × 12 months with totals, on the page and as .xlsx."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members import selectors_dues
from members.models import Member
from members.services import dues as services
from tests.factories import make_member

D = Decimal
YEAR = 2025  # a whole past year: every month has begun


def record(branch, month, paid: dict):
    """paid: member → amount (None: owed, unpaid)."""
    rows = selectors_dues.month_rows(Member.objects.filter(organisation=branch), month)
    services.dues_month_record(
        organisation=branch,
        month=month,
        entries=[
            services.MonthEntry(
                member_id=r.member.pk,
                paid=paid.get(r.member) is not None,
                amount_paid=paid.get(r.member),
                receipt_no=f"R{month:%m}",
            )
            for r in rows
            if r.member in paid
        ],
        paid_on=month.replace(day=15),
    )


@pytest.fixture
def book(roster):
    """2025: 张三 30.00 a month pays all year (100.00 in March); 李四 15.00 pays Jan–Jun;
    钱七 is admitted on 2026-01-10, so owes nothing in 2025; 王五 and 赵六 are never recorded."""
    zhang, li, wang, zhao, qian, _ = roster["members"]
    services.dues_bases_set(
        organisation=roster["branch"],
        year=YEAR,
        entries=[
            services.BaseEntry(member_id=zhang.pk, category="employed", base=D("3000.01")),
            services.BaseEntry(member_id=li.pk, category="employed", base=D("3000.00")),
            services.BaseEntry(member_id=wang.pk, category="student"),
            services.BaseEntry(member_id=zhao.pk, category="farmer", base=D("0.50")),
        ],
        today=dt.date(YEAR, 12, 31),
    )
    for m in range(1, 13):
        month = dt.date(YEAR, m, 1)
        paid = {zhang: D("100.00") if m == 3 else D("30.00"), li: D("15.00") if m <= 6 else None}
        record(roster["branch"], month, paid)
    return roster


def test_register_cells_and_totals(secretary, book):
    zhang, li, wang, zhao, qian, sun = book["members"]
    reg = selectors_dues.register(secretary, book["branch"], YEAR, today=timezone.localdate())
    rows = {r.member: r for r in reg.rows}
    assert set(rows) == {zhang, li, wang, zhao}  # 钱七 owed nothing in 2025, 孙八 is an activist
    assert rows[zhang].paid_total == D("430.00")  # 11 × 30 + 100
    assert rows[zhang].due_total == D("360.00")
    assert rows[li].paid_total == D("90.00")
    assert rows[li].unpaid_months == 6
    assert [c.state for c in rows[li].cells[5:8]] == ["paid", "unpaid", "unpaid"]
    assert rows[wang].due_total == D("2.40") and rows[wang].paid_total == 0
    assert rows[zhao].cells[0].due == D("0.50")
    assert reg.month_paid[2] == D("115.00")
    assert reg.month_paid[0] == D("45.00")
    assert reg.paid_total == D("520.00")
    assert reg.due_total == D("360.00") + D("180.00") + D("2.40") + D("6.00")


def test_months_before_admission_are_not_owed(secretary, roster):
    qian = roster["members"][4]  # admitted 2026-01-10
    reg = selectors_dues.register(secretary, roster["branch"], 2026, today=dt.date(2026, 12, 31))
    row = next(r for r in reg.rows if r.member == qian)
    assert row.cells[0].state == "unpaid"
    reg = selectors_dues.register(secretary, roster["branch"], 2026, today=dt.date(2026, 3, 15))
    row = next(r for r in reg.rows if r.member == qian)
    assert [c.state for c in row.cells[:4]] == ["unpaid", "unpaid", "unpaid", "future"]


def test_a_short_payment_is_marked(secretary, book):
    zhang = book["members"][0]
    record(book["branch"], dt.date(YEAR, 4, 1), {zhang: D("10.00")})
    reg = selectors_dues.register(secretary, book["branch"], YEAR, today=timezone.localdate())
    assert next(r for r in reg.rows if r.member == zhang).cells[3].state == "short"


def url(branch, name="members:dues_register"):
    return reverse(name, args=[branch.pk]) + f"?year={YEAR}"


def test_page_shows_the_register(login, secretary, book):
    response = login(secretary).get(url(book["branch"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "党费收缴登记簿" in html
    assert 'data-testid="register-total">520.00<' in html
    assert html.count("未交") >= 6 + 12 + 12


def test_reviewer_reads_the_register(login, reviewer, book):
    assert login(reviewer).get(url(book["branch"])).status_code == 200
    assert login(reviewer).get(url(book["branch"], "members:dues_register_xlsx")).status_code == 200


@pytest.mark.parametrize("who", ["member_user", "outsider"])
@pytest.mark.parametrize("name", ["members:dues_register", "members:dues_register_xlsx"])
def test_member_and_outsider_get_404(request, login, book, who, name):
    assert login(request.getfixturevalue(who)).get(url(book["branch"], name)).status_code == 404


def test_bad_year_falls_back_to_this_year(login, secretary, book):
    response = login(secretary).get(reverse("members:dues_register", args=[book["branch"].pk]) + "?year=abc")
    assert f"{timezone.localdate().year}年" in response.content.decode()


def test_xlsx_reads_back_with_numbers_and_totals(login, secretary, book):
    response = login(secretary).get(url(book["branch"], "members:dues_register_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    assert ws.title == f"{YEAR}年"
    assert "党费收缴登记簿" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert header[:4] == ["序号", "姓名", "党费类别", "月应交（元）"]
    assert header[4:16] == [f"{m}月" for m in range(1, 13)]
    assert header[16:] == ["应交合计（元）", "实交合计（元）", "欠交月数"]
    by_name = {row[1].value: row for row in ws.iter_rows(min_row=4) if row[1].value}
    zhang = by_name["张三"]
    assert zhang[3].value == 30 and zhang[3].number_format == "0.00"
    assert zhang[6].value == 100 and zhang[6].data_type == "n" and zhang[6].number_format == "0.00"
    assert zhang[17].value == 430 and zhang[17].number_format == "0.00"
    li = by_name["李四"]
    assert li[10].value == "未交"
    assert li[18].value == 6
    total = next(row for row in ws.iter_rows(min_row=4) if row[0].value == "合计")
    assert total[4].value == 45 and total[4].number_format == "0.00"
    assert total[17].value == 520
    assert sum(D(str(r[17].value)) for r in by_name.values()) == D("520.00")
    months_total = sum(D(str(c.value)) for c in total[4:16])
    assert months_total == D("520.00")


def test_register_of_fifty_members_in_few_queries(login, secretary, tree, django_assert_max_num_queries):
    branch = tree["branch"]
    members = [make_member(branch, name=f"党员{i:02d}") for i in range(50)]
    services.dues_bases_set(
        organisation=branch,
        year=YEAR,
        entries=[services.BaseEntry(member_id=m.pk, category="student") for m in members],
        today=dt.date(YEAR, 6, 1),
    )
    for m in range(1, 13):
        record(branch, dt.date(YEAR, m, 1), {x: D("0.20") for x in members[m:]})
    client = login(secretary)
    with django_assert_max_num_queries(10):
        assert client.get(url(branch)).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url(branch, "members:dues_register_xlsx")).status_code == 200
