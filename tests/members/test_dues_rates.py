"""The dues table as data (党费交纳标准, members.models.DuesRate): versions by year, an admin's
later standard, rows the database refuses, and the admin pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from members import dues, selectors_dues
from members.models import DuesBase, DuesRate, Member
from members.services import dues as services
from tests.factories import make_member

D = Decimal


def standard_2020():
    """A later standard an admin enters: employed 0.6 % up to 4000, 1.2 % up to 8000, 2 % above;
    students 0.30 元; farmers 0.50–2.00 元. The other categories keep 2008."""
    DuesRate.objects.bulk_create(
        [
            DuesRate(year=2020, category="employed", upper=D("4000"), percent=D("0.6")),
            DuesRate(year=2020, category="employed", upper=D("8000"), percent=D("1.2")),
            DuesRate(year=2020, category="employed", percent=D("2")),
            DuesRate(year=2020, category="student", amount=D("0.30")),
            DuesRate(year=2020, category="farmer", min_amount=D("0.50"), max_amount=D("2.00")),
        ]
    )


# ---------------------------------------------------------------- which rows are in force (pure)

R = dues.Rate


def test_each_category_takes_its_latest_complete_year():
    rows = [
        *dues.DEFAULT_RATES,
        R(2020, "employed", upper=D("4000"), percent=D("0.6")),
        R(2020, "employed", percent=D("2")),
        R(2022, "employed", upper=D("5000"), percent=D("0.7")),  # being prepared: no top bracket yet
        R(2030, "student", amount=D("0.50")),
    ]
    assert dues.brackets("employed", dues.rates_in_force(rows, 2019)) == dues.brackets("employed")
    in_2023 = dues.rates_in_force(rows, 2023)
    assert dues.brackets("employed", in_2023) == ((D("4000"), D("0.6")), (None, D("2")))
    assert dues.fixed_amount("student", in_2023) == D("0.20")
    assert dues.fixed_amount("student", dues.rates_in_force(rows, 2030)) == D("0.50")
    assert dues.brackets("retired", in_2023) == dues.brackets("retired")


def test_categories_without_rows_take_the_2008_defaults():
    rows = [R(2020, "employed", percent=D("3"))]
    rates = dues.rates_in_force(rows, 2021)
    assert dues.monthly_dues("employed", D("1000"), rates) == D("30.00")
    assert dues.monthly_dues("retired", D("6000"), rates) == D("60.00")
    assert dues.rates_in_force([], 2026) == dues.rates_in_force(dues.DEFAULT_RATES, 2026)


# ---------------------------------------------------------------- an admin's later standard


def test_a_later_standard_changes_that_year_and_not_earlier_years(tree):
    branch = tree["branch"]
    member = make_member(branch, name="甲")
    standard_2020()
    for year in (2021, 2020, 2019):
        services.dues_bases_set(
            organisation=branch, year=year, entries=[services.BaseEntry(member.pk, "employed", D("4000"))]
        )
    amounts = dict(DuesBase.objects.filter(member=member).values_list("year", "monthly_amount"))
    # 2008: 1 % of 4000; 2020 on: 0.6 %.
    assert amounts == {2019: D("40.00"), 2020: D("24.00"), 2021: D("24.00")}


def test_selector_reads_the_year_in_force(db):
    standard_2020()
    assert dues.monthly_dues("employed", D("4000"), selectors_dues.dues_rates(2019)) == D("40.00")
    assert dues.monthly_dues("employed", D("4000"), selectors_dues.dues_rates(2020)) == D("24.00")
    assert dues.monthly_dues("employed", D("4000"), selectors_dues.dues_rates(2035)) == D("24.00")
    assert dues.monthly_dues("retired", D("6000"), selectors_dues.dues_rates(2020)) == D("60.00")


def test_the_farmer_range_follows_the_year(tree):
    branch = tree["branch"]
    member = make_member(branch, name="乙", dues_category="farmer")
    standard_2020()
    assert services.base_error("farmer", D("1.50"), selectors_dues.dues_rates(2020)) is None
    assert "0.20元至1.00元" in services.base_error("farmer", D("1.50"), selectors_dues.dues_rates(2019))
    services.dues_bases_set(
        organisation=branch, year=2020, entries=[services.BaseEntry(member.pk, "farmer", D("1.50"))]
    )
    with pytest.raises(ValidationError):
        services.dues_bases_set(
            organisation=branch, year=2019, entries=[services.BaseEntry(member.pk, "farmer", D("1.50"))]
        )
    assert DuesBase.objects.get(member=member).monthly_amount == D("1.50")


def test_a_students_amount_without_a_base_follows_the_year(tree):
    branch = tree["branch"]
    make_member(branch, name="丙", dues_category="student")
    standard_2020()
    scope = Member.objects.filter(organisation=branch)
    assert [r.due for r in selectors_dues.month_rows(scope, dt.date(2019, 12, 1))] == [D("0.20")]
    assert [r.due for r in selectors_dues.month_rows(scope, dt.date(2020, 1, 1))] == [D("0.30")]


def test_a_year_being_prepared_is_not_in_force(db):
    # An admin has entered only the lowest bracket of 2027: 2008 still applies.
    DuesRate.objects.create(year=2027, category="employed", upper=D("3000"), percent=D("0.1"))
    assert dues.brackets("employed", selectors_dues.dues_rates(2027)) == dues.brackets("employed")
    DuesRate.objects.create(year=2027, category="employed", percent=D("1"))
    assert dues.brackets("employed", selectors_dues.dues_rates(2027)) == (
        (D("3000"), D("0.1")),
        (None, D("1")),
    )


def test_the_table_is_read_in_one_query(db, django_assert_num_queries):
    standard_2020()
    with django_assert_num_queries(1):
        selectors_dues.dues_rates(2026)
    load = selectors_dues.rates_loader(2026)
    with django_assert_num_queries(1):
        assert load() is load()


# ---------------------------------------------------------------- rows the database refuses


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "employed", "percent": D("1"), "amount": D("1")},  # both a rate and an amount
        {"category": "employed"},  # neither
        {"category": "farmer"},  # neither, for a farmer either
        {"category": "student", "amount": D("0.2"), "min_amount": D("0.1"), "max_amount": D("1")},
        {"category": "student", "percent": D("1")},  # a fixed category with a rate
        {
            "category": "employed",
            "min_amount": D("0.2"),
            "max_amount": D("1"),
        },  # a rate category with a range
        {"category": "farmer", "amount": D("0.5")},  # the farmer's amount is the branch's, within a range
        {"category": "student", "amount": D("0.2"), "upper": D("1000")},  # a bound on a fixed amount
        {"category": "employed", "percent": D("1"), "upper": D("0")},
        {"category": "employed", "percent": D("0")},
        {"category": "employed", "percent": D("100.5")},
        {"category": "student", "amount": D("-0.01")},
        {"category": "farmer", "min_amount": D("1.00"), "max_amount": D("0.50")},
        {"category": "soldier", "amount": D("1")},
    ],
)
def test_the_database_refuses_a_bad_row(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesRate.objects.create(year=2030, **fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "employed", "percent": D("1.8")},  # a second top bracket
        {"category": "employed", "upper": D("3000"), "percent": D("0.4")},  # a second bracket at 3000
        {"category": "student", "amount": D("0.30")},  # a second amount
    ],
)
def test_a_year_has_one_row_per_bracket(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesRate.objects.create(year=2008, **fields)


def test_full_clean_says_what_is_wrong_in_chinese(db):
    with pytest.raises(ValidationError, match="三者须填且只填一项"):
        DuesRate(year=2030, category="employed", percent=D("1"), amount=D("1")).full_clean()
    with pytest.raises(ValidationError, match="已有无上限的记录"):
        DuesRate(year=2008, category="employed", percent=D("3")).full_clean()


def test_rows_read_as_people_say_them(db):
    rows = {str(r) for r in DuesRate.objects.filter(year=2008)}
    assert "2008年起 在职 ≤3000.00元 0.5%" in rows
    assert "2008年起 在职 最高一档 2%" in rows
    assert "2008年起 学生 每月0.20元" in rows
    assert "2008年起 农民 每月0.20—1.00元" in rows


# ---------------------------------------------------------------- the admin pages


def test_every_members_model_is_in_the_admin():
    for model in apps.get_app_config("members").get_models():
        if model.__name__.startswith("Historical"):
            continue  # the audit trail's tables: read on each record's 修改记录 page
        assert admin.site.is_registered(model), model


def test_admin_adds_a_later_years_row(login, admin_user):
    client = login(admin_user)
    assert client.get(reverse("admin:members_duesrate_changelist")).status_code == 200
    response = client.post(
        reverse("admin:members_duesrate_add"),
        {"year": "2027", "category": "student", "amount": "0.30"},
    )
    assert response.status_code == 302
    assert dues.fixed_amount("student", selectors_dues.dues_rates(2027)) == D("0.30")
    assert dues.fixed_amount("student", selectors_dues.dues_rates(2026)) == D("0.20")


def test_admin_form_refuses_a_row_of_two_kinds(login, admin_user):
    response = login(admin_user).post(
        reverse("admin:members_duesrate_add"),
        {"year": "2027", "category": "student", "amount": "0.30", "percent": "1"},
    )
    assert response.status_code == 200
    assert "三者须填且只填一项" in response.content.decode()
    assert not DuesRate.objects.filter(year=2027).exists()


def test_a_standard_in_force_cannot_be_deleted(login, admin_user):
    client = login(admin_user)
    seeded = DuesRate.objects.filter(year=2008).first()
    assert client.get(reverse("admin:members_duesrate_delete", args=[seeded.pk])).status_code == 403
    future = DuesRate.objects.create(year=2099, category="student", amount=D("1.00"))
    assert (
        client.post(reverse("admin:members_duesrate_delete", args=[future.pk]), {"post": "yes"}).status_code
        == 302
    )
    assert not DuesRate.objects.filter(pk=future.pk).exists()


def test_amount_preview_uses_the_years_table(login, secretary, roster):
    """The live amount beside a base on the bases page follows the table in force in that year."""
    from decimal import Decimal

    from django.urls import reverse

    from members.models import DuesRate

    DuesRate.objects.filter(category="student").update(year=2008)
    DuesRate.objects.create(year=2030, category="student", amount=Decimal("0.50"))
    client = login(secretary)
    url = reverse("members:dues_amount")
    assert (
        "0.20 元" in client.get(url, {"row": "1", "category-1": "student", "year": "2026"}).content.decode()
    )
    assert (
        "0.50 元" in client.get(url, {"row": "1", "category-1": "student", "year": "2030"}).content.decode()
    )
