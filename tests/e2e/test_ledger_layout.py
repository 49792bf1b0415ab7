"""年度台账 pages at 375 px and 1280 px on the demo: the list with versions, a ledger running, done and
failed, a committee's ledger split by branch, the organisation page's panel and the navigation.

The running and failed states are written straight into LedgerFile (eager mode never shows a ledger
running); the done ones are real builds. Screenshots: tmp/screenshots/ledger-<page>-<width>.png.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from archives.models import LedgerFile, LedgerStatus
from archives.services import ledgers as services
from branches.models import Organisation

from .conftest import DESKTOP, PHONE, SCREENSHOTS
from .test_layout import open_and_check

pytestmark = pytest.mark.e2e


def this_year():
    return timezone.localdate().year


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Status badges whose right edge lies beyond the table's visible frame (the table scrolls sideways).
HIDDEN_STATUS = """() => Array.from(document.querySelectorAll('[data-testid=ledger-versions] [data-status]'))
  .filter((badge) => {
    const frame = badge.closest('.table-responsive');
    return badge.getBoundingClientRect().right > frame.getBoundingClientRect().left + frame.clientWidth + 0.5;
  })
  .map((badge) => badge.closest('tr').getAttribute('data-ledger-id'))"""


def user(name):
    return get_user_model().objects.get(username=name)


def state(org, requested_by, *, year, fmt="xlsx", **fields) -> LedgerFile:
    """A ledger version in a state that eager mode never leaves on screen (running, failed, queued)."""
    last = LedgerFile.objects.filter(organisation=org, year=year, format=fmt).count()
    return LedgerFile.objects.create(
        organisation=org,
        year=year,
        format=fmt,
        version=last + 1,
        subtree=not org.is_branch,
        requested_by=requested_by,
        started_at=timezone.now(),
        task_id=f"layout-{org.code}-{year}-{fmt}-{last + 1}",
        **fields,
    )


@pytest.fixture
def ledgers(demo):
    branch = Organisation.objects.get(code="XQ0101")
    town = Organisation.objects.get(code="XQ01")
    secretary, reviewer = user("sec_xq0101"), user("reviewer_town")
    # Real builds (eager: done when the request returns), two versions of this year and one of last.
    done = [
        services.ledger_request(user=secretary, organisation=branch, year=year, formats=["xlsx"])[0]
        for year in (this_year() - 1, this_year(), this_year())
    ]
    for ledger in done:
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.DONE, ledger.error
    failed = state(
        branch,
        secretary,
        year=this_year(),
        status=LedgerStatus.FAILED,
        percent=38,
        step="生成失败",
        finished_at=timezone.now(),
        error="生成时出错：OperationalError: could not connect to server: Connection refused. "
        'Is the server running on host "db.internal.example" and accepting TCP/IP connections on port 5432?',
    )
    running = state(
        branch,
        secretary,
        year=this_year(),
        status=LedgerStatus.RUNNING,
        percent=45,
        step="正在写入：三会一课",
    )
    state(branch, secretary, year=this_year(), fmt="pdf", status=LedgerStatus.QUEUED, step="排队等待")
    subtree = state(
        town,
        reviewer,
        year=this_year(),
        fmt="pdf",
        status=LedgerStatus.RUNNING,
        percent=47,
        parts_total=12,
        parts_done=6,
        step="已完成：城关镇幸福社区党支部",
    )
    return {
        "branch": branch,
        "town": town,
        "done": done[-1],
        "failed": failed,
        "running": running,
        "subtree": subtree,
    }


def test_ledger_pages_fit_screen(ledgers, new_page):
    branch, town = ledgers["branch"], ledgers["town"]
    detail = lambda key: reverse("archives:ledger_detail", args=[ledgers[key].pk])  # noqa: E731
    pages = {
        "ledger-list": ("sec_xq0101", reverse("archives:ledger_list", args=[branch.pk])),
        "ledger-list-committee": ("reviewer_town", reverse("archives:ledger_list", args=[town.pk])),
        "ledger-running": ("sec_xq0101", detail("running")),
        "ledger-done": ("sec_xq0101", detail("done")),
        "ledger-failed": ("sec_xq0101", detail("failed")),
        "ledger-subtree": ("reviewer_town", detail("subtree")),
        "ledger-panel": ("sec_xq0101", branch.get_absolute_url()),
    }
    failures = []
    for name, (username, url) in pages.items():
        for viewport in (PHONE, DESKTOP):
            page = None
            try:
                page = open_and_check(new_page, name, viewport, user(username), url, 200)
                expect(page.locator("h1").first).to_be_visible()
                if name in ("ledger-running", "ledger-subtree"):
                    # Still running: htmx asks again every second and swaps the bar in place.
                    with page.expect_response(lambda r: r.url.endswith("/status/") and r.status == 200):
                        pass
                    bar = page.get_by_test_id("ledger-progress")
                    expect(bar).to_have_attribute("role", "progressbar")
                    expect(bar).to_have_attribute("aria-valuenow", str(ledgers[name[7:]].percent))
                if name == "ledger-subtree":
                    expect(page.get_by_test_id("ledger-parts")).to_have_text("已完成 6 / 12 个党支部")
                if name == "ledger-panel":
                    panel = page.get_by_test_id("archive-panel")
                    panel.scroll_into_view_if_needed()
                    panel.screenshot(path=SCREENSHOTS / f"ledger-panel-card-{viewport['width']}.png")
                    expect(panel).to_contain_text(f"{this_year()}年度台账")
                    expect(panel).to_contain_text(f"第{ledgers['done'].version}版")
                if name == "ledger-list":
                    # The status of each version shows without scrolling the table sideways.
                    hidden = page.evaluate(HIDDEN_STATUS)
                    assert not hidden, f"status badges out of the table's frame: {hidden}"
            except AssertionError as error:
                failures.append(f"{name} at {viewport['width']}px: {error}")
            finally:
                if page is not None:
                    page.context.close()
    assert not failures, "\n".join(failures)


def test_archive_menu_opens_at_both_widths(demo, new_page):
    """The 档案台账 menu: on a phone inside the opened menu, on a desktop as a dropdown; a reviewer's bar
    stays one line high at 1280 px (the label is shortened to 档案 between 992 and 1400 px)."""
    for username, viewport in [
        (u, v) for u in ("reviewer_town", "sec_xq0101", "admin") for v in (PHONE, DESKTOP)
    ]:
        page = new_page(viewport, user=user(username))
        page.goto(reverse("archives:home"))
        if viewport is PHONE:
            page.get_by_role("button", name="展开导航").click()
        page.get_by_test_id("nav-archives").click()
        item = page.get_by_role("link", name="年度台账").first
        expect(item).to_be_visible()
        expect(page.get_by_role("link", name="文件盒（三本五盒）").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"ledger-nav-{username}-{viewport['width']}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if viewport is DESKTOP:
            # One line at 1280 px for every role (系统管理 lives in the admin's user menu).
            height = page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
            assert height < 70, f"the navigation wraps at 1280 px ({height}px high)"
        item.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("年度台账")
        page.context.close()
