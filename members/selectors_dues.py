"""Reads of party dues (党费): the monthly sheet, the yearly register, arrears, bases, remittances.

Every public function takes the user first and reads through ``visible_members``
(members.selectors) or ``branches.access``; the views have already fetched the
branch with the scoped get-or-404 helpers. ``arrears_months`` alone takes a
queryset of members instead of a user, for the nightly flags job: the caller
scopes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from branches import access
from branches.db import pinyin
from branches.rules import add_months

from . import dues
from .models import PARTY_STAGES, DuesBase, DuesPayment, DuesRate, Member, MemberStatus, Remittance
from .selectors import visible_members

ZERO = Decimal("0.00")

RATE_FIELDS = ("year", "category", "upper", "percent", "amount", "min_amount", "max_amount")


def dues_rates(year: int) -> tuple[dues.Rate, ...]:
    """The dues table in force in ``year`` (党费交纳标准, admin-editable), as plain values: one query.

    Not cached across calls, so an admin's change shows at once on every web node; a
    caller computing many amounts loads the table once and passes it on.
    """
    rows = [dues.Rate(*row) for row in DuesRate.objects.filter(year__lte=year).values_list(*RATE_FIELDS)]
    return dues.rates_in_force(rows, year)


Rates = Callable[[], tuple[dues.Rate, ...]]


def rates_loader(year: int) -> Rates:
    """``dues_rates(year)`` read on the first call and kept: one per page or service call, not per member.

    Pages whose members all have a base never read the table at all.
    """
    return cache(partial(dues_rates, year))


def _default_rates() -> tuple[dues.Rate, ...]:
    return dues.DEFAULT_RATES


def owing_members(members: QuerySet[Member], first: dt.date, last: dt.date) -> QuerySet[Member]:
    """The members of ``members`` who owe dues for at least one month from ``first`` to ``last``.

    The database side of ``dues.owes_in_month``: party members, admitted before the
    end of the period, not gone before its start.
    """
    return members.filter(
        Q(admitted_on__isnull=True) | Q(admitted_on__lt=dues.next_month(last)),
        Q(status=MemberStatus.ACTIVE) | Q(left_on__gte=first),
        stage__in=PARTY_STAGES,
    )


def _owes(member: Member, month: dt.date) -> bool:
    return dues.owes_in_month(
        is_party_member=member.stage in PARTY_STAGES,
        admitted_on=member.admitted_on,
        left_on=member.left_on,
        month=month,
    )


def bases_by_member(member_ids, year: int) -> tuple[dict[int, DuesBase], dict[int, DuesBase]]:
    """Each member's base of ``year`` and, for those without one, the latest earlier base (one query)."""
    this_year: dict[int, DuesBase] = {}
    earlier: dict[int, DuesBase] = {}
    for base in DuesBase.objects.filter(member_id__in=member_ids, year__lte=year).order_by(
        "member_id", "-year"
    ):
        if base.year == year:
            this_year[base.member_id] = base
        elif base.member_id not in earlier:
            earlier[base.member_id] = base
    return this_year, earlier


def expected_due(
    member: Member, base: DuesBase | None, earlier: DuesBase | None, rates: Rates = _default_rates
) -> Decimal | None:
    """What the member owes a month: the year's base, else last known base, else a fixed category amount.

    ``rates`` loads the table in force in the year (``rates_loader``); it is called only
    for a fixed category. None when nothing is known (a salary or a farmer's amount not
    yet set).
    """
    if base is not None:
        return base.monthly_amount
    if earlier is not None:
        return earlier.monthly_amount
    if member.dues_category not in dues.FIXED_CATEGORIES:
        return None
    return dues.fixed_amount(member.dues_category, rates())


# ---------------------------------------------------------------- the month


@dataclass
class SheetRow:
    member: Member
    due: Decimal | None
    payment: DuesPayment | None

    @property
    def is_paid(self) -> bool:
        return self.payment is not None and self.payment.paid_on is not None


def month_sheet(user, organisation, month: dt.date) -> list[SheetRow]:
    """Every member of the branch who owes dues for ``month``, with the amount due and what is recorded.

    Three queries whatever the size of the branch: members, bases, the month's payments.
    """
    return month_rows(visible_members(user).filter(organisation=organisation), month)


def month_rows(members: QuerySet[Member], month: dt.date) -> list[SheetRow]:
    """``month_sheet`` over a queryset the caller has scoped (services, demo, jobs)."""
    members = list(owing_members(members, month, month).order_by(pinyin("name"), "pk"))
    ids = [m.pk for m in members]
    this_year, earlier = bases_by_member(ids, month.year)
    payments = {p.member_id: p for p in DuesPayment.objects.filter(member_id__in=ids, month=month)}
    rates = rates_loader(month.year)
    rows = []
    for member in members:
        payment = payments.get(member.pk)
        due = expected_due(member, this_year.get(member.pk), earlier.get(member.pk), rates)
        if due is None and payment is not None:
            due = payment.amount_due
        rows.append(SheetRow(member=member, due=due, payment=payment))
    return rows


