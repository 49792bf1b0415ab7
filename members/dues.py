"""Pure rules of party dues (党费), DOMAIN §4. No ORM, no I/O, no float.

The standard is the 2008 《关于中国共产党党费收缴、使用和管理的规定》: a member on a
salary or a pension pays a percentage of the monthly after-tax income (the *base*,
fixed once a year); a farmer pays a fixed amount the branch sets between 0.20 and
1.00 元; students, the unemployed and people on subsistence allowance pay 0.20 元.
The figures are data: the database holds them by year (members.models.DuesRate, seeded
with this 2008 table, editable by admins) and callers pass the rows in force as plain
``Rate`` values; without rows the 2008 table below applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

EMPLOYED = "employed"
RETIRED = "retired"
FARMER = "farmer"
STUDENT = "student"
UNEMPLOYED = "unemployed"
SUBSISTENCE = "subsistence"

# How each category's amount is fixed. The kind of a category is structural (forms and pages
# depend on it, and the database refuses a row of the wrong kind); its figures are data.
RATE_CATEGORIES = frozenset({EMPLOYED, RETIRED})  # a percentage of the base, by bracket
FIXED_CATEGORIES = frozenset({STUDENT, UNEMPLOYED, SUBSISTENCE})  # a fixed monthly amount
FIXED_BY_BRANCH = frozenset({FARMER})  # an amount the branch fixes within a range; passed as the base

CATEGORIES = RATE_CATEGORIES | FIXED_CATEGORIES | FIXED_BY_BRANCH


@dataclass(frozen=True)
class Rate:
    """One row of the dues table (members.models.DuesRate as plain values).

    Exactly one of: ``percent`` (a salary or pension bracket, the base up to and including
    ``upper``; ``upper`` None for "and above"), ``amount`` (a fixed monthly amount), or
    ``min_amount``–``max_amount`` (the range within which the branch fixes a farmer's amount).
    A category's rows of a year are in force from that year until a later year has a
    complete set for it (one row without an upper bound).
    """

    year: int
    category: str
    upper: Decimal | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None


# The national standard of 2008, and the default wherever the database has no rows.
DEFAULT_YEAR = 2008
DEFAULT_RATES: tuple[Rate, ...] = (
    Rate(DEFAULT_YEAR, EMPLOYED, upper=Decimal("3000"), percent=Decimal("0.5")),
    Rate(DEFAULT_YEAR, EMPLOYED, upper=Decimal("5000"), percent=Decimal("1")),
    Rate(DEFAULT_YEAR, EMPLOYED, upper=Decimal("10000"), percent=Decimal("1.5")),
    Rate(DEFAULT_YEAR, EMPLOYED, percent=Decimal("2")),
    Rate(DEFAULT_YEAR, RETIRED, upper=Decimal("5000"), percent=Decimal("0.5")),
    Rate(DEFAULT_YEAR, RETIRED, percent=Decimal("1")),
    Rate(DEFAULT_YEAR, FARMER, min_amount=Decimal("0.20"), max_amount=Decimal("1.00")),
    Rate(DEFAULT_YEAR, STUDENT, amount=Decimal("0.20")),
    Rate(DEFAULT_YEAR, UNEMPLOYED, amount=Decimal("0.20")),
    Rate(DEFAULT_YEAR, SUBSISTENCE, amount=Decimal("0.20")),
)


def rates_in_force(rates, year: int) -> tuple[Rate, ...]:
    """The rows of ``rates`` in force in ``year``: per category, those of its latest complete year.

    A year's rows of a category are complete once one of them has no upper bound (a
    salary category's top bracket, or the single row of a fixed category); rows an
    admin is still preparing are not in force. A category with no complete year up to
    ``year`` takes the 2008 defaults.
    """
    latest: dict[str, int] = {}
    for rate in rates:
        if rate.upper is None and rate.year <= year and rate.year > latest.get(rate.category, -1):
            latest[rate.category] = rate.year
    chosen = [r for r in rates if latest.get(r.category) == r.year]
    chosen += [r for r in DEFAULT_RATES if r.category not in latest]
    return tuple(sorted(chosen, key=_order))


def _order(rate: Rate):
    return (rate.category, rate.upper is None, rate.upper or 0)


def brackets(category: str, rates=DEFAULT_RATES) -> tuple[tuple[Decimal | None, Decimal], ...]:
    """(upper bound inclusive or None, percentage) of a salary category, lowest bracket first."""
    return tuple((r.upper, r.percent) for r in sorted(rates, key=_order) if r.category == category)


def fixed_amount(category: str, rates=DEFAULT_RATES) -> Decimal | None:
    """The fixed monthly amount of a category such as students', None for the others."""
    if category not in FIXED_CATEGORIES:
        return None
    return next((r.amount for r in rates if r.category == category and r.amount is not None), None)


def amount_range(category: str = FARMER, rates=DEFAULT_RATES) -> tuple[Decimal, Decimal]:
    """The bounds (inclusive) within which the branch fixes a farmer's monthly amount."""
    row = next(r for r in rates if r.category == category and r.min_amount is not None)
    return row.min_amount, row.max_amount


# The 2008 table in the shapes older callers read: rates as fractions, amounts, the farmer's range.
RATE_BRACKETS: dict[str, tuple[tuple[Decimal | None, Decimal], ...]] = {
    category: tuple((upper, percent / 100) for upper, percent in brackets(category))
    for category in sorted(RATE_CATEGORIES)
}
FIXED_AMOUNTS: dict[str, Decimal] = {
    category: fixed_amount(category) for category in sorted(FIXED_CATEGORIES)
}
FARMER_RANGE = amount_range(FARMER)

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
    return category in RATE_CATEGORIES or category in FIXED_BY_BRANCH


def rate_for(category: str, base: Decimal, rates=DEFAULT_RATES) -> Decimal:
    """The percentage that applies to ``base`` in a salary or pension category (0.5 for 0.5 %)."""
    for upper, percent in brackets(category, rates):
        if upper is None or base <= upper:
            return percent
    raise ValueError(f"the dues table has no top bracket for {category!r}")


def monthly_dues(category: str, base, rates=DEFAULT_RATES) -> Decimal:
    """The monthly dues in 元, to the fen, for a member of ``category`` with monthly ``base``.

    ``rates`` are the rows in force (``rates_in_force``; the 2008 table by default). For a
    farmer, ``base`` is the fixed amount the branch set (within the table's range, 0.20–1.00
    元 in 2008); for students, the unemployed and people on subsistence allowance it is
    ignored. Raises ValueError on an unknown category, a negative or non-Decimal base, or
    a farmer's amount outside its bounds.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown dues category: {category!r}")
    base = _check_base(base)
    if category in FIXED_CATEGORIES:
        amount = fixed_amount(category, rates)
        if amount is None:
            raise ValueError(f"the dues table has no amount for {category!r}")
        return to_cents(amount)
    if category in FIXED_BY_BRANCH:
        low, high = amount_range(category, rates)
        if not low <= base <= high:
            raise ValueError(f"a farmer's fixed amount must lie between {low} and {high}")
        return to_cents(base)
    return to_cents(base * rate_for(category, base, rates) / 100)


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
