"""Arrears over a whole committee's members: a fixed number of queries, and the same answer as
counting month by month in Python over every payment row."""

import datetime as dt
from decimal import Decimal

import pytest

from branches.rules import add_months
from members import dues, selectors_dues
from members.models import DuesPayment, Member
from tests.factories import make_org

AS_OF = dt.date(2026, 11, 28)
THROUGH = dt.date(2026, 10, 1)  # the last complete month
MONTHS = [add_months(THROUGH, -i) for i in range(11, -1, -1)]  # Nov 2025 – Oct 2026


def _member(branch, n, **fields):
    fields.setdefault("stage", "full")
    return Member(
        organisation=branch,
        name=f"党员{n:04d}",
        gender="male",
        birth_date=dt.date(1980, 1, 1),
        dues_category="student",
        **fields,
    )


@pytest.fixture
def county(tree):
    """Six branches of 50 members with twelve months each; in one branch nobody records dues, in
    another the register starts in June; some members are probationary, left, or in the pipeline."""
    branches = [make_org(tree["town"], name=f"支部{b}") for b in range(6)]
    members = []
    for n in range(300):
        branch = branches[n % 6]
        if n % 29 == 0:
            member = _member(branch, n, stage="probationary", admitted_on=add_months(THROUGH, -(n % 9)))
        elif n % 31 == 0:
            member = _member(
                branch, n, status="left", left_on=dt.date(2026, 5, 3), leave_kind="transferred_out"
            )
        elif n % 37 == 0:
            member = _member(branch, n, stage="activist", activist_on=dt.date(2025, 1, 1))
        else:
            member = _member(branch, n)
        members.append(member)
    members = Member.objects.bulk_create(members)
    payments = []
    for n, member in enumerate(members):
        if member.organisation_id == branches[0].pk:
            continue  # this branch keeps no register in the portal
        months = MONTHS[7:] if member.organisation_id == branches[1].pk else MONTHS
        paid_months = n % 14  # pays the first n % 14 months, then stops (12 and 13: pays all)
        for i, month in enumerate(months):
            if i < paid_months:
                payments.append(_payment(member, month, paid=True))
            elif n % 2:
                payments.append(_payment(member, month, paid=False))  # recorded as owed, not paid
        if n % 5 == 0:
            payments.append(_payment(member, add_months(THROUGH, 1), paid=True))  # paid the open month ahead
    DuesPayment.objects.bulk_create(payments)
    return {"branches": branches, "members": members}


def _payment(member, month, *, paid):
    amount = Decimal("0.20")
    return DuesPayment(
        member=member,
        month=month,
        amount_due=amount,
        amount_paid=amount if paid else Decimal("0.00"),
        paid_on=month.replace(day=10) if paid else None,
    )


def month_by_month(min_months):
    """The arrears counted the slow way: every payment row in Python."""
    members = list(Member.objects.filter(status="active", stage__in=["full", "probationary"]))
    payments = list(DuesPayment.objects.select_related("member"))
    records_from, last_paid = {}, {}
    for p in payments:
        org = p.member.organisation_id
        records_from[org] = min(records_from.get(org, p.month), p.month)
        if p.paid_on is not None and p.month <= THROUGH:
            last_paid[p.member_id] = max(last_paid.get(p.member_id, p.month), p.month)
    found = {}
    for m in members:
        months = dues.consecutive_unpaid_months(
            through=THROUGH,
            last_paid=last_paid.get(m.pk),
            owes_from=m.admitted_on,
            records_from=records_from.get(m.organisation_id),
        )
        if months >= min_months:
            found[m.pk] = (months, add_months(THROUGH, 1 - months), last_paid.get(m.pk))
    return found


@pytest.mark.parametrize("min_months", [1, dues.ARREARS_FLAG_MONTHS, 12, 13])
def test_same_answer_as_counting_every_payment(county, min_months):
    found = selectors_dues.arrears_months(Member.objects.all(), as_of=AS_OF, min_months=min_months)
    assert {a.member.pk: (a.months, a.since, a.last_paid) for a in found} == month_by_month(min_months)
    assert [a.months for a in found] == sorted((a.months for a in found), reverse=True)


def test_the_data_covers_the_cases(county):
    found = {a.member.pk: a.months for a in selectors_dues.arrears_months(Member.objects.all(), as_of=AS_OF)}
    by_branch = {b.pk: set() for b in county["branches"]}
    for m in county["members"]:
        if m.pk in found:
            by_branch[m.organisation_id].add(found[m.pk])
    assert by_branch[county["branches"][0].pk] == set()  # no register: nothing known
    assert max(by_branch[county["branches"][1].pk]) <= 5  # register since June: at most June–October
    assert max(found.values()) == 12 and min(found.values()) == 1


def test_three_hundred_members_in_two_queries(county, django_assert_num_queries):
    with django_assert_num_queries(2):
        found = selectors_dues.arrears_months(
            Member.objects.all(), as_of=AS_OF, min_months=dues.ARREARS_FLAG_MONTHS
        )
        organisations = {a.member.organisation.name for a in found}  # select_related: no query per row
    assert len(found) > 50 and len(organisations) == 4  # not the branch without a register, nor June's
    # The same two queries for one branch of fifty.
    with django_assert_num_queries(2):
        selectors_dues.arrears_months(
            Member.objects.filter(organisation=county["branches"][2]), as_of=AS_OF, min_months=1
        )
