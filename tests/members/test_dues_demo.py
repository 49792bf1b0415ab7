"""Demo dues (members/demo_dues.py): bases and a year of payments, a few in arrears, idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from members import demo_dues, dues, selectors_dues
from members.models import DuesBase, DuesPayment, Member, Remittance
from tests.factories import make_member, make_org

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def demo_branch(db):
    county = make_org(name="青山县委组织部", code="XQ")
    committee = make_org(county, kind="committee", name="镇党委", code="XQ09")
    branch = make_org(committee, name="演示党支部", code="XQ0901")
    categories = ["employed"] * 20 + ["retired"] * 5 + ["farmer"] * 8 + ["student"] * 3 + ["unemployed"] * 2
    for n, category in enumerate(categories):
        make_member(branch, name=f"演示{n:02d}", dues_category=category)
    make_member(branch, name="新预备", stage="probationary", admitted_on=dt.date(2026, 3, 20))
    make_member(branch, name="积极分子", stage="activist", activist_on=dt.date(2025, 9, 1))
    outside = make_org(make_org(name="别的县", code="YY"), name="非演示支部", code="YY01")
    make_member(outside, name="非演示党员")
    return branch


def snapshot():
    return (
        sorted(DuesBase.objects.values_list("member_id", "year", "category", "base", "monthly_amount")),
        sorted(
            DuesPayment.objects.values_list(
                "member_id", "month", "amount_due", "amount_paid", "paid_on", "updated_at"
            )
        ),
        sorted(Remittance.objects.values_list("organisation_id", "month_from", "month_to", "total")),
    )


def test_seed_gives_bases_a_year_of_payments_and_remittances(demo_branch):
    summary = demo_dues.seed(today=TODAY)
    assert summary.startswith("党费演示数据：")
    party = Member.objects.party_members().filter(organisation=demo_branch)
    assert DuesBase.objects.filter(year=2026).count() == party.count()
    assert DuesBase.objects.filter(year=2025).count() == party.count() - 1  # the new one was not yet a member
    months = set(DuesPayment.objects.values_list("month", flat=True))
    assert sorted(months) == [dt.date(2025, m, 1) for m in range(7, 13)] + [
        dt.date(2026, m, 1) for m in range(1, 7)
    ]
    newcomer = Member.objects.get(name="新预备")
    assert DuesPayment.objects.filter(member=newcomer).order_by("month").first().month == dt.date(2026, 3, 1)
    assert not DuesPayment.objects.filter(member__name__in=["积极分子", "非演示党员"]).exists()
    # Amounts follow the table.
    for base in DuesBase.objects.filter(year=2026):
        assert base.monthly_amount == dues.monthly_dues(base.category, base.base)
    assert DuesBase.objects.filter(category="farmer").exists()
    assert Remittance.objects.filter(organisation=demo_branch).count() == 1  # Q1 is over, Q2 not yet


def test_seed_twice_changes_nothing(demo_branch):
    demo_dues.seed(today=TODAY)
    before = snapshot()
    summary = demo_dues.seed(today=TODAY)
    assert snapshot() == before
    assert "新核定基数 0 条，新增交纳记录 0 条，新增上缴 0 笔" in summary


def test_seed_keeps_what_a_secretary_changed(demo_branch):
    demo_dues.seed(today=TODAY)
    payment = DuesPayment.objects.filter(paid_on__isnull=False).first()
    DuesPayment.objects.filter(pk=payment.pk).update(receipt_no="改过的")
    demo_dues.seed(today=TODAY)
    assert DuesPayment.objects.get(pk=payment.pk).receipt_no == "改过的"


@pytest.mark.django_db(transaction=True)
def test_demo_data_has_members_in_arrears_and_runs_twice(settings):
    call_command("demo_data", stdout=io.StringIO())
    counts = (DuesBase.objects.count(), DuesPayment.objects.count(), Remittance.objects.count())
    assert counts[0] > 0 and counts[1] > 0
    from django.utils import timezone

    flagged = selectors_dues.arrears_months(
        Member.objects.all(), as_of=timezone.localdate(), min_months=dues.ARREARS_FLAG_MONTHS
    )
    assert 3 <= len(flagged) <= 40
    behind = selectors_dues.arrears_months(Member.objects.all(), as_of=timezone.localdate(), min_months=1)
    assert len(behind) > len(flagged)
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert (DuesBase.objects.count(), DuesPayment.objects.count(), Remittance.objects.count()) == counts
    assert "党费演示数据" in out.getvalue()
