"""The secretary's monthly dues page: who sees it, one POST for the whole branch, bad input, query counts."""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members import selectors_dues
from members.models import DuesPayment
from members.services import dues as services
from tests.factories import make_member

D = Decimal


def this_month():
    return timezone.localdate().replace(day=1)


def url(branch, month=None):
    return reverse("members:dues_month", args=[branch.pk]) + (f"?month={month:%Y-%m}" if month else "")


def set_bases(branch, year, bases: dict):
    """bases: member → (category, base or None)."""
    services.dues_bases_set(
        organisation=branch,
        year=year,
        entries=[services.BaseEntry(member_id=m.pk, category=c, base=b) for m, (c, b) in bases.items()],
    )


@pytest.fixture
def priced(roster):
    """The roster's party members with this year's bases: 张三 30.00, 李四 15.00, 王五 0.20, 赵六 0.50, 钱七 60.00."""
    zhang, li, wang, zhao, qian, _sun = roster["members"]
    set_bases(
        roster["branch"],
        timezone.localdate().year,
        {
            zhang: ("employed", D("3000.01")),
            li: ("employed", D("3000.00")),
            wang: ("student", None),
            zhao: ("farmer", D("0.50")),
            qian: ("employed", D("4000")),
        },
    )
    return roster


def post_data(rows, **overrides):
    """The form as the page sends it: everyone ticked with the amount due, unless overridden."""
    data = {"paid_on": timezone.localdate().isoformat()}
    for member, due in rows:
        data[f"paid-{member.pk}"] = "on"
        data[f"amount-{member.pk}"] = str(due)
        data[f"receipt-{member.pk}"] = ""
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def party(roster):
    return roster["members"][:5]


