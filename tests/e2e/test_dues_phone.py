"""Journey: a branch secretary records this month's dues on a phone (375 × 812), then the dues pages
are photographed at 375 and 1280 px into tmp/screenshots/dues-<page>-<width>.png and checked for
sideways scrolling and script errors."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Organisation
from members import selectors_dues
from members.models import DuesPayment, Member

from .conftest import DESKTOP, PHONE, SCREENSHOTS, fits, watch

pytestmark = pytest.mark.e2e

BRANCH = "XQ0109"  # 城关镇机关党支部: salaried members, some of them in arrears


def secretary():
    return get_user_model().objects.get(username=f"sec_{BRANCH.lower()}")


def branch():
    return Organisation.objects.get(code=BRANCH)


def test_secretary_records_this_months_dues_on_a_phone(demo, new_page):
    org = branch()
    month = timezone.localdate().replace(day=1)
    rows = selectors_dues.month_rows(Member.objects.filter(organisation=org), month)
    unpaid = [r for r in rows if not r.is_paid and r.due is not None]
    assert len(unpaid) >= 2, "the demo leaves some of this month unpaid"
    first, second = unpaid[0], unpaid[1]

    page = new_page(PHONE, user=secretary())
    problems = watch(page)
    page.goto(reverse("members:dues_month", args=[org.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("党费收缴")
    expect(page.locator("[data-member]")).to_have_count(len(rows))
    line = page.locator(f'[data-member="{first.member.pk}"]')
    expect(line.get_by_test_id("due")).to_have_text(str(first.due))

    # Tick two members; the first pays more than due (自愿多交), the second's amount is mistyped.
    line.get_by_text("已交", exact=True).click()
    expect(line.locator(f"#id_paid-{first.member.pk}")).to_be_checked()
    line.get_by_label(f"{first.member.name}实交金额").fill("200.00")
    line.get_by_label(f"{first.member.name}收据编号").fill("E2E-001")
    other = page.locator(f'[data-member="{second.member.pk}"]')
    other.get_by_text("已交", exact=True).click()
    other.get_by_label(f"{second.member.name}实交金额").fill("-1")
    page.get_by_role("button", name=f"保存{month.month}月党费").click()

    errors = page.get_by_test_id("form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text(f"{second.member.name}：金额不能为负数")
    expect(errors).to_contain_text("本次未保存任何记录")
    # Nothing saved, and everything typed is still there.
    assert not DuesPayment.objects.filter(member=first.member, month=month, paid_on__isnull=False).exists()
    expect(page.get_by_label(f"{first.member.name}实交金额")).to_have_value("200.00")
    expect(page.get_by_label(f"{first.member.name}收据编号")).to_have_value("E2E-001")
    expect(page.get_by_label(f"{second.member.name}实交金额")).to_have_value("-1")
    page.screenshot(path=SCREENSHOTS / "dues-month-error-375.png")
    fits(page, PHONE["width"])

    page.get_by_label(f"{second.member.name}实交金额").fill(str(second.due))
    page.get_by_role("button", name=f"保存{month.month}月党费").click()
    expect(page.get_by_role("alert").filter(has_text="已保存")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "dues-month-saved-375.png")

    saved = DuesPayment.objects.get(member=first.member, month=month)
    assert saved.amount_paid == Decimal("200.00") and saved.receipt_no == "E2E-001"
    assert saved.paid_on == timezone.localdate() and saved.recorded_by == secretary()
    assert DuesPayment.objects.get(member=second.member, month=month).amount_paid == second.due
    expect(page.locator(f'[data-member="{first.member.pk}"]')).to_contain_text("已交")
    assert not problems, problems


def test_amount_follows_the_base_as_it_is_typed(demo, new_page):
    org = branch()
    page = new_page(PHONE, user=secretary())
    problems = watch(page)
    page.goto(reverse("members:dues_bases", args=[org.pk]))
    line = page.locator("[data-member]").first
    line.locator("select").select_option("employed")
    line.locator("input").fill("10000.01")
    expect(line.get_by_test_id("amount")).to_have_text("200.00 元")
    line.locator("select").select_option("student")
    expect(line.get_by_test_id("amount")).to_have_text("0.20 元")
    assert not problems, problems


PAGES = {
    "month": "members:dues_month",
    "arrears": "members:dues_arrears",
    "register": "members:dues_register",
    "bases": "members:dues_bases",
    "remittances": "members:remittances",
}


def test_dues_pages_fit_phone_and_desktop(demo, new_page):
    org = branch()
    user = secretary()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport, user=user)
        problems = watch(page)
        for name, url_name in PAGES.items():
            response = page.goto(reverse(url_name, args=[org.pk]))
            assert response.status == 200, name
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            page.evaluate("document.fonts.ready")
            # The save bar sticks to the bottom of the screen; at the end of the page it rests under the list,
            # which is where a full-page picture should show it.
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.screenshot(path=SCREENSHOTS / f"dues-{name}-{viewport['width']}.png", full_page=True)
            fits(page, viewport["width"])
        assert not problems, problems
    # The reviewer above reads the register on a phone.
    reviewer = get_user_model().objects.get(username="reviewer_town")
    page = new_page(PHONE, user=reviewer)
    page.goto(reverse("members:dues_register", args=[org.pk]))
    expect(page.get_by_test_id("register")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "dues-register-reviewer-375.png", full_page=True)
