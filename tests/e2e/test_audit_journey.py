"""修改记录 in a browser: the pages at 375 px and 1280 px on the demo, and a reviewer's journey from a
branch's page to its history (who changed the address, who downloaded the roster) and from a
member's page to theirs, with the phone number masked. Also the lockout page at 375 px.

Screenshots go to tmp/screenshots/audit-<page>-<width>.png and locked-out-375.png.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from branches.models import Organisation
from meetings.models import Meeting
from members.models import Member

from .conftest import PHONE, SCREENSHOTS
from .test_layout import failing_pages

pytestmark = pytest.mark.e2e


def branch():
    return Organisation.objects.get(code="XQ0101")


def demo_member():
    return Member.objects.filter(organisation=branch(), phone="13800138000").get()


def demo_meeting():
    """The meeting the demo had returned by the town's reviewer (audit/demo.py)."""
    returned = Meeting.history.filter(
        organisation_id=branch().pk, history_user__username="reviewer_town"
    ).values_list("id", flat=True)
    return Meeting.objects.get(pk=returned[0])


PAGES = {
    "organisation": ("reviewer_town", lambda: reverse("audit:history", args=["organisation", branch().pk])),
    "member": ("reviewer_town", lambda: reverse("audit:history", args=["member", demo_member().pk])),
    "meeting": ("reviewer_town", lambda: reverse("audit:history", args=["meeting", demo_meeting().pk])),
}


def test_history_pages_fit_screen(demo, new_page):
    def check(page, name, viewport):
        expect(page.get_by_role("heading", level=1)).to_have_text("修改记录")
        expect(page.get_by_test_id("history-entry").first).to_be_visible()

    failures = failing_pages(new_page, PAGES, prefix="audit-", check=check)
    assert not failures, "\n".join(failures)


def test_a_reviewer_follows_a_branch_and_a_member_to_their_history(demo, new_page):
    reviewer = get_user_model().objects.get(username="reviewer_town")
    page = new_page(PHONE, user=reviewer)
    page.goto(reverse("branches:org_detail", args=[branch().pk]))
    page.get_by_test_id("history-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改记录")
    address = page.get_by_test_id("history-entry").filter(has_text="党员活动室").first
    expect(address).to_contain_text("修改")
    expect(address).to_contain_text("reviewer_town")
    exports = page.get_by_test_id("exports")
    expect(exports.locator("tbody tr")).to_have_count(2)
    expect(exports).to_contain_text("党员花名册")

    page.goto(reverse("members:detail", args=[demo_member().pk]))
    page.get_by_test_id("history-link").click()
    edit = page.get_by_test_id("history-entry").filter(has_text="联系电话").first
    expect(edit).to_contain_text("138****8000")
    expect(edit).to_contain_text("sec_xq0101")
    assert "13800138000" not in page.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "audit-journey-member-375.png", full_page=True)


def test_a_secretary_has_no_history_link_and_gets_404(demo, new_page):
    secretary = get_user_model().objects.get(username="sec_xq0101")
    page = new_page(PHONE, user=secretary)
    page.goto(reverse("members:detail", args=[demo_member().pk]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_test_id("history-link")).to_have_count(0)
    response = page.goto(reverse("audit:history", args=["member", demo_member().pk]))
    assert response.status == 404


def test_the_lockout_page_on_a_phone(demo, new_page):
    page = new_page(PHONE)
    page.goto(reverse("login"))
    for _ in range(5):
        page.get_by_label("用户名", exact=True).fill("phone_user")
        page.get_by_label("密码", exact=True).fill("wrong-password")
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("locked-out")).to_contain_text("登录已暂时锁定")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "locked-out-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