class TestSecretary:
    def test_sees_every_party_member_with_the_amount_due(self, login, secretary, priced):
        response = login(secretary).get(url(priced["branch"]))
        assert response.status_code == 200
        html = response.content.decode()
        for member in party(priced):
            assert f'data-member="{member.pk}"' in html
        assert "孙八" not in html  # an activist owes nothing
        assert "外支部党员" not in html
        assert 'name="amount-{}" value="30.00"'.format(priced["members"][0].pk) in html
        assert "保存" in html

    def test_one_post_saves_the_whole_branch(self, login, secretary, priced):
        zhang, li, wang, zhao, qian = party(priced)
        data = post_data(
            [(zhang, "30.00"), (li, "15.00"), (wang, "0.20"), (zhao, "0.50"), (qian, "60.00")],
            **{f"paid-{li.pk}": None, f"amount-{zhang.pk}": "100", f"receipt-{zhang.pk}": "SJ-001"},
        )
        response = login(secretary).post(url(priced["branch"]), data)
        assert response.status_code == 302
        payments = {p.member_id: p for p in DuesPayment.objects.filter(month=this_month())}
        assert len(payments) == 5
        assert payments[zhang.pk].amount_paid == D("100.00")  # a voluntary extra payment is kept
        assert payments[zhang.pk].amount_due == D("30.00")
        assert payments[zhang.pk].receipt_no == "SJ-001"
        assert payments[zhang.pk].recorded_by == secretary
        assert (
            payments[li.pk].paid_on is None and payments[li.pk].amount_paid == 0
        )  # not ticked: owed, unpaid
        assert payments[li.pk].amount_due == D("15.00")
        assert payments[wang.pk].amount_paid == D("0.20")
        assert payments[qian.pk].paid_on == timezone.localdate()

        # The page shows the result; saving it again unchanged writes nothing.
        page = login(secretary).get(url(priced["branch"])).content.decode()
        assert "已交" in page
        before = {p.pk: p.updated_at for p in DuesPayment.objects.all()}
        login(secretary).post(url(priced["branch"]), data)
        assert {p.pk: p.updated_at for p in DuesPayment.objects.all()} == before

    def test_unticking_a_paid_month_corrects_it(self, login, secretary, priced):
        zhang, li, wang, zhao, qian = party(priced)
        rows = [(zhang, "30.00"), (li, "15.00"), (wang, "0.20"), (zhao, "0.50"), (qian, "60.00")]
        client = login(secretary)
        client.post(url(priced["branch"]), post_data(rows))
        client.post(url(priced["branch"]), post_data(rows, **{f"paid-{zhao.pk}": None}))
        payment = DuesPayment.objects.get(member=zhao, month=this_month())
        assert payment.paid_on is None and payment.amount_paid == 0

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("-5", "金额不能为负数"),
            ("abc", "请输入数字金额"),
            ("1.234", "最多保留两位小数"),
            ("", "请填写实交金额"),
            ("0", "已交的金额应大于0"),
            ("123456789012", "金额过大"),
        ],
    )
    def test_bad_amount_saves_nothing_and_keeps_the_input(self, login, secretary, priced, value, message):
        zhang, li, wang, zhao, qian = party(priced)
        data = post_data(
            [(zhang, "30.00"), (li, "15.00"), (wang, "0.20"), (zhao, "0.50"), (qian, "60.00")],
            **{f"amount-{li.pk}": value, f"receipt-{zhang.pk}": "SJ-777"},
        )
        response = login(secretary).post(url(priced["branch"]), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert "本次未保存任何记录" in html
        assert re.search(f"<li>李四：[^<]*{message}", html)  # the summary names the member
        assert 'value="SJ-777"' in html  # what the user typed is still there
        if value:
            assert f'name="amount-{li.pk}" value="{value}"' in html
        assert not DuesPayment.objects.exists()

    def test_missing_date_is_refused(self, login, secretary, priced):
        zhang = priced["members"][0]
        data = post_data([(zhang, "30.00")], paid_on="")
        response = login(secretary).post(url(priced["branch"]), data)
        assert "请填写交纳日期" in response.content.decode()
        assert not DuesPayment.objects.exists()

    def test_future_month_is_not_offered(self, login, secretary, priced):
        future = (this_month() + dt.timedelta(days=40)).replace(day=1)
        response = login(secretary).get(url(priced["branch"], future))
        assert f"{this_month().year}年{this_month().month}月" in response.content.decode()

    def test_tick_all_prefills_every_line(self, login, secretary, priced):
        html = login(secretary).get(url(priced["branch"], this_month()) + "&all=1").content.decode()
        for member in party(priced):
            tag = re.search(rf'<input type="checkbox" name="paid-{member.pk}"[^>]*>', html).group(0)
            assert " checked" in tag and f'aria-label="{member.name}已交"' in tag
        plain = login(secretary).get(url(priced["branch"], this_month())).content.decode()
        assert not re.search(r'<input type="checkbox" name="paid-\d+"[^>]* checked', plain)


class TestForeignMember:
    def test_foreign_id_smuggled_into_the_post_is_ignored(self, login, secretary, priced):
        zhang = priced["members"][0]
        foreign = priced["foreign"]
        data = post_data(
            [(zhang, "30.00")],
            **{f"paid-{foreign.pk}": "on", f"amount-{foreign.pk}": "99.00", f"receipt-{foreign.pk}": "X"},
        )
        response = login(secretary).post(url(priced["branch"]), data)
        assert response.status_code == 302
        assert not DuesPayment.objects.filter(member=foreign).exists()
        assert DuesPayment.objects.get(member=zhang).amount_paid == D("30.00")

    def test_service_refuses_a_line_for_someone_not_on_the_sheet(self, priced):
        foreign, zhang = priced["foreign"], priced["members"][0]
        with pytest.raises(ValidationError, match="不属于本支部"):
            services.dues_month_record(
                organisation=priced["branch"],
                month=this_month(),
                entries=[
                    services.MonthEntry(member_id=zhang.pk, paid=True, amount_paid=D("30.00")),
                    services.MonthEntry(member_id=foreign.pk, paid=True, amount_paid=D("30.00")),
                ],
                paid_on=timezone.localdate(),
            )
        assert not DuesPayment.objects.exists()

    def test_an_activist_cannot_be_charged(self, priced):
        activist = priced["members"][5]
        with pytest.raises(ValidationError):
            services.dues_month_record(
                organisation=priced["branch"],
                month=this_month(),
                entries=[services.MonthEntry(member_id=activist.pk, paid=True, amount_paid=D("1.00"))],
                paid_on=timezone.localdate(),
            )


class TestRefused:
    def test_reviewer_reads_but_may_not_post(self, login, reviewer, priced):
        client = login(reviewer)
        response = client.get(url(priced["branch"]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "只读" in html and "<fieldset disabled>" in html
        zhang = priced["members"][0]
        response = client.post(url(priced["branch"]), post_data([(zhang, "30.00")]))
        assert response.status_code == 404
        assert not DuesPayment.objects.exists()

    def test_member_sees_nothing(self, login, member_user, priced):
        client = login(member_user)
        assert client.get(url(priced["branch"])).status_code == 404
        zhang = priced["members"][0]
        assert client.post(url(priced["branch"]), post_data([(zhang, "30.00")])).status_code == 404
        assert not DuesPayment.objects.exists()

    def test_outsider_gets_404(self, login, outsider, priced):
        client = login(outsider)
        assert client.get(url(priced["branch"])).status_code == 404
        zhang = priced["members"][0]
        assert client.post(url(priced["branch"]), post_data([(zhang, "30.00")])).status_code == 404
        assert not DuesPayment.objects.exists()

    def test_a_committee_is_not_a_branch(self, login, admin_user, tree):
        assert login(admin_user).get(url(tree["town"])).status_code == 404

    def test_admin_may_record(self, login, admin_user, priced):
        zhang = priced["members"][0]
        response = login(admin_user).post(url(priced["branch"]), post_data([(zhang, "30.00")]))
        assert response.status_code == 302
        assert DuesPayment.objects.filter(member=zhang).exists()


class TestWhoOwes:
    def test_probationary_member_owes_from_the_admission_month(self, secretary, roster):
        qian = roster["members"][4]  # admitted 2026-01-10
        before = selectors_dues.month_sheet(secretary, roster["branch"], dt.date(2025, 12, 1))
        at = selectors_dues.month_sheet(secretary, roster["branch"], dt.date(2026, 1, 1))
        assert qian.pk not in [r.member.pk for r in before]
        assert qian.pk in [r.member.pk for r in at]

    def test_member_who_left_is_listed_until_the_month_of_leaving(self, secretary, roster):
        from members.services.members import member_leave

        zhao = roster["members"][3]
        member_leave(member=zhao, kind="transferred_out", on=dt.date(2026, 3, 20), reason="调往外县")
        march = selectors_dues.month_sheet(secretary, roster["branch"], dt.date(2026, 3, 1))
        april = selectors_dues.month_sheet(secretary, roster["branch"], dt.date(2026, 4, 1))
        assert zhao.pk in [r.member.pk for r in march]
        assert zhao.pk not in [r.member.pk for r in april]

    def test_a_member_without_a_base_is_shown_as_unset(self, login, secretary, roster):
        html = login(secretary).get(url(roster["branch"])).content.decode()
        assert "未核定基数" in html

    def test_last_years_base_carries_over(self, secretary, roster):
        zhang = roster["members"][0]
        year = timezone.localdate().year
        set_bases(roster["branch"], year - 1, {zhang: ("employed", D("6000"))})
        rows = selectors_dues.month_sheet(secretary, roster["branch"], this_month())
        assert next(r for r in rows if r.member == zhang).due == D("90.00")


# ---------------------------------------------------------------- fifty members: queries and time


@pytest.fixture
def fifty(tree):
    branch = tree["branch"]
    members = [make_member(branch, name=f"党员{i:02d}") for i in range(50)]
    services.dues_bases_set(
        organisation=branch,
        year=timezone.localdate().year,
        entries=[
            services.BaseEntry(member_id=m.pk, category="employed", base=D(3000 + 100 * i))
            for i, m in enumerate(members)
        ],
    )
    return members


def test_fifty_members_get_in_few_queries(login, secretary, tree, fifty, django_assert_max_num_queries):
    client = login(secretary)
    with django_assert_max_num_queries(10) as captured:
        response = client.get(url(tree["branch"]))
    assert response.status_code == 200
    assert response.content.decode().count("data-member=") == 50
    print(f"\n50-member dues GET: {len(captured)} queries")


def test_fifty_members_post_in_at_most_ten_queries(
    login, secretary, tree, fifty, django_assert_max_num_queries
):
    client = login(secretary)
    rows = selectors_dues.month_sheet(secretary, tree["branch"], this_month())
    data = post_data([(r.member, r.due) for r in rows])
    client.get(url(tree["branch"]))  # the session is warm, as it is for a secretary on the page
    started = time.perf_counter()
    # Two more than before the audit trail: the month read back as stored, its history rows inserted.
    with django_assert_max_num_queries(12) as captured:
        response = client.post(url(tree["branch"]), data)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DuesPayment.objects.filter(paid_on__isnull=False).count() == 50
    print(f"\n50-member dues POST: {len(captured)} queries, {elapsed:.0f} ms")

    # A second save that changes a few lines is as cheap.
    data[f"amount-{fifty[0].pk}"] = "500.00"
    data.pop(f"paid-{fifty[1].pk}")
    with django_assert_max_num_queries(12):
        response = client.post(url(tree["branch"]), data)
    assert response.status_code == 302
    assert DuesPayment.objects.get(member=fifty[0]).amount_paid == D("500.00")
    assert DuesPayment.objects.get(member=fifty[1]).paid_on is None
