"""Party dues: a base a year (党费基数) and a register line a month for every party member.

A line from the month of admission (a 预备党员 pays from then) to the month the member
left, up to this month. Most pay within the month; some late, a few not at all — more in
weak branches; this month only those who have already paid by today.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from members.models import DuesBase, DuesPayment

from .context import SeedContext
from .tree import Tree

# (on time, late) shares by the branch's quality; the rest unpaid.
PAID = {"good": (0.93, 0.05), "fair": (0.85, 0.09), "poor": (0.70, 0.14)}
PARTIAL_SHARE = 0.01
ZERO = Decimal("0.00")


def _months(first: dt.date, last: dt.date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + 1, 1, 1) if month.month == 12 else dt.date(month.year, month.month + 1, 1)


def build(ctx: SeedContext, tree: Tree) -> None:
    rng, today = ctx.rng("dues"), ctx.today
    with (
        ctx.writer(DuesBase, ["member_id", "year", "category", "base", "monthly_amount"]) as bases,
        ctx.writer(DuesPayment, ["member_id", "month", "amount_due", "amount_paid", "paid_on"]) as lines,
    ):
        for branch in tree.branches:
            on_time, late = PAID[branch.quality]
            for person in branch.members:
                if not person.is_party:
                    continue
                first = max(ctx.first_day, person.admitted_on.replace(day=1))
                last = today if person.left_on is None else min(today, person.left_on)
                if first > last:
                    continue
                for year in range(first.year, last.year + 1):
                    bases.add((person.id, year, person.category, person.base, person.monthly))
                due = person.monthly
                for month in _months(first, last):
                    roll = rng.random()
                    paid_on = None
                    if roll < on_time:
                        paid_on = month + dt.timedelta(days=rng.randint(0, 27))
                    elif roll < on_time + late:
                        paid_on = _next_month(month) + dt.timedelta(days=rng.randint(0, 50))
                    if paid_on is None or paid_on > today:
                        lines.add((person.id, month, due, ZERO, None))
                        continue
                    paid = (due / 2).quantize(Decimal("0.01")) if rng.random() < PARTIAL_SHARE else due
                    lines.add((person.id, month, due, paid if due else ZERO, paid_on))
