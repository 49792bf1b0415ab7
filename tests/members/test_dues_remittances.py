"""Remittance (上缴) of dues to the higher committee: month range, total, voucher number, date."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import Remittance
from members.services import dues as services

D = Decimal


def url(branch):
    return reverse("members:remittances", args=[branch.pk])


def data(**overrides):
    values = {
        "month_from": "2026-01",
        "month_to": "2026-03",
        "total": "612.40",
        "voucher_no": "QS2026-001",
        "remitted_on": "2026-04-10",
    }
    return values | overrides


def test_secretary_records_a_remittance(login, secretary, roster):
    client = login(secretary)
    assert client.get(url(roster["branch"])).status_code == 200
    response = client.post(url(roster["branch"]), data())
    assert response.status_code == 302
    remittance = Remittance.objects.get()
    assert remittance.month_from == dt.date(2026, 1, 1) and remittance.month_to == dt.date(2026, 3, 1)
    assert remittance.total == D("612.40")
    assert remittance.voucher_no == "QS2026-001"
    assert remittance.recorded_by == secretary
    html = client.get(url(roster["branch"])).content.decode()
    assert "QS2026-001" in html and "612.40" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"month_to": "2025-12"}, "截止月份不能早于起始月份"),
        ({"total": "0"}, "上缴金额应大于0"),
        ({"total": "-3"}, "上缴金额应大于0"),
        ({"total": "12.345"}, "最多保留两位小数"),
        ({"total": "abc"}, "请输入数字金额"),
        ({"voucher_no": ""}, "请填写单据编号"),
        ({"month_from": "2026/13"}, "请按“年-月”填写月份"),
        ({"remitted_on": "2999-01-01"}, "上缴日期不能晚于今天"),
        ({"month_to": "2999-01"}, "不能上缴未来月份"),
    ],
)
def test_bad_input_is_refused_with_a_message(login, secretary, roster, overrides, message):
    response = login(secretary).post(url(roster["branch"]), data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Remittance.objects.exists()


def test_overlapping_periods_are_refused(roster):
    services.remittance_record(
        organisation=roster["branch"],
        month_from=dt.date(2026, 1, 1),
        month_to=dt.date(2026, 3, 1),
        total=D("10.00"),
        voucher_no="A",
        remitted_on=dt.date(2026, 4, 1),
    )
    with pytest.raises(ValidationError, match="重叠"):
        services.remittance_record(
            organisation=roster["branch"],
            month_from=dt.date(2026, 3, 1),
            month_to=dt.date(2026, 5, 1),
            total=D("10.00"),
            voucher_no="B",
            remitted_on=dt.date(2026, 6, 1),
        )
    assert Remittance.objects.count() == 1


def test_reviewer_reads_but_may_not_post(login, reviewer, roster):
    client = login(reviewer)
    response = client.get(url(roster["branch"]))
    assert response.status_code == 200
    assert "remittance-form" not in response.content.decode()
    assert client.post(url(roster["branch"]), data()).status_code == 404
    assert not Remittance.objects.exists()


@pytest.mark.parametrize("who", ["member_user", "outsider"])
def test_member_and_outsider_get_404(request, login, roster, who):
    client = login(request.getfixturevalue(who))
    assert client.get(url(roster["branch"])).status_code == 404
    assert client.post(url(roster["branch"]), data()).status_code == 404
    assert not Remittance.objects.exists()


def test_form_is_prefilled_with_what_was_collected(login, secretary, roster):
    from members.services.dues import BaseEntry, MonthEntry, dues_bases_set, dues_month_record

    zhang = roster["members"][0]
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    dues_bases_set(
        organisation=roster["branch"],
        year=last_month.year,
        entries=[BaseEntry(member_id=zhang.pk, category="employed", base=D("4000"))],
    )
    dues_month_record(
        organisation=roster["branch"],
        month=last_month,
        entries=[MonthEntry(member_id=zhang.pk, paid=True, amount_paid=D("40.10"))],
        paid_on=last_month,
    )
    html = login(secretary).get(url(roster["branch"])).content.decode()
    assert 'value="40.10"' in html
    assert f'value="{last_month:%Y-%m}"' in html
