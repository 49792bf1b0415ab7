"""Browser journey of an annual ledger: an admin asks for a branch's Excel ledger, watches the bar, downloads it.

With REDIS_URL set the ledger is built by a real Celery worker (tests/conftest.py ``celery_worker``)
and each progress step is slowed down, so the page really polls the bar while it moves; without it
the task runs eagerly inside the request and the page opens on a full bar. Screenshots go to
tmp/screenshots/ledger-journey-*.png.
"""

import os
import time

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from archives.models import LedgerFile, LedgerStatus
from archives.services import build
from tests.factories import make_member

from .conftest import DESKTOP, SCREENSHOTS, watch

pytestmark = pytest.mark.e2e

WORKER = bool(os.environ.get("REDIS_URL"))


def this_year():
    return timezone.localdate().year


# With a worker, each progress report is held this long, so that the build spans several polls.
STEP_PAUSE = 0.35


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def builder(request, monkeypatch):
    """The real worker when there is a broker (its progress slowed down), eager mode otherwise."""
    if not WORKER:
        return None
    report = build._reporter

    def slow_reporter(ledger_id):
        inner = report(ledger_id)

        def slow(percent, step):
            inner(percent, step)
            time.sleep(STEP_PAUSE)

        return slow

    monkeypatch.setattr(build, "_reporter", slow_reporter)
    return request.getfixturevalue("celery_worker")


def watch_bar(page, seconds=60) -> list[int]:
    """The bar's values as the page shows them, until the ledger is done (the page reloads itself)."""
    seen: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = page.get_by_test_id("ledger-progress").get_attribute("aria-valuenow", timeout=1000)
            if value is not None and (not seen or seen[-1] != int(value)):
                seen.append(int(value))
            if page.get_by_test_id("ledger-done").count():
                return seen
        except PlaywrightError:
            pass  # the page is reloading between two reads
        page.wait_for_timeout(100)
    raise AssertionError(f"the bar did not finish in {seconds} s: {seen}")


@pytest.mark.django_db(transaction=True)
def test_admin_builds_a_branch_ledger_and_downloads_it(tree, admin_user, new_page, builder, tmp_path):
    branch = tree["branch"]
    for name in ("王建华", "刘秀英", "张伟"):
        make_member(branch, name=name)
    page = new_page(DESKTOP, user=admin_user)
    problems = watch(page)

    # From the branch's page, through the archive panel, to its ledgers.
    page.goto(branch.get_absolute_url())
    page.get_by_test_id("archive-panel").get_by_role("link", name="年度台账").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("年度台账")
    expect(page.get_by_role("heading", level=1)).to_contain_text("东村党支部")

    page.get_by_label("年度").select_option(str(this_year()))
    page.get_by_label("Excel").check()
    polls = []
    page.on("request", lambda r: "/status/" in r.url and polls.append(r.url))
    page.get_by_test_id("ledger-submit").click()
    page.wait_for_url("**/archives/ledgers/*/")
    if WORKER:
        expect(page.get_by_test_id("ledger-running")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "ledger-journey-running-1280.png", full_page=True)

    seen = watch_bar(page)
    expect(page.get_by_test_id("ledger-percent")).to_have_text("100%")
    expect(page.get_by_test_id("ledger-progress")).to_have_attribute("aria-valuenow", "100")
    print(f"bar seen: {seen}; status polls: {len(polls)}")
    assert seen == sorted(seen), f"the bar went backwards: {seen}"
    assert seen[-1] == 100
    if WORKER:
        # Really polled: the bar was seen part-way, and htmx asked for the status more than once.
        assert any(0 <= v < 100 for v in seen), seen
        assert len(polls) >= 2, polls
    ledger = LedgerFile.objects.get()
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert ledger.requested_by == admin_user
    expect(page.get_by_test_id("ledger-sha256")).to_have_text(ledger.sha256)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "ledger-journey-done-1280.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("ledger-download").click()
    assert (
        download.value.suggested_filename == ledger.filename == f"东村党支部-{this_year()}年度台账-第1版.xlsx"
    )
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.stat().st_size == ledger.size

    workbook = load_workbook(path, read_only=True)
    assert "党员花名册" in workbook.sheetnames
    cells = {str(c) for row in workbook["党员花名册"].iter_rows(values_only=True) for c in row if c}
    assert {"王建华", "刘秀英", "张伟"} <= cells

    # The version is listed with its download link on the ledgers page.
    page.locator("main").get_by_role("link", name="年度台账").click()
    row = page.get_by_test_id("ledger-versions").locator(f"tr[data-ledger-id='{ledger.pk}']")
    expect(row).to_contain_text("已完成")
    expect(row.get_by_test_id("ledger-download")).to_be_visible()
    assert not problems, problems