@dataclass
class SheetTotals:
    members: int
    paid_members: int
    due: Decimal
    paid: Decimal


def sheet_totals(rows: list[SheetRow]) -> SheetTotals:
    return SheetTotals(
        members=len(rows),
        paid_members=sum(1 for r in rows if r.is_paid),
        due=sum((r.due or ZERO for r in rows), ZERO),
        paid=sum((r.payment.amount_paid for r in rows if r.payment is not None), ZERO),
    )


# ---------------------------------------------------------------- the register (登记簿)

NOT_OWED, FUTURE, UNPAID, SHORT, PAID = "none", "future", "unpaid", "short", "paid"


@dataclass
class RegisterCell:
    month: dt.date
    state: str
    due: Decimal = ZERO
    paid: Decimal = ZERO
    paid_on: dt.date | None = None


@dataclass
class RegisterRow:
    member: Member
    monthly: Decimal | None
    category: str
    cells: list[RegisterCell]
    due_total: Decimal = ZERO
    paid_total: Decimal = ZERO

    @property
    def unpaid_months(self) -> int:
        return sum(1 for c in self.cells if c.state == UNPAID)


@dataclass
class Register:
    year: int
    months: list[dt.date]
    rows: list[RegisterRow]
    month_paid: list[Decimal] = field(default_factory=list)
    month_due: list[Decimal] = field(default_factory=list)
    due_total: Decimal = ZERO
    paid_total: Decimal = ZERO


def register(user, organisation, year: int, *, today: dt.date) -> Register:
    """党费收缴登记簿: the branch's members × the twelve months of ``year``, with totals.

    Three queries: the members who owed in the year, their bases, the year's payments.
    A month without a record counts as unpaid once it has begun; later months are left blank.
    """
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    scope = visible_members(user).filter(organisation=organisation)
    members = list(owing_members(scope, months[0], months[-1]).order_by(pinyin("name"), "pk"))
    ids = [m.pk for m in members]
    this_year, earlier = bases_by_member(ids, year)
    payments = {
        (p.member_id, p.month): p
        for p in DuesPayment.objects.filter(member_id__in=ids, month__gte=months[0], month__lte=months[-1])
    }
    current = dues.month_start(today)
    rates = rates_loader(year)
    rows = []
    for member in members:
        base = this_year.get(member.pk)
        monthly = expected_due(member, base, earlier.get(member.pk), rates)
        row = RegisterRow(
            member=member,
            monthly=monthly,
            category=(base.get_category_display() if base else member.get_dues_category_display()),
            cells=[],
        )
        for month in months:
            payment = payments.get((member.pk, month))
            if payment is not None:
                paid = payment.paid_on is not None
                state = (
                    PAID if paid and payment.amount_paid >= payment.amount_due else SHORT if paid else UNPAID
                )
                cell = RegisterCell(month, state, payment.amount_due, payment.amount_paid, payment.paid_on)
            elif not _owes(member, month):
                cell = RegisterCell(month, NOT_OWED)
            elif month > current:
                cell = RegisterCell(month, FUTURE)
            else:
                cell = RegisterCell(month, UNPAID, monthly or ZERO)
            row.cells.append(cell)
            row.due_total += cell.due
            row.paid_total += cell.paid
        rows.append(row)
    result = Register(year=year, months=months, rows=rows)
    result.month_paid = [sum((r.cells[i].paid for r in rows), ZERO) for i in range(12)]
    result.month_due = [sum((r.cells[i].due for r in rows), ZERO) for i in range(12)]
    result.paid_total = sum(result.month_paid, ZERO)
    result.due_total = sum(result.month_due, ZERO)
    # Months not begun show no total, unless someone paid ahead.
    result.month_paid = [
        None if month > current and not paid else paid
        for month, paid in zip(months, result.month_paid, strict=True)
    ]
    return result


# ---------------------------------------------------------------- arrears


@dataclass
class Arrears:
    member: Member
    months: int
    since: dt.date | None
    last_paid: dt.date | None

    @property
    def flagged(self) -> bool:
        return self.months >= dues.ARREARS_FLAG_MONTHS


