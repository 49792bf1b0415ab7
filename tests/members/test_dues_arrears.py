"""Arrears: consecutive unpaid months per member, the 6-month flag, and who may see them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.rules import add_months
from members import dues, selectors_dues
from members.models import Member
from members.services import dues as services
from tests.factories import make_member


def last_complete_month():
    return dues.previous_month(timezone.localdate().replace(day=1))


def record(branch, month, paid):
    """Save a month's sheet the way the page does: ``paid`` members ticked, everyone else owed."""
    rows = selectors_dues.month_rows(Member.objects.filter(organisation=branch), month)
    services.dues_month_record(
        organisation=branch,
        month=month,
        entries=[
            services.MonthEntry(member_id=r.member.pk, paid=r.member in paid, amount_paid=r.due)
            for r in rows
            if r.due is not None
        ],
        paid_on=month.replace(day=10),
    )


def students(branch, members, months):
    for year in sorted({m.year for m in months}):
        services.dues_bases_set(
            organisation=branch,
            year=year,
            entries=[services.BaseEntry(member_id=m.pk, category="student") for m in members],
        )


@pytest.fixture
def history(roster):
    """Eight recorded months up to last month: 张三 and 钱七 always pay, 李四 only the first month,
    王五 the first five, 赵六 never."""
    zhang, li, wang, zhao, qian, _ = roster["members"]
    qian.admitted_on = None  # owes every month, whatever today is
    Member.objects.filter(pk=qian.pk).update(admitted_on=None)
    last = last_complete_month()
    months = [add_months(last, -i) for i in range(7, -1, -1)]
    students(roster["branch"], roster["members"][:5], months)
    for n, month in enumerate(months):
        paid = {zhang, qian}
        if n == 0:
            paid.add(li)
        if n < 5:
            paid.add(wang)
        record(roster["branch"], month, paid)
    return {**roster, "months": months}


def names(found):
    return {a.member.name: a.months for a in found}


def test_six_or_more_consecutive_months_are_flagged(secretary, history):
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate()
    )
    assert names(found) == {"赵六": 8, "李四": 7}
    assert all(a.flagged for a in found)
    assert found[0].member.name == "赵六"  # longest first
    assert found[0].since == history["months"][0]
    assert found[1].last_paid == history["months"][0]


def test_shorter_runs_on_request(secretary, history):
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate(), min_months=1
    )
    assert names(found) == {"赵六": 8, "李四": 7, "王五": 3}
    assert not next(a for a in found if a.member.name == "王五").flagged


def test_the_current_month_is_not_counted_yet(secretary, history):
    # Nobody has paid this month: it is still open, so nothing changes.
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate(), min_months=1
    )
    assert "张三" not in names(found)


def test_paying_ends_the_run(secretary, history):
    record(history["branch"], history["months"][-1], {history["members"][3]})  # 赵六 pays last month
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate(), min_months=1
    )
    assert "赵六" not in names(found)


def test_months_before_any_record_are_unknown_not_unpaid(secretary, roster):
    make_member(roster["branch"], name="新党员")
    assert (
        selectors_dues.members_in_arrears(
            secretary, organisation=roster["branch"], as_of=timezone.localdate()
        )
        == []
    )


def test_new_member_is_counted_from_admission(secretary, history):
    last = last_complete_month()
    newcomer = make_member(
        history["branch"], name="新预备", stage="probationary", admitted_on=add_months(last, -1)
    )
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate(), min_months=1
    )
    assert names(found)[newcomer.name] == 2


def test_members_who_left_are_not_flagged(secretary, history):
    from members.services.members import member_leave

    member_leave(member=history["members"][3], kind="transferred_out", on=timezone.localdate(), reason="调出")
    found = selectors_dues.members_in_arrears(
        secretary, organisation=history["branch"], as_of=timezone.localdate()
    )
    assert "赵六" not in names(found)


def test_scope_follows_the_user(reviewer, outsider, admin_user, history):
    today = timezone.localdate()
    assert names(selectors_dues.members_in_arrears(reviewer, as_of=today)) == {"赵六": 8, "李四": 7}
    assert names(selectors_dues.members_in_arrears(admin_user, as_of=today)) == {"赵六": 8, "李四": 7}
    assert selectors_dues.members_in_arrears(outsider, as_of=today) == []


def test_arrears_months_takes_any_queryset_for_the_flags_job(history):
    found = selectors_dues.arrears_months(
        Member.objects.all(), as_of=timezone.localdate(), min_months=dues.ARREARS_FLAG_MONTHS
    )
    assert names(found) == {"赵六": 8, "李四": 7}


# ---------------------------------------------------------------- the page


def url(branch):
    return reverse("members:dues_arrears", args=[branch.pk])


def test_secretary_sees_the_flagged_members(login, secretary, history):
    html = login(secretary).get(url(history["branch"])).content.decode()
    assert "赵六" in html and "李四" in html and "王五" in html
    assert html.count('data-flagged="1"') == 2
    assert "2人连续6个月以上未交党费" in html


def test_reviewer_reads_arrears(login, reviewer, history):
    assert login(reviewer).get(url(history["branch"])).status_code == 200


@pytest.mark.parametrize("who", ["member_user", "outsider"])
def test_member_and_outsider_get_404(request, login, history, who):
    user = request.getfixturevalue(who)
    assert login(user).get(url(history["branch"])).status_code == 404


def test_arrears_page_is_post_free(login, secretary, history):
    assert login(secretary).post(url(history["branch"])).status_code == 405


def test_fifty_members_in_few_queries(login, secretary, tree, django_assert_max_num_queries):
    branch = tree["branch"]
    members = [make_member(branch, name=f"党员{i:02d}") for i in range(50)]
    months = [add_months(last_complete_month(), -i) for i in range(6, -1, -1)]
    students(branch, members, months)
    for n, month in enumerate(months):
        record(branch, month, set(members[: 50 - 7 * n]))
    client = login(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(url(branch))
    assert response.status_code == 200
    assert response.content.decode().count("data-member=") == 42  # all but the 8 who paid last month
