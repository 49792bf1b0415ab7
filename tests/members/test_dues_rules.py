"""The 2008 dues table at and around each bracket edge, rounding, and who owes which month (members/dues.py).

The edge cases run twice: on the module's default table, and on the rows the data
migration seeded into the database (members.models.DuesRate) as the selector reads them.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members import dues, selectors_dues
from members.models import DuesCategory, DuesRate

D = Decimal


# The marker, rather than requesting ``db`` inside the fixture, lets pytest-django run these
# with the other database tests, before any transactional test flushes the seeded rows.
@pytest.fixture(params=["default table", pytest.param("rows from the database", marks=pytest.mark.django_db)])
def table(request):
    if request.param == "default table":
        return dues.DEFAULT_RATES
    rates = selectors_dues.dues_rates(2026)
    # Every row in force comes from the seeded table, none from the code's fallback.
    seeded = {dues.Rate(*row) for row in DuesRate.objects.values_list(*selectors_dues.RATE_FIELDS)}
    assert len(seeded) == len(rates) and set(rates) == seeded
    return rates


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("0", "0.00"),
        ("2999.99", "15.00"),  # 0.5 % of 2999.99 = 14.99995 → half up
        ("3000.00", "15.00"),  # 3000 inclusive stays at 0.5 %
        ("3000.01", "30.00"),  # 1 % of 3000.01 = 30.0001
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),  # 1.5 % of 5000.01 = 75.00015
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),  # 2 % of 10000.01 = 200.0002
        ("25000", "500.00"),
    ],
)
def test_employed_brackets(table, base, expected):
    assert dues.monthly_dues(DuesCategory.EMPLOYED, D(base), table) == D(expected)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("3000.00", "15.00"),
        ("4999.99", "25.00"),
        ("5000.00", "25.00"),  # 5000 inclusive stays at 0.5 %
        ("5000.01", "50.00"),  # 1 % above
        ("8000", "80.00"),
    ],
)
def test_retired_brackets(table, base, expected):
    assert dues.monthly_dues(DuesCategory.RETIRED, D(base), table) == D(expected)


@pytest.mark.parametrize("category", ["student", "unemployed", "subsistence"])
@pytest.mark.parametrize("base", [D("0"), D("0.00"), D("12000"), 0])
def test_fixed_categories_pay_twenty_fen(table, category, base):
    assert dues.monthly_dues(category, base, table) == D("0.20")


@pytest.mark.parametrize(
    ("amount", "expected"), [("0.20", "0.20"), ("0.5", "0.50"), ("1.00", "1.00"), ("1", "1.00")]
)
def test_farmer_pays_the_branch_amount(table, amount, expected):
    assert dues.monthly_dues("farmer", D(amount), table) == D(expected)


@pytest.mark.parametrize("amount", ["0.19", "1.01", "0", "5"])
def test_farmer_amount_outside_bounds_is_refused(table, amount):
    with pytest.raises(ValueError):
        dues.monthly_dues("farmer", D(amount), table)


@pytest.mark.parametrize(
    ("category", "base"),
    [
        ("employed", 3000.0),  # a float has lost the fen already
        ("employed", D("-0.01")),
        ("retired", -1),
        ("soldier", D("3000")),
        ("", D("1")),
        ("employed", "3000"),
        ("employed", None),
        ("employed", True),
        ("employed", D("NaN")),
        ("employed", D("Infinity")),
        ("student", D("-1")),
    ],
)
def test_invalid_input_raises_value_error(table, category, base):
    with pytest.raises(ValueError):
        dues.monthly_dues(category, base, table)


def test_rounding_is_half_up_not_bankers(table):
    # 0.5 % of 2001.00 = 10.005 → 10.01 (banker's rounding would give 10.00)
    assert dues.monthly_dues("employed", D("2001.00"), table) == D("10.01")
    # 0.5 % of 2003.00 = 10.015 → 10.02
    assert dues.monthly_dues("employed", D("2003.00"), table) == D("10.02")
    # 1.5 % of 6001.00 = 90.015 → 90.02
    assert dues.monthly_dues("employed", D("6001.00"), table) == D("90.02")
    # 0.5 % of 2000.90 = 10.0045 → 10.00 (only the third decimal counts)
    assert dues.monthly_dues("employed", D("2000.90"), table) == D("10.00")


def test_every_model_category_is_in_the_table(table):
    assert set(DuesCategory.values) == set(dues.CATEGORIES) == {r.category for r in table}


def test_the_seeded_table_is_the_default_table(db):
    assert set(selectors_dues.dues_rates(2008)) == set(dues.DEFAULT_RATES)
    assert len(selectors_dues.dues_rates(2008)) == len(dues.DEFAULT_RATES)


def test_the_old_shapes_of_the_table_still_read_2008():
    assert dues.RATE_BRACKETS["employed"][0] == (D("3000"), D("0.005"))
    assert dues.RATE_BRACKETS["retired"][-1] == (None, D("0.01"))
    fixed, farmer = dues.FIXED_AMOUNTS, dues.FARMER_RANGE
    assert fixed == {"student": D("0.20"), "unemployed": D("0.20"), "subsistence": D("0.20")}
    assert farmer == (D("0.20"), D("1.00"))


money = st.decimals(min_value=D("0"), max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False)


@given(category=st.sampled_from(sorted(dues.RATE_BRACKETS)), a=money, b=money)
def test_dues_never_decrease_as_the_base_grows(category, a, b):
    low, high = sorted((a, b))
    assert dues.monthly_dues(category, low) <= dues.monthly_dues(category, high)


@given(
    category=st.sampled_from(sorted(dues.CATEGORIES - dues.FIXED_BY_BRANCH)),
    base=st.decimals(min_value=D("0"), max_value=D("99999999.99"), allow_nan=False, allow_infinity=False),
)
def test_dues_are_never_negative_and_have_exactly_two_decimals(category, base):
    amount = dues.monthly_dues(category, base)
    assert amount >= 0
    assert amount.as_tuple().exponent == -2


@given(
    a=st.decimals(min_value=D("0.20"), max_value=D("1.00"), places=2),
    b=st.decimals(min_value=D("0.20"), max_value=D("1.00"), places=2),
)
def test_farmer_amount_is_kept_to_the_fen_and_ordered(a, b):
    low, high = sorted((a, b))
    assert dues.monthly_dues("farmer", low) <= dues.monthly_dues("farmer", high)
    assert dues.monthly_dues("farmer", a).as_tuple().exponent == -2


@given(base=st.integers(min_value=0, max_value=10**7))
def test_int_bases_are_accepted_like_decimals(base):
    assert dues.monthly_dues("employed", base) == dues.monthly_dues("employed", D(base))


# ---------------------------------------------------------------- who owes which month

M = dt.date


@pytest.mark.parametrize(
    ("admitted_on", "month", "owes"),
    [
        (M(2026, 3, 31), M(2026, 2, 1), False),
        (M(2026, 3, 31), M(2026, 3, 1), True),  # from the month of admission, even on its last day
        (M(2026, 3, 1), M(2026, 3, 1), True),
        (M(2026, 3, 15), M(2026, 4, 1), True),
        (None, M(2000, 1, 1), True),
    ],
)
def test_probationary_member_owes_from_the_admission_month(admitted_on, month, owes):
    assert (
        dues.owes_in_month(is_party_member=True, admitted_on=admitted_on, left_on=None, month=month) is owes
    )


def test_pipeline_people_owe_nothing():
    assert not dues.owes_in_month(is_party_member=False, admitted_on=None, left_on=None, month=M(2026, 3, 1))


@pytest.mark.parametrize(
    ("month", "owes"), [(M(2026, 5, 1), True), (M(2026, 6, 1), True), (M(2026, 7, 1), False)]
)
def test_member_who_left_owes_nothing_after_leaving(month, owes):
    assert (
        dues.owes_in_month(is_party_member=True, admitted_on=None, left_on=M(2026, 6, 20), month=month)
        is owes
    )


def test_month_arithmetic():
    assert dues.next_month(M(2026, 12, 1)) == M(2027, 1, 1)
    assert dues.previous_month(M(2026, 1, 1)) == M(2025, 12, 1)
    assert dues.months_between(M(2025, 11, 1), M(2026, 2, 1)) == 4
    assert dues.months_between(M(2026, 3, 1), M(2026, 2, 1)) == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"last_paid": None, "records_from": None}, 0),  # no records at all: nothing known
        ({"last_paid": None, "records_from": M(2026, 1, 1)}, 6),  # Jan–Jun
        ({"last_paid": M(2026, 6, 1), "records_from": M(2026, 1, 1)}, 0),
        ({"last_paid": M(2026, 3, 1), "records_from": M(2026, 1, 1)}, 3),  # Apr–Jun
        ({"last_paid": None, "records_from": M(2025, 1, 1), "owes_from": M(2026, 4, 9)}, 3),
        ({"last_paid": M(2025, 12, 1), "records_from": M(2026, 5, 1)}, 2),
    ],
)
def test_consecutive_unpaid_months(kwargs, expected):
    assert dues.consecutive_unpaid_months(through=M(2026, 6, 1), **kwargs) == expected
