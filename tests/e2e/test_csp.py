"""The Content-Security-Policy in a real browser: the main pages run under it without a single violation.

Chromium enforces the header the portal sends. Every page is watched twice: the console (Chromium reports
each refused script or style there) and the `securitypolicyviolation` events, collected by a script
Playwright adds outside the page's policy. A first test shows that the watch sees a violation when
there is one, so that "no violation" means something.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branches.demo import DEMO_PASSWORD
from branches.models import Organisation

from .conftest import DESKTOP, SCREENSHOTS

pytestmark = pytest.mark.e2e

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile || "?"}:${e.lineNumber}`
  );
});
"""


class Watched:
    """A page whose CSP violations (console and events) and policy headers are recorded."""

    def __init__(self, page):
        self.page = page
        self.violations: list[str] = []
        page.add_init_script(COLLECT)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")

    def collect(self) -> list[str]:
        """The violations so far (events are per document: read them before leaving the page)."""
        self.violations.extend(self.page.evaluate("window.__cspViolations.splice(0)"))
        return self.violations

    def visit(self, url, status=200):
        response = self.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy, f"{url}: {policy!r}"
        self.page.wait_for_load_state("networkidle")
        return self.collect()


def org(code):
    return Organisation.objects.get(code=code).pk


def log_in(watched, username):
    """Through the login form, as a person does: the form's post and redirect run under the policy."""
    watched.visit(reverse("login"))
    page = watched.page
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("networkidle")
    watched.collect()


def open_user_menu(page):
    """Bootstrap's dropdown (Popper positions it through the CSSOM, which the policy allows)."""
    page.locator("nav.navbar .dropdown-toggle").last.click()
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()


def test_the_watch_sees_a_violation(demo, new_page):
    """An inline script added to a page is refused and reported: the watch below is not blind."""
    watched = Watched(new_page(DESKTOP))
    assert watched.visit(reverse("login")) == []
    ran = watched.page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                   document.head.appendChild(s); return window.__ran === 1; }"""
    )
    assert ran is False
    watched.page.wait_for_timeout(200)
    assert any("script-src" in v for v in watched.collect())


def test_a_secretary_works_under_the_policy(demo, new_page):
    watched = Watched(new_page(DESKTOP))
    log_in(watched, "sec_xq0101")
    branch = org("XQ0101")
    pages = [
        reverse("home"),
        reverse("members:roster", args=[branch]),
        reverse("meetings:record", args=[branch]) + "?kind=committee",
        reverse("archives:ledger_list", args=[branch]),
        reverse("members:dues_bases", args=[branch]),
    ]
    for url in pages:
        watched.visit(url)
    # An htmx request and swap: the monthly amount follows the salary base as it is typed.
    page = watched.page
    row = page.locator("[data-member]").first
    with page.expect_response(re.compile(r"/dues/amount/")):
        row.locator("input[type=number], input[inputmode=decimal], input[name$=base]").first.fill("5000")
    page.wait_for_load_state("networkidle")
    open_user_menu(page)
    assert watched.collect() == []


def test_a_reviewer_sees_the_dashboard_charts_under_the_policy(demo, new_page):
    watched = Watched(new_page(DESKTOP))
    log_in(watched, "reviewer_town")
    town = org("XQ01")
    for url in [
        reverse("home"),
        reverse("members:roster", args=[org("XQ0107")]),
        reverse("assessment:acceptance_list", args=[town]),
        reverse("archives:ledger_list", args=[town]),
    ]:
        watched.visit(url)
    watched.visit(reverse("assessment:dashboard", args=[town]))
    page = watched.page
    for chart in ("chart-children", "chart-months", "chart-stars", "chart-sectors"):
        box = page.get_by_test_id(chart)
        # ECharts draws with its SVG renderer (static/js/dashboard.js); a canvas would do as well.
        expect(box.locator("svg, canvas").first).to_be_visible()
        # The templates size the boxes with style="" attributes: the policy must let them apply.
        assert box.bounding_box()["height"] >= 200, chart
    # ECharts' default tooltip is HTML with style="" attributes (the coloured marker), written on hover.
    stars = page.get_by_test_id("chart-stars")
    stars.scroll_into_view_if_needed()
    area = stars.bounding_box()
    page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    expect(stars.locator("div span[style*='border-radius']").first).to_be_visible()
    open_user_menu(page)
    assert watched.collect() == []


def test_the_public_board_and_the_lockout_page(demo, new_page):
    watched = Watched(new_page(DESKTOP))
    watched.visit(reverse("board:board", args=["XQ"]))
    watched.visit(reverse("login"))
    page = watched.page
    for _ in range(5):
        page.get_by_label("用户名", exact=True).fill("no_such_user")
        page.get_by_label("密码", exact=True).fill("wrong-password")
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("locked-out")).to_contain_text("登录已暂时锁定")
    expect(page.get_by_test_id("locked-out")).to_contain_text("15 分钟")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "locked-out-1280.png")
    assert watched.collect() == []


def test_the_admin_works_under_the_policy(demo, new_page):
    watched = Watched(new_page(DESKTOP))
    watched.visit(reverse("admin:login"))
    page = watched.page
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    watched.collect()
    for url in [reverse("admin:axes_accessattempt_changelist"), reverse("admin:auth_user_add")]:
        watched.visit(url)
    assert watched.collect() == []
