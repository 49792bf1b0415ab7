"""Layout of the pipeline, transfer and flag pages at 375 and 1280 px, on the demo, with screenshots.

Saved as tmp/screenshots/<page>-<width>.png for a human to look at, and checked for
what breaks a layout without anyone looking: a page wider than the screen, a
failed asset, a script error, a status badge out of view.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Organisation
from members.models import Member, Transfer
from tests.factories import make_member

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.e2e

OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
    .filter((el) => !el.closest('.table-responsive, .overflow-auto'))
    .slice(0, 8)
    .map((el) => el.tagName.toLowerCase() + '.' + String(el.className).split(' ').join('.'));
}"""

# Badges and action buttons of a row that lie beyond the visible frame of their table.
HIDDEN = """() => Array.from(document.querySelectorAll('[data-pipeline-state], [data-report-missing], td .btn'))
  .filter((el) => {
    const frame = el.closest('.table-responsive') || document.documentElement;
    return el.getBoundingClientRect().right > frame.getBoundingClientRect().left + frame.clientWidth + 0.5;
  })
  .map((el) => el.textContent.trim())"""


def pages():
    """(screenshot name, username, url) on the demo; built after the demo exists."""
    branch = Organisation.objects.get(code="XQ0101")
    receiving = Organisation.objects.get(code="XQ0102")
    town = Organisation.objects.get(code="XQ01")
    today = timezone.localdate()
    # A few people at every state of the pipeline in 东风村, whatever the demo's random draw gave.
    make_member(branch, name="甲积极", stage="activist", activist_on=today - dt.timedelta(days=400))
    make_member(branch, name="乙积极", stage="activist", activist_on=today - dt.timedelta(days=100))
    make_member(branch, name="丙预备", stage="probationary", admitted_on=today - dt.timedelta(days=350))
    probationary = make_member(
        branch, name="丁预备", stage="probationary", admitted_on=today - dt.timedelta(days=420)
    )
    party_member = (
        Member.objects.filter(organisation=branch, stage="full", status="active").order_by("pk").first()
    )
    pending = Transfer.objects.get(status="pending", to_organisation=receiving)
    mobile = Member.objects.filter(is_mobile=True).order_by("pk").first()
    return [
        ("pipeline", "sec_xq0101", reverse("members:pipeline", args=[branch.pk])),
        ("pipeline-reviewer", "reviewer_town", reverse("members:pipeline", args=[branch.pk])),
        ("probation-extend", "sec_xq0101", reverse("members:probation_extend", args=[probationary.pk])),
        ("transfers-incoming", "sec_xq0102", reverse("members:transfers", args=[receiving.pk])),
        (
            "transfers-outgoing",
            "sec_xq0101",
            reverse("members:transfers", args=[branch.pk]) + "?box=outgoing",
        ),
        ("transfer-decide", "sec_xq0102", reverse("members:transfer_decide", args=[pending.pk])),
        ("transfer-out", "sec_xq0101", reverse("members:transfer_out", args=[party_member.pk])),
        ("transfer-in", "sec_xq0101", reverse("members:transfer_in", args=[branch.pk])),
        (
            "mobility",
            f"sec_{mobile.organisation.code.lower()}",
            reverse("members:mobility", args=[mobile.pk]),
        ),
        ("flags-mobile", "reviewer_town", reverse("members:flags", args=[town.pk]) + "?tab=mobile"),
        ("flags-lost", "reviewer_town", reverse("members:flags", args=[town.pk]) + "?tab=lost"),
        ("flags-lapse", "reviewer_town", reverse("members:flags", args=[town.pk])),
    ]


def test_pages_fit_phone_and_desktop(demo, new_page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    users = get_user_model().objects
    failures = []
    for name, username, url in pages():
        for viewport in (PHONE, DESKTOP):
            page = new_page(viewport, user=users.get(username=username))
            problems = []
            page.on("pageerror", lambda error, p=problems: p.append(f"script error: {error}"))
            page.on("requestfailed", lambda request, p=problems: p.append(f"request failed: {request.url}"))
            response = page.goto(url)
            assert response.status == 200, f"{name}: HTTP {response.status}"
            page.evaluate("document.fonts.ready")
            width = viewport["width"]
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
            expect(page.locator("h1").first).to_be_visible()
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                failures.append(
                    f"{name}@{width}: scrolls sideways ({scroll_width}px) {page.evaluate(OVERFLOWING)}"
                )
            hidden = page.evaluate(HIDDEN)
            if hidden:
                failures.append(f"{name}@{width}: out of view without scrolling the table: {hidden}")
            failures += [f"{name}@{width}: {p}" for p in problems]
            page.context.close()
    assert not failures, "\n".join(failures)
