"""Journey: the town committee's reviewer logs in, spots the overdue branch in the tree and follows it up."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e


def open_nav_link(page, name):
    """Follow a main-navigation link; on a phone the menu is collapsed behind the toggler first."""
    navbar = page.locator("nav.navbar")
    toggler = navbar.get_by_role("button", name="展开导航")
    if toggler.is_visible():
        toggler.click()
        expect(navbar.locator("#mainNav")).to_be_visible()
    navbar.locator("#mainNav").get_by_role("link", name=name).click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_reviewer_follows_overdue_branch(demo, new_page, viewport):
    page = new_page(viewport)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名", exact=True).fill("reviewer_town")
    page.get_by_label("密码", exact=True).fill("demo12345")
    page.get_by_role("button", name="登录", exact=True).click()

    # A reviewer lands on the tree of the committee.
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("组织架构")
    expect(page.get_by_test_id("org-tree")).to_be_visible()
    row = page.locator('tr[data-org-code="XQ0103"]')
    expect(row).to_contain_text("前进村党支部")
    badge = row.locator("[data-term-status]")
    expect(badge).to_have_attribute("data-term-status", "overdue")
    expect(badge).to_have_text("已超期")
    expect(badge).to_be_visible()

    row.get_by_role("link", name="前进村党支部").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("前进村党支部")
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"已超期\s*\d+\s*天"))
    expect(page.locator('[data-term-status="overdue"]')).to_have_text("已超期")

    open_nav_link(page, "换届提醒")
    expect(page).to_have_url(re.compile(r"/terms/due/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("换届提醒")
    listed = page.get_by_test_id("terms-due").locator('tr[data-org-code="XQ0103"]')
    expect(listed).to_contain_text("前进村党支部")
    expect(listed.locator("[data-term-status]")).to_have_attribute("data-term-status", "overdue")
