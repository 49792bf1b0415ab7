"""Layout of the main pages on a phone (375 px) and a desktop (1280 px).

Each page is loaded as the demo user who would use it, saved as a full-page
screenshot in tmp/screenshots/<page>-<width>.png for a human to look at, and
checked for what breaks a layout without anyone looking: a page wider than the
screen, a missing stylesheet, script or font, or a script error.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from branches import selectors
from branches.models import Organisation

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.e2e


def org_pk(code):
    return Organisation.objects.get(code=code).pk


# page name → (demo user or None for anonymous, URL built after the demo exists, expected status)
PAGES = {
    "login": (None, lambda: reverse("login"), 200),
    "tree": ("reviewer_town", lambda: reverse("branches:tree"), 200),
    # 幸福社区党支部: overdue, with party groups and earlier terms, so every block of the page shows.
    "organisation": ("reviewer_town", lambda: reverse("branches:org_detail", args=[org_pk("XQ0108")]), 200),
    "committee": ("reviewer_town", lambda: reverse("branches:org_detail", args=[org_pk("XQ01")]), 200),
    "branch-home": ("sec_xq0112", lambda: reverse("branches:org_detail", args=[org_pk("XQ0112")]), 200),
    "terms-due": ("reviewer_town", lambda: reverse("branches:terms_due"), 200),
    "notices": ("reviewer_town", lambda: reverse("branches:notices"), 200),
    "term-open": ("reviewer_town", lambda: reverse("branches:term_open", args=[org_pk("XQ0103")]), 200),
    "org-create": ("reviewer_town", lambda: reverse("branches:org_create", args=[org_pk("XQ01")]), 200),
    "dissolve": ("reviewer_town", lambda: reverse("branches:org_dissolve", args=[org_pk("XQ0103")]), 200),
    "org-move": ("reviewer_town", lambda: reverse("branches:org_move", args=[org_pk("XQ0103")]), 200),
    "password-change": ("reviewer_town", lambda: reverse("password_change"), 200),
    "404": ("reviewer_town", lambda: "/orgs/999999/", 404),
    "roster": ("sec_xq0101", lambda: reverse("members:roster", args=[org_pk("XQ0101")]), 200),
    "roster-subtree": ("reviewer_town", lambda: reverse("members:roster", args=[org_pk("XQ0107")]), 200),
    "member": ("reviewer_town", lambda: member_url("detail"), 200),
    "member-own": ("member_xq0101", lambda: reverse("home"), 200),
    "member-create": ("sec_xq0101", lambda: reverse("members:create", args=[org_pk("XQ0101")]), 200),
    "member-leave": ("sec_xq0101", lambda: member_url("leave"), 200),
    "appointment": ("sec_xq0101", lambda: reverse("members:appointment_add", args=[org_pk("XQ0101")]), 200),
    "overview": ("reviewer_town", lambda: reverse("members:overview", args=[org_pk("XQ01")]), 200),
}


def member_url(name):
    from members.models import Member

    member = Member.objects.filter(organisation__code="XQ0101", user__isnull=True).order_by("pk").first()
    return reverse(f"members:{name}", args=[member.pk])


# Lists what sticks out to the right, so a failure names the culprit instead of a number.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
    .filter((el) => !el.closest('.table-responsive, .overflow-auto'))
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
      + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""

# Term-status badges (data-term-status) whose right edge lies beyond the table's visible frame.
HIDDEN_BADGES = """() => Array.from(document.querySelectorAll('[data-term-status]'))
  .filter((badge) => {
    const frame = badge.closest('.table-responsive') || document.documentElement;
    return badge.getBoundingClientRect().right > frame.getBoundingClientRect().left + frame.clientWidth + 0.5;
  })
  .map((badge) => (badge.closest('[data-org-code]') || badge).getAttribute('data-org-code'))"""


def open_and_check(new_page, name, viewport, user, url, status):
    page = new_page(viewport, user=user)
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            response.request.resource_type != "document"
            and response.status >= 400
            and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )

    response = page.goto(url)
    assert response.status == status, f"{name}: HTTP {response.status}"
    page.evaluate("document.fonts.ready")

    width = viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{name} at {width}px scrolls sideways ({scroll_width}px): {page.evaluate(OVERFLOWING)}"
    )
    # Tables may scroll inside their frame, but the term status must show without scrolling it.
    hidden_badges = page.evaluate(HIDDEN_BADGES)
    assert not hidden_badges, f"{name} at {width}px: term badges out of view: {hidden_badges}"
    # Expected 404s are the document itself; anything else failing is a broken asset or script.
    assert not [p for p in problems if not (status == 404 and p.startswith("console:") and "404" in p)], (
        problems
    )
    return page


def failing_pages(new_page, pages, *, prefix: str = "", check=None) -> list[str]:
    """Open each page (name → (username or None, url function)) at 375 and 1280 px with open_and_check,
    its heading visible and ``check(page, name, viewport)`` if given; each in its own closed context.

    A failing page does not stop the others: the failures are returned together, for one assert.
    """
    failures = []
    users = get_user_model().objects
    for name, (username, url) in pages.items():
        user = users.get(username=username) if username else None
        for viewport in (PHONE, DESKTOP):
            page = None
            try:
                page = open_and_check(new_page, f"{prefix}{name}", viewport, user, url(), 200)
                expect(page.locator("h1").first).to_be_visible()
                if check is not None:
                    check(page, name, viewport)
            except AssertionError as error:
                failures.append(f"{name} at {viewport['width']}px: {error}")
            finally:
                if page is not None:
                    page.context.close()
    return failures


def test_pages_fit_screen(demo, new_page):
    """Every page at both widths in one test: building the demo is most of the time, so it is built once.

    A failing page does not stop the others: the failures are gathered and reported together.
    """
    failures = []
    users = get_user_model().objects
    for name, (username, url, status) in PAGES.items():
        user = users.get(username=username) if username else None
        for viewport in (PHONE, DESKTOP):
            page = None
            try:
                page = open_and_check(new_page, name, viewport, user, url(), status)
                expect(page.locator("h1").first).to_be_visible()
                # Every page keeps the brand in reach, and a logged-in user the notices.
                expect(page.locator(".navbar-brand")).to_be_visible()
                if user is not None:
                    bell = page.get_by_role("link", name="通知").locator("visible=true")
                    expect(bell).to_have_count(1)
            except AssertionError as error:
                failures.append(f"{name} at {viewport['width']}px: {error}")
            finally:
                if page is not None:
                    page.context.close()
    assert not failures, "\n".join(failures)


def test_phone_menu_opens_and_shows_unread_notices(demo, new_page):
    user = get_user_model().objects.get(username="reviewer_town")
    page = open_and_check(new_page, "nav-closed", PHONE, user, reverse("branches:tree"), 200)

    # Collapsed: the unread count stays visible beside the toggler.
    unread = page.get_by_test_id("unread-count").locator("visible=true")
    expect(unread).to_have_count(1)
    expect(unread).to_have_text(str(selectors.unread_notice_count(user)))
    menu = page.locator("#mainNav")
    expect(menu).to_be_hidden()

    page.get_by_role("button", name="展开导航").click()
    expect(menu).to_be_visible()
    for label in ("组织架构", "换届提醒", "通知"):
        expect(menu.get_by_role("link", name=label)).to_be_visible()
    page.wait_for_timeout(400)  # let the collapse animation finish before the picture
    page.screenshot(path=SCREENSHOTS / "nav-open-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The account menu (password change, logout) opens inside the collapsed menu.
    menu.get_by_role("button", name=user.get_full_name()).click()
    expect(menu.get_by_role("link", name="修改密码")).to_be_visible()
    expect(menu.get_by_role("button", name="退出登录")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "nav-account-375.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
