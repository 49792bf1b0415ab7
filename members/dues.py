"""Pure rules of party dues (党费), DOMAIN §4. No ORM, no I/O, no float.

The standard is the 2008 《关于中国共产党党费收缴、使用和管理的规定》: a member on a
salary or a pension pays a percentage of the monthly after-tax income (the *base*,
fixed once a year); a farmer pays a fixed amount the branch sets between 0.20 and
1.00 元; students, the unemployed and people on subsistence allowance pay 0.20 元.
The brackets are held below as data; the functions only read them.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

EMPLOYED = "employed"
RETIRED = "retired"
FARMER = "farmer"
STUDENT = "student"
UNEMPLOYED = "unemployed"
SUBSISTENCE = "subsistence"

# Rate brackets: (upper bound of the base, inclusive — None for "and above", rate).
RATE_BRACKETS: dict[str, tuple[tuple[Decimal | None, Decimal], ...]] = {
    EMPLOYED: (
        (Decimal("3000"), Decimal("0.005")),
        (Decimal("5000"), Decimal("0.01")),
        (Decimal("10000"), Decimal("0.015")),
        (None, Decimal("0.02")),
    ),
    RETIRED: (
        (Decimal("5000"), Decimal("0.005")),
        (None, Decimal("0.01")),
    ),
}

# Categories that pay a fixed monthly amount whatever their income.
FIXED_AMOUNTS: dict[str, Decimal] = {
    STUDENT: Decimal("0.20"),
    UNEMPLOYED: Decimal("0.20"),
    SUBSISTENCE: Decimal("0.20"),
}

# A farmer's amount is fixed by the branch within these bounds (inclusive); it is passed as the base.
FARMER_RANGE = (Decimal("0.20"), Decimal("1.00"))
FIXED_BY_BRANCH = frozenset({FARMER})

CATEGORIES = frozenset(RATE_BRACKETS) | frozenset(FIXED_AMOUNTS) | FIXED_BY_BRANCH

# DOMAIN §2: six consecutive months without dues, without a valid reason → 自行脱党 review.
ARREARS_FLAG_MONTHS = 6

# The largest amount a DecimalField(max_digits=10, decimal_places=2) holds.
MAX_AMOUNT = Decimal("99999999.99")


def to_cents(value: Decimal) -> Decimal:
    """Round to the fen (0.01 元), half up, as the 2008 rules and every cashbook do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_base(base) -> Decimal:
    # bool is an int; a float has already lost the fen it was meant to carry.
    if isinstance(base, bool) or not isinstance(base, (Decimal, int)):
        raise ValueError(f"base must be a Decimal or an int, not {type(base).__name__}")
    base = Decimal(base)
    if not base.is_finite():
        raise ValueError("base must be a finite number")
    if base < 0:
        raise ValueError("base must not be negative")
    return base


def needs_base(category: str) -> bool:
    """Does the amount depend on a figure the secretary enters (a salary, or a farmer's fixed amount)?"""
    return category in RATE_BRACKETS or category in FIXED_BY_BRANCH


def rate_for(category: str, base: Decimal) -> Decimal:
    """The percentage that applies to ``base`` in a salary or pension category."""
    for upper, rate in RATE_BRACKETS[category]:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("the last bracket has no upper bound")  # pragma: no cover


def monthly_dues(category: str, base) -> Decimal:
    """The monthly dues in 元, to the fen, for a member of ``category`` with monthly ``base``.

    For a farmer, ``base`` is the fixed amount the branch set (0.20–1.00 元); for
    students, the unemployed and people on subsistence allowance it is ignored.
    Raises ValueError on an unknown category, a negative or non-Decimal base, or a
    farmer's amount outside its bounds.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown dues category: {category!r}")
    base = _check_base(base)
    if category in FIXED_AMOUNTS:
        return FIXED_AMOUNTS[category]
    if category in FIXED_BY_BRANCH:
        low, high = FARMER_RANGE
        if not low <= base <= high:
            raise ValueError(f"a farmer's fixed amount must lie between {low} and {high}")
        return to_cents(base)
    return to_cents(base * rate_for(category, base))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months from ``first``'s month to ``last``'s month, both included (0 if none)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def owes_in_month(
    *, is_party_member: bool, admitted_on: dt.date | None, left_on: dt.date | None, month: dt.date
) -> bool:
    """Does a person owe dues for ``month``?

    Only party members (正式党员 and 预备党员) pay; a probationary member pays from the
    month of admission; a member who left pays for the month of leaving and not after.
    """
    if not is_party_member:
        return False
    if admitted_on is not None and month_start(admitted_on) > month:
        return False
    return left_on is None or month <= month_start(left_on)


def consecutive_unpaid_months(
    *,
    through: dt.date,
    last_paid: dt.date | None,
    owes_from: dt.date | None = None,
    records_from: dt.date | None = None,
) -> int:
    """Consecutive months without dues, counted back from ``through`` (a month, included).

    The run stops at the last paid month, at the month the member started owing
    (admission), and at ``records_from``: months before the branch kept any dues
    records in the portal are unknown, not unpaid.
    """
    if records_from is None:
        return 0
    starts = [month_start(d) for d in (owes_from, records_from) if d is not None]
    if last_paid is not None:
        starts.append(next_month(month_start(last_paid)))
    return months_between(max(starts), month_start(through))
