"""Red flags: 自行脱党 review (6 months without dues or organisational life), 流动党员 without a yearly report, 失联."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.rules import add_months, add_years
from members import selectors_pipeline as selectors
from members.models import DuesPayment, Member
from tests.factories import make_member

D = dt.date


def url(org, **params):
    return reverse("members:flags", args=[org.pk]), params


def pay(member, month):
    DuesPayment.objects.create(
        member=member, month=month, amount_due=Decimal("1.00"), amount_paid=Decimal("1.00"), paid_on=month
    )


def pay_through(member, last, first=None):
    month = first or D(2025, 1, 1)
    while month <= last:
        pay(member, month)
        month = add_months(month, 1)


# --- the pure and query rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "report", "missing"),
    [
        (D(2025, 11, 28), None, False),  # away exactly a year, no report yet: not missing
        (D(2025, 11, 27), None, True),
        (D(2024, 1, 1), D(2025, 11, 28), False),  # last report exactly twelve months ago
        (D(2024, 1, 1), D(2025, 11, 27), True),
        (None, None, True),
    ],
)
def test_report_missing_boundaries(tree, since, report, missing):
    today = D(2026, 11, 28)
    assert selectors.report_missing(since, report, today) == missing
    member = make_member(tree["branch"])
    Member.objects.filter(pk=member.pk).update(is_mobile=True, mobile_since=since, last_report_on=report)
    flagged = selectors.mobile_members(_admin(), tree["branch"], today=today).get(pk=member.pk).report_missing
    assert bool(flagged) == missing


def _admin():
    from tests.factories import UserFactory

    return UserFactory(username="flags-admin", is_superuser=True)


@pytest.mark.parametrize(
    ("last_paid", "months"), [(D(2026, 4, 1), 6), (D(2026, 5, 1), None), (D(2025, 12, 1), 10)]
)
def test_dues_arrears_six_months(tree, last_paid, months):
    today = D(2026, 11, 28)  # the last complete month is October
    payer = make_member(tree["branch"], name="按时交")
    late = make_member(tree["branch"], name="欠交")
    pay_through(payer, D(2026, 10, 1))
    pay_through(late, last_paid)
    found = selectors.members_with_dues_arrears(Member.objects.all(), today=today)
    assert found.get(late.pk) == months
    assert payer.pk not in found


def test_branch_without_dues_register_flags_nobody(tree):
    make_member(tree["branch"])
    assert selectors.members_with_dues_arrears(Member.objects.all(), today=D(2026, 11, 28)) == {}


def test_organisational_life_hook(tree):
    """The meetings issue registers its source; until then nobody is flagged for it."""
    absent = make_member(tree["branch"], name="不参加")
    make_member(tree["branch"], name="参加")
    admin = _admin()
    flags = selectors.lapse_flags(admin, tree["branch"], today=D(2026, 11, 28))
    assert flags.member_ids == set()

    def source(queryset, months, today):
        assert months == 6
        return queryset.filter(name="不参加")

    selectors.register_organisational_life_source(source)
    try:
        flags = selectors.lapse_flags(admin, tree["branch"], today=D(2026, 11, 28))
        assert flags.no_life == {absent.pk} and flags.member_ids == {absent.pk}
        assert list(selectors.lapse_review(admin, tree["branch"], flags)) == [absent]
    finally:
        selectors.unregister_organisational_life_source(source)


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def flagged(tree, roster):
    """In 东村: one in arrears, one mobile without a report, one mobile who reported, one lost; in 西村: one lost."""
    today = timezone.localdate()
    last_complete = add_months(today.replace(day=1), -1)
    members = roster["members"]
    for m in members[:5]:  # the party members; 孙八 is an activist
        pay_through(m, last_complete, first=add_months(last_complete, -12))
    late = make_member(tree["branch"], name="欠费者")
    pay_through(late, add_months(last_complete, -6), first=add_months(last_complete, -12))
    Member.objects.filter(pk=members[0].pk).update(
        is_mobile=True,
        mobile_destination="深圳",
        mobile_since=add_years(today, -2),
        last_report_on=add_years(today, -1) - dt.timedelta(days=1),
    )
    Member.objects.filter(pk=members[1].pk).update(
        is_mobile=True, mobile_destination="杭州", mobile_since=add_years(today, -2), last_report_on=today
    )
    Member.objects.filter(pk=members[2].pk).update(is_lost=True, lost_since=D(2025, 1, 1))
    west = make_member(tree["other_branch"], name="西村失联")
    Member.objects.filter(pk=west.pk).update(is_lost=True, lost_since=D(2024, 1, 1))
    return {"late": late, "missing": members[0], "reported": members[1], "lost": members[2], "west": west}


def test_secretary_sees_branch_flags(login, secretary, tree, flagged):
    client = login(secretary)
    path, _ = url(tree["branch"])
    response = client.get(path)
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [flagged["late"].pk]
    assert 'data-dues-months="6"' in response.content.decode()
    assert response.context["counts"] == {"lapse": 1, "mobile": 2, "report_missing": 1, "lost": 1}

    mobile = client.get(path, {"tab": "mobile"})
    assert [m.pk for m in mobile.context["page"]] == [flagged["missing"].pk, flagged["reported"].pk]
    assert mobile.content.decode().count("data-report-missing") == 1
    assert reverse("members:mobility", args=[flagged["missing"].pk]) in mobile.content.decode()

    lost = client.get(path, {"tab": "lost"})
    assert [m.pk for m in lost.context["page"]] == [flagged["lost"].pk]


def test_reviewer_sees_whole_subtree_read_only(login, reviewer, tree, flagged):
    client = login(reviewer)
    path, _ = url(tree["town"])
    lost = client.get(path, {"tab": "lost"})
    assert lost.status_code == 200
    assert [m.pk for m in lost.context["page"]] == [
        flagged["west"].pk,
        flagged["lost"].pk,
    ]  # longest lost first
    assert reverse("members:mobility", args=[flagged["lost"].pk]) not in lost.content.decode()
    assert client.get(path).context["counts"]["lapse"] == 1


@pytest.mark.parametrize(
    ("who", "org"),
    [
        ("secretary", "town"),
        ("secretary", "other_branch"),
        ("outsider", "branch"),
        ("member_user", "branch"),
        ("reviewer", "sibling"),
        ("secretary", "group"),
    ],
)
def test_flags_404_outside_scope(request, login, tree, roster, who, org):
    path, _ = url(tree[org])
    assert login(request.getfixturevalue(who)).get(path).status_code == 404


def test_flags_queries_do_not_grow(login, reviewer, tree, django_assert_max_num_queries):
    """110 members over two branches, all flagged in every list: a fixed number of queries a tab."""
    today = timezone.localdate()
    last_complete = add_months(today.replace(day=1), -1)
    for i in range(110):
        member = make_member(tree["branch"] if i % 2 else tree["other_branch"], name=f"预警{i:03d}")
        pay(member, add_months(last_complete, -8))
    Member.objects.update(is_mobile=True, mobile_since=D(2020, 1, 1), is_lost=True, lost_since=D(2024, 1, 1))
    client = login(reviewer)
    path, _ = url(tree["town"])
    for tab in ("lapse", "mobile", "lost"):
        with django_assert_max_num_queries(14) as captured:
            response = client.get(path, {"tab": tab})
        assert response.status_code == 200
        assert response.context["counts"][tab] == 110
        assert len(response.context["page"]) == 50
        print(f"flags page, tab {tab}, 110 members: {len(captured)} queries")
