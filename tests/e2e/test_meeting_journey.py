"""Journey: a branch secretary on a phone (375 × 812) logs this month's committee meeting with attendance
from the navigation, and the month's cell in the compliance calendar turns green. Then the meetings pages
are photographed at 375 and 1280 px into tmp/screenshots/meetings-<page>-<width>.png and checked for
sideways scrolling and script errors."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Grant, Organisation, Role
from meetings import compliance, rules
from meetings.models import ComplianceRecord, ComplianceStatus, Meeting, MeetingKind
from meetings.services.meetings import meeting_cancel

from .conftest import DESKTOP, PHONE, SCREENSHOTS, fits, watch

pytestmark = pytest.mark.e2e


def branch_without_committee_meeting_this_month():
    """XQ0101 (a committee of five) with this month's committee meetings, if the demo held any, withdrawn."""
    branch = Organisation.objects.get(code="XQ0101")
    today = timezone.localdate()
    for meeting in Meeting.objects.filter(
        branch=branch, kind__code="committee", starts_at__gte=rules.local_start(today.replace(day=1))
    ).exclude(status="cancelled"):
        meeting_cancel(meeting=meeting, reason="演示：本月支委会改期")
    compliance.refresh([branch.pk], today.year)
    assert ComplianceRecord.objects.get(
        organisation=branch, requirement__kind__code="committee", period_start=today.replace(day=1)
    ).status in (ComplianceStatus.PENDING, ComplianceStatus.SHORT)
    return branch


def test_secretary_logs_a_committee_meeting_on_a_phone_and_the_cell_turns_green(demo, new_page):
    branch = branch_without_committee_meeting_this_month()
    secretary = Grant.objects.filter(organisation=branch, role=Role.SECRETARY).first().user
    month = timezone.localdate().month

    page = new_page(PHONE, user=secretary)
    problems = watch(page)
    page.goto(reverse("home"))
    page.get_by_role("button", name="展开导航").click()
    page.locator("#mainNav").get_by_role("link", name="组织生活").click()
    cell = page.locator(f'tr[data-requirement="committee"] td[data-month="{month}"]')
    expect(cell).not_to_have_attribute("data-status", "met")
    page.screenshot(path=str(SCREENSHOTS / "meetings-journey-before-375.png"), full_page=True)

    page.get_by_role("link", name="记录会议").first.click()
    page.locator('[data-kind="committee"]').click()
    rows = page.locator("[data-att-row]")
    expect(rows.first).to_be_visible()
    expected = rows.count()
    assert expected >= 3, "a committee has at least three members"
    page.get_by_label("主题").fill("研究本月发展党员和党费收缴工作")
    # One member on leave with a reason; everyone else stays present by default.
    second = rows.nth(1)
    second.locator("label.btn", has_text="请假").click()
    second.locator('input[type="text"]').fill("出差")
    page.screenshot(path=str(SCREENSHOTS / "meetings-journey-form-375.png"), full_page=True)
    page.get_by_test_id("submit").click()

    expect(page.get_by_text("研究本月发展党员和党费收缴工作").first).to_be_visible()
    meeting = Meeting.objects.filter(branch=branch, kind__code="committee").order_by("-pk").first()
    assert meeting.topic == "研究本月发展党员和党费收缴工作"
    assert meeting.status == "submitted"
    assert meeting.expected_count == expected
    assert meeting.present_count == expected - 1
    assert meeting.attendances.filter(presence="leave", reason="出差").count() == 1

    page.goto(reverse("meetings:calendar", args=[branch.pk]))
    expect(cell).to_have_attribute("data-status", "met")
    page.screenshot(path=str(SCREENSHOTS / "meetings-journey-after-375.png"), full_page=True)
    fits(page, PHONE["width"])
    assert not problems, problems


def _pages():
    branch_code = "XQ0101"
    from branches.models import Organisation

    branch = Organisation.objects.get(code=branch_code)
    meeting = Meeting.objects.filter(branch=branch, status="submitted").order_by("-starts_at").first()
    general = Meeting.objects.filter(branch=branch, kind__code="general").order_by("-starts_at").first()
    committee_kind = MeetingKind.objects.get(code="committee")
    return {
        "calendar": ("sec_xq0101", reverse("meetings:calendar", args=[branch.pk])),
        "list": ("sec_xq0101", reverse("meetings:list", args=[branch.pk])),
        "record-choose": ("sec_xq0101", reverse("meetings:record", args=[branch.pk])),
        "record-form": (
            "sec_xq0101",
            reverse("meetings:record", args=[branch.pk]) + f"?kind={committee_kind.code}",
        ),
        "detail": ("sec_xq0101", reverse("meetings:detail", args=[meeting.pk])),
        "resolution": ("sec_xq0101", reverse("meetings:resolution_add", args=[general.pk])),
        "requirements": ("sec_xq0101", reverse("meetings:requirements", args=[branch.pk])),
        "talks": ("sec_xq0101", reverse("meetings:talks", args=[branch.pk])),
        "appraisals": (
            "sec_xq0101",
            reverse("meetings:appraisals", args=[branch.pk]) + f"?year={timezone.localdate().year - 1}",
        ),
        "review": ("reviewer_town", reverse("meetings:review_list", args=[branch.parent_id])),
        "return": ("reviewer_town", reverse("meetings:return", args=[meeting.pk])),
        "overrides": ("admin", reverse("meetings:overrides")),
        "my-attendance": ("member_xq0101", reverse("meetings:my_attendance")),
    }


def test_meetings_pages_fit_a_phone_and_a_desktop(demo, new_page):
    users = get_user_model().objects
    for name, (username, url) in _pages().items():
        for viewport in (PHONE, DESKTOP):
            page = new_page(viewport, user=users.get(username=username))
            problems = watch(page)
            response = page.goto(url)
            assert response.status == 200, f"{name}: {response.status}"
            page.screenshot(
                path=str(SCREENSHOTS / f"meetings-{name}-{viewport['width']}.png"), full_page=True
            )
            fits(page, viewport["width"])
            text = page.inner_text("body")
            assert not any(mark in text for mark in ("{#", "#}", "{%", "{{")), (
                f"{name}: template syntax shown"
            )
            assert not problems, f"{name}: {problems}"
            page.context.close()


def test_date_change_reloads_the_roster_of_that_day(demo, new_page):
    """Changing the date swaps the attendance list (htmx) without losing the topic typed."""
    from branches.models import Organisation

    branch = Organisation.objects.get(code="XQ0101")
    page = new_page(PHONE, user=get_user_model().objects.get(username="sec_xq0101"))
    problems = watch(page)
    page.goto(reverse("meetings:record", args=[branch.pk]) + "?kind=general")
    page.get_by_label("主题").fill("学习党章")
    earlier = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    page.locator('input[type="date"]').first.fill(earlier)
    page.locator('input[type="date"]').first.dispatch_event("change")
    expect(page.get_by_test_id("attendance")).to_have_attribute("data-roster-day", earlier)
    expect(page.get_by_label("主题")).to_have_value("学习党章")
    assert not problems, problems