def arrears_months(members: QuerySet[Member], *, as_of: dt.date, min_months: int = 1) -> list[Arrears]:
    """Active party members of ``members`` with at least ``min_months`` consecutive months without dues.

    Counted back from the last complete month before ``as_of`` (the current month is
    still open); a month counts as paid when a payment with a date is recorded for
    it. Months before the branch's first dues record are not counted: the portal
    does not know them. Longest runs first.

    Two queries whatever the size of the scope, and no payment row comes back to
    Python: the first month each branch has on record (a row per branch), then the
    members whose run is long enough, each with the last month they paid, the
    database filtering out everyone else. For the flags of DOMAIN §2 (自行脱党
    review) call it with ``min_months=dues.ARREARS_FLAG_MONTHS``; the caller scopes
    ``members``.
    """
    through = dues.previous_month(dues.month_start(as_of))
    min_months = max(min_months, 1)
    # A run of min_months or more, ending with ``through``, starts on or before this month.
    latest_start = add_months(through, 1 - min_months)
    members = members.filter(status=MemberStatus.ACTIVE, stage__in=PARTY_STAGES)
    records_from = dict(
        DuesPayment.objects.filter(member__organisation__in=members.values("organisation_id"))
        .values_list("member__organisation_id")
        .annotate(first=Min("month"))
        .values_list("member__organisation_id", "first")
    )
    # The run starts at the latest of: the branch's first record, the member's admission
    # month, the month after the last paid one; all three must be on or before latest_start.
    # So: the branch has a record by then, the member was admitted by then, and nothing is
    # paid from then to ``through``. The last paid month, read for the rows kept only, is
    # one backward step on the (member, month) unique index.
    branch_known = DuesPayment.objects.filter(
        member__organisation=OuterRef("organisation_id"), month__lte=latest_start
    )
    paid_in_run = DuesPayment.objects.filter(
        member=OuterRef("pk"), paid_on__isnull=False, month__gte=latest_start, month__lte=through
    )
    last_paid = DuesPayment.objects.filter(
        member=OuterRef("pk"), paid_on__isnull=False, month__lte=through
    ).order_by("-month")
    candidates = (
        members.filter(
            Q(admitted_on__isnull=True) | Q(admitted_on__lt=dues.next_month(latest_start)),
            ~Exists(paid_in_run),
            Exists(branch_known),
        )
        .annotate(dues_last_paid=Subquery(last_paid.values("month")[:1]))
        .select_related("organisation")
        .order_by(pinyin("name"), "pk")
    )
    found = []
    for member in candidates:
        months = dues.consecutive_unpaid_months(
            through=through,
            last_paid=member.dues_last_paid,
            owes_from=member.admitted_on,
            records_from=records_from.get(member.organisation_id),
        )
        if months >= min_months:
            found.append(
                Arrears(
                    member=member,
                    months=months,
                    since=add_months(through, 1 - months),
                    last_paid=member.dues_last_paid,
                )
            )
    found.sort(key=lambda a: -a.months)
    return found


def members_in_arrears(
    user, *, organisation=None, as_of: dt.date, min_months: int = dues.ARREARS_FLAG_MONTHS
) -> list[Arrears]:
    """Members the user may see (of one branch, or all in scope) with ``min_months`` or more months unpaid.

    The default, 6 months, is the 自行脱党 review threshold of DOMAIN §2.
    """
    scope = visible_members(user)
    if organisation is not None:
        scope = scope.filter(organisation=organisation)
    return arrears_months(scope, as_of=as_of, min_months=min_months)


# ---------------------------------------------------------------- bases


@dataclass
class BaseRow:
    member: Member
    base: DuesBase | None
    earlier: DuesBase | None
    rates: Rates = _default_rates  # the year's table, loaded once for all rows (``rates_loader``)

    @property
    def category(self) -> str:
        source = self.base or self.earlier
        return source.category if source else self.member.dues_category

    @property
    def base_amount(self) -> Decimal | None:
        source = self.base or self.earlier
        if source is None or not dues.needs_base(source.category):
            return None
        return source.base

    @property
    def monthly(self) -> Decimal | None:
        return expected_due(self.member, self.base, self.earlier, self.rates)


def bases_sheet(user, organisation, year: int) -> list[BaseRow]:
    """The members who owe dues in ``year`` with that year's base, or the last known one to carry over."""
    return base_rows(visible_members(user).filter(organisation=organisation), year)


def base_rows(members: QuerySet[Member], year: int) -> list[BaseRow]:
    """``bases_sheet`` over a queryset the caller has scoped (services, demo)."""
    members = list(
        owing_members(members, dt.date(year, 1, 1), dt.date(year, 12, 1)).order_by(pinyin("name"), "pk")
    )
    this_year, earlier = bases_by_member([m.pk for m in members], year)
    rates = rates_loader(year)
    return [BaseRow(m, this_year.get(m.pk), earlier.get(m.pk), rates) for m in members]


# ---------------------------------------------------------------- remittances (上缴)


def remittances(user, organisation) -> QuerySet[Remittance]:
    return Remittance.objects.filter(
        organisation=organisation, organisation__in=access.visible_organisations(user, as_member=False)
    ).select_related("recorded_by")


def collected(user, organisation, month_from: dt.date, month_to: dt.date) -> Decimal:
    """Dues the branch collected for the months ``month_from``–``month_to`` (one aggregate query)."""
    total = DuesPayment.objects.filter(
        member__in=visible_members(user).filter(organisation=organisation),
        month__gte=month_from,
        month__lte=month_to,
    ).aggregate(total=Sum("amount_paid"))["total"]
    # SQLite adds decimals as binary floats; the fen is far above their error, so rounding restores it.
    return dues.to_cents(total) if total is not None else ZERO


def next_remittance_start(user, organisation) -> dt.date | None:
    """The month after the last remittance, or None before the first."""
    last = remittances(user, organisation).aggregate(last=Max("month_to"))["last"]
    return dues.next_month(last) if last else None
