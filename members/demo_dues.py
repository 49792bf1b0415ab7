"""Demo dues: this year's bases and twelve months of payments for every demo branch.

Deterministic (random generators seeded by branch code and ID number) and
idempotent: a base already fixed for a year is kept, a month a branch already
has records for is left alone, a branch that has remitted is not remitted again.
Everything goes through the dues services, as a secretary's saves would.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from branches import demo as branch_demo
from branches.models import Organisation
from branches.rules import BRANCH_KINDS, add_months

from . import dues, selectors_dues
from .models import DuesPayment, Member, Remittance
from .services import dues as services

D = Decimal

# How far a member's payments may run behind: most pay every month, a few stop.
ARREARS_SHARE = 0.04
ARREARS_LENGTHS = (2, 3, 4, 7, 8, 10)
FARMER_AMOUNTS = (D("0.20"), D("0.50"), D("1.00"))


def _base(member: Member, year: int, this_year: int, farmer_amount: Decimal) -> Decimal | None:
    """A believable monthly after-tax income for the member's category; a little lower a year earlier."""
    rng = random.Random(f"dues-base-{member.id_number or member.pk}")
    category = member.dues_category
    if category == dues.FARMER:
        return farmer_amount
    if category == dues.EMPLOYED:
        base = D(
            rng.choice(
                [
                    rng.randrange(2400, 5000, 50),
                    rng.randrange(5000, 9500, 50),
                    rng.randrange(9500, 16000, 100),
                ]
            )
        )
    elif category == dues.RETIRED:
        base = D(rng.randrange(2800, 7600, 50))
    else:
        return None
    if year < this_year:
        base = dues.to_cents(base * D("0.96") / 10) * 10
    return dues.to_cents(base)


def _bases(branch: Organisation, years: list[int], today: dt.date, farmer_amount: Decimal) -> int:
    saved = 0
    scope = Member.objects.filter(organisation=branch)
    for year in years:
        rows = selectors_dues.base_rows(scope, year)
        entries = [
            services.BaseEntry(
                member_id=row.member.pk,
                category=row.member.dues_category,
                base=_base(row.member, year, today.year, farmer_amount),
            )
            for row in rows
            if row.base is None
        ]
        if entries:
            result = services.dues_bases_set(
                organisation=branch, year=year, entries=entries, rows=rows, today=today
            )
            saved += result.saved
    return saved


def _payments(branch: Organisation, months: list[dt.date], today: dt.date) -> int:
    """Each month's sheet saved once, on the branch's party day; a few members fall behind."""
    rng = random.Random(f"dues-{branch.code}")
    party_day = rng.choice([5, 8, 10, 12, 15, 18, 20])
    members = list(Member.objects.party_members().filter(organisation=branch).order_by("pk"))
    behind = {m.pk: rng.choice(ARREARS_LENGTHS) for m in members if rng.random() < ARREARS_SHARE}
    generous = {
        m.pk for m in members if rng.random() < 0.05 and m.dues_category in (dues.EMPLOYED, dues.RETIRED)
    }
    done = set(
        DuesPayment.objects.filter(member__organisation=branch, month__in=months).values_list(
            "month", flat=True
        )
    )
    current = dues.month_start(today)
    last_complete = dues.previous_month(current)
    created = 0
    scope = Member.objects.filter(organisation=branch)
    for month in months:
        if month in done:
            continue
        paid_on = min(month.replace(day=party_day), today)
        rows = selectors_dues.month_rows(scope, month)
        entries = []
        for n, row in enumerate(rows, start=1):
            if row.due is None:
                continue
            months_behind = behind.get(row.member.pk)
            unpaid = months_behind is not None and month > add_months(last_complete, -months_behind)
            # The current month is still being collected: some have not paid yet.
            if month == current and (
                today.day < party_day or random.Random(f"{row.member.pk}-{month}").random() < 0.3
            ):
                unpaid = True
            amount = row.due
            if row.member.pk in generous:
                amount = max(row.due, D("100.00"))  # 自愿多交, rounded up to a hundred
            entries.append(
                services.MonthEntry(
                    member_id=row.member.pk,
                    paid=not unpaid,
                    amount_paid=None if unpaid else amount,
                    receipt_no="" if unpaid else f"{month:%y%m}{n:03d}",
                )
            )
        if entries:
            result = services.dues_month_record(
                organisation=branch, month=month, entries=entries, paid_on=paid_on, sheet=rows, today=today
            )
            created += result.created
    return created


def _remittances(branch: Organisation, today: dt.date) -> int:
    """Quarterly remittances for the quarters of this year already over."""
    if Remittance.objects.filter(organisation=branch).exists():
        return 0
    made = 0
    scope = Member.objects.filter(organisation=branch)
    for quarter in range(4):
        first = dt.date(today.year, 3 * quarter + 1, 1)
        last = dt.date(today.year, 3 * quarter + 3, 1)
        if dues.next_month(last) > today:
            break
        total = sum(
            (
                p.amount_paid
                for p in DuesPayment.objects.filter(member__in=scope, month__gte=first, month__lte=last)
            ),
            D("0.00"),
        )
        if total <= 0:
            continue
        services.remittance_record(
            organisation=branch,
            month_from=first,
            month_to=last,
            total=total,
            voucher_no=f"QS{today.year}{branch.code[-4:]}{quarter + 1:02d}",
            remitted_on=min(dues.next_month(last) + dt.timedelta(days=9), today),
            today=today,
        )
        made += 1
    return made


@transaction.atomic
def seed(*, today: dt.date) -> str:
    branches = list(
        Organisation.objects.filter(
            kind__in=BRANCH_KINDS, code__startswith=branch_demo.COUNTY[0], status="active"
        ).order_by("path")
    )
    current = dues.month_start(today)
    months = [add_months(current, -i) for i in range(11, -1, -1)]
    years = sorted({m.year for m in months})
    bases = payments = remitted = 0
    for branch in branches:
        rng = random.Random(f"dues-farmer-{branch.code}")
        farmer_amount = rng.choice(FARMER_AMOUNTS)
        bases += _bases(branch, years, today, farmer_amount)
        payments += _payments(branch, months, today)
        remitted += _remittances(branch, today)
    flagged = selectors_dues.arrears_months(
        Member.objects.filter(organisation__in=branches), as_of=today, min_months=dues.ARREARS_FLAG_MONTHS
    )
    return (
        f"党费演示数据：新核定基数 {bases} 条，新增交纳记录 {payments} 条，新增上缴 {remitted} 笔；"
        f"连续欠缴6个月以上 {len(flagged)} 人。"
    )
