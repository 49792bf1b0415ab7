"""The year's dues bases: one line a member, the amount computed, one POST for the branch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import DuesBase, DuesPayment, Member
from members.services import dues as services
from tests.factories import make_member

D = Decimal


def year():
    return timezone.localdate().year


def url(branch, y=None):
    return reverse("members:dues_bases", args=[branch.pk]) + f"?year={y or year()}"


def form(members, lines=None):
    """lines: member → (category, base text)."""
    data = {}
    for member in members:
        category, base = (lines or {}).get(member, ("employed", ""))
        data[f"category-{member.pk}"] = category
        data[f"base-{member.pk}"] = base
    return data


def test_secretary_sets_the_years_bases(login, secretary, roster):
    zhang, li, wang, zhao, qian, sun = roster["members"]
    party = roster["members"][:5]
    client = login(secretary)
    html = client.get(url(roster["branch"])).content.decode()
    assert all(f'data-member="{m.pk}"' in html for m in party)
    assert "孙八" not in html
    data = form(
        party,
        {
            zhang: ("employed", "6000"),
            li: ("retired", "5000.01"),
            wang: ("student", "999"),  # a base is ignored where the amount is fixed
            zhao: ("farmer", "0.8"),
        },
    )
    response = client.post(url(roster["branch"]), data)
    assert response.status_code == 302
    bases = {b.member_id: b for b in DuesBase.objects.filter(year=year())}
    assert bases[zhang.pk].monthly_amount == D("90.00")
    assert bases[li.pk].monthly_amount == D("50.00") and bases[li.pk].category == "retired"
    assert bases[wang.pk].monthly_amount == D("0.20") and bases[wang.pk].base == 0
    assert bases[zhao.pk].monthly_amount == D("0.80")
    assert qian.pk not in bases  # no base typed: not fixed yet
    # The member's category follows this year's base.
    assert Member.objects.get(pk=li.pk).dues_category == "retired"
    html = client.get(url(roster["branch"])).content.decode()
    assert "90.00 元" in html and "1人尚未核定" in html


@pytest.mark.parametrize(
    ("category", "value", "message"),
    [
        ("employed", "-100", "金额不能为负数"),
        ("employed", "3000.005", "最多保留两位小数"),
        ("employed", "三千", "请输入数字金额"),
        ("farmer", "1.01", "0.20元至1.00元"),
        ("farmer", "0.19", "0.20元至1.00元"),
        ("nonsense", "3000", "请选择党费类别"),
    ],
)
def test_bad_line_saves_nothing_and_keeps_the_input(login, secretary, roster, category, value, message):
    zhang, li = roster["members"][:2]
    data = form(roster["members"][:5], {zhang: ("employed", "4000"), li: (category, value)})
    response = login(secretary).post(url(roster["branch"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "本次未保存任何记录" in html
    assert f'value="{value}"' in html
    assert f'name="base-{zhang.pk}" value="4000"' in html
    assert not DuesBase.objects.exists()


def test_a_correction_updates_unpaid_months_of_the_year(login, secretary, roster):
    zhang = roster["members"][0]
    branch = roster["branch"]
    client = login(secretary)
    client.post(url(branch), form(roster["members"][:5], {zhang: ("employed", "3000")}))
    month = timezone.localdate().replace(day=1)
    services.dues_month_record(
        organisation=branch,
        month=month,
        entries=[services.MonthEntry(member_id=zhang.pk, paid=False)],
        paid_on=None,
    )
    assert DuesPayment.objects.get(member=zhang).amount_due == D("15.00")
    client.post(url(branch), form(roster["members"][:5], {zhang: ("employed", "8000")}))
    assert DuesBase.objects.get(member=zhang, year=year()).monthly_amount == D("120.00")
    assert DuesPayment.objects.get(member=zhang).amount_due == D("120.00")
    assert DuesBase.objects.filter(member=zhang).count() == 1  # once a year


def test_foreign_line_is_ignored_by_the_page_and_refused_by_the_service(login, secretary, roster):
    foreign = roster["foreign"]
    data = form(roster["members"][:1], {roster["members"][0]: ("employed", "4000")})
    data |= {f"category-{foreign.pk}": "employed", f"base-{foreign.pk}": "9000"}
    response = login(secretary).post(url(roster["branch"]), data)
    assert response.status_code == 302, response.content.decode()
    assert not DuesBase.objects.filter(member=foreign).exists()
    with pytest.raises(ValidationError):
        services.dues_bases_set(
            organisation=roster["branch"],
            year=year(),
            entries=[services.BaseEntry(member_id=foreign.pk, category="employed", base=D("9000"))],
        )
    assert not DuesBase.objects.filter(member=foreign).exists()


def test_reviewer_reads_but_may_not_post(login, reviewer, roster):
    client = login(reviewer)
    response = client.get(url(roster["branch"]))
    assert response.status_code == 200 and "<fieldset disabled>" in response.content.decode()
    zhang = roster["members"][0]
    assert client.post(url(roster["branch"]), form([zhang], {zhang: ("employed", "4000")})).status_code == 404
    assert not DuesBase.objects.exists()


@pytest.mark.parametrize("who", ["member_user", "outsider"])
def test_member_and_outsider_get_404(request, login, roster, who):
    client = login(request.getfixturevalue(who))
    zhang = roster["members"][0]
    assert client.get(url(roster["branch"])).status_code == 404
    assert client.post(url(roster["branch"]), form([zhang], {zhang: ("employed", "4000")})).status_code == 404
    assert not DuesBase.objects.exists()


def test_previous_years_base_is_offered(login, secretary, roster):
    zhang = roster["members"][0]
    services.dues_bases_set(
        organisation=roster["branch"],
        year=year() - 1,
        entries=[services.BaseEntry(member_id=zhang.pk, category="retired", base=D("4321.00"))],
    )
    html = login(secretary).get(url(roster["branch"])).content.decode()
    assert f'name="base-{zhang.pk}" value="4321.00"' in html
    assert f"沿用{year() - 1}年" in html


@pytest.mark.parametrize(
    ("category", "base", "shown"),
    [
        ("employed", "3000.01", "30.00 元"),
        ("retired", "5000", "25.00 元"),
        ("student", "", "0.20 元"),
        ("farmer", "2", "0.20元至1.00元"),
        ("employed", "-1", "金额不能为负数"),
        ("employed", "", "未核定"),
    ],
)
def test_amount_preview_for_htmx(login, secretary, tree, category, base, shown):
    response = login(secretary).get(
        reverse("members:dues_amount"), {"row": "7", "category-7": category, "base-7": base}
    )
    assert shown in response.content.decode()


def test_fifty_members_in_few_queries(login, secretary, tree, django_assert_max_num_queries):
    branch = tree["branch"]
    members = [make_member(branch, name=f"党员{i:02d}") for i in range(50)]
    client = login(secretary)
    data = {}
    for i, m in enumerate(members):
        data |= {f"category-{m.pk}": "employed", f"base-{m.pk}": str(2500 + 150 * i)}
    with django_assert_max_num_queries(10):
        assert client.get(url(branch)).status_code == 200
    # One more than the page: the dues table of the year (DuesRate), read once for all fifty.
    # And one for the unpaid lines of the year whose amount changes (their audit rows).
    with django_assert_max_num_queries(12):
        assert client.post(url(branch), data).status_code == 302
    assert DuesBase.objects.filter(year=year()).count() == 50


def test_a_year_out_of_range_is_refused(roster):
    with pytest.raises(ValidationError):
        services.dues_bases_set(
            organisation=roster["branch"], year=1999, entries=[], today=dt.date(2026, 1, 1)
        )
