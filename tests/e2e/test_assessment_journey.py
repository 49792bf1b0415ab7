"""Journey: the county's reviewer opens the dashboard from the navigation, drills into the township
committee, opens the two-star branch 前进村 from the weakest-branches table, follows its rectification
case and verifies the item the branch reported done (整改销号). On a desktop, then the dashboard on a phone."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import ItemStatus, RectificationItem
from branches.models import Organisation

from .conftest import DESKTOP, PHONE, SCREENSHOTS, fits, watch

pytestmark = pytest.mark.e2e


def test_reviewer_drills_down_to_a_two_star_branch_and_verifies_its_rectification(demo, new_page):
    user = get_user_model().objects.get(username="reviewer_county")
    town = Organisation.objects.get(code="XQ01")
    page = new_page(DESKTOP, user=user)
    problems = watch(page)

    page.goto(reverse("home"))
    page.get_by_test_id("nav-assessment").click()
    page.get_by_role("link", name="考核看板").click()
    expect(page.locator("h1")).to_contain_text("县委组织部")
    expect(page.get_by_text("组织生活达标率").first).to_be_visible()

    # Drill down through the chart's data table (the same link as a click on the bar).
    chart = page.locator("details", has=page.locator("a[data-child]")).first
    chart.locator("summary").click()
    chart.locator(f"a[data-child='{town.pk}']").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("assessment:dashboard", args=[town.pk]))))
    expect(page.locator("h1")).to_contain_text("城关镇")

    # The weakest-branches table names 前进村 with its open rectification items among the reasons.
    row = page.locator("tr[data-branch]", has_text="前进村党支部")
    expect(row).to_contain_text("未销号整改事项")
    row.get_by_role("link", name="前进村党支部").click()
    expect(page.locator("h1")).to_contain_text("前进村党支部")

    panel = page.get_by_test_id("assessment-panel")
    expect(panel).to_contain_text("2星")
    panel.get_by_role("link", name="软弱涣散整顿中").click()
    expect(page.get_by_text("已逾期").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "journey-case-before-1280.png", full_page=True)

    done = RectificationItem.objects.get(case__organisation__code="XQ0103", status=ItemStatus.DONE)
    page.locator(f"a[href='{reverse('assessment:item_verify', args=[done.pk])}']").click()
    page.get_by_label("验收意见（可选）").fill("实地查看会议记录，整改到位。")
    page.get_by_label("我已核实该事项整改到位").check()
    page.get_by_role("button", name="确认销号").click()
    expect(page.get_by_text("已销号").first).to_be_visible()
    done.refresh_from_db()
    assert done.status == ItemStatus.VERIFIED and done.verified_by == user
    assert not problems, problems

    phone = new_page(PHONE, user=user)
    phone_problems = watch(phone)
    phone.goto(reverse("assessment:dashboard", args=[town.pk]))
    expect(phone.locator("h1")).to_contain_text("城关镇")
    phone.wait_for_timeout(300)  # the charts draw after load
    phone.screenshot(path=SCREENSHOTS / "journey-dashboard-375.png", full_page=True)
    fits(phone, PHONE["width"])
    assert not phone_problems, phone_problems
