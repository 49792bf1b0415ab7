"""Journey: 红旗村党支部 (XQ0102) elects a new committee.

The secretary drafts the request (candidates ticked) and sends it with its document number; the town's
reviewer approves; the secretary records the 党员大会 with attendance, links it as the 选举大会, enters the
tally and reports the positions with another member as 书记; the reviewer confirms and sees the new
secretary's login and one-time password; the new secretary logs in through the form and may record, the
old one no longer. Every election page is photographed at 375 and 1280 px into
tmp/screenshots/election-<page>-<width>.png and checked for sideways scrolling.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from branches.models import Grant, Organisation, Role
from meetings import elections as rules
from meetings.models import Election, ElectionStatus
from meetings.services.elections import eligible_members
from members.models import Member

from .conftest import DESKTOP, PHONE, SCREENSHOTS, fits, watch

pytestmark = pytest.mark.e2e

SEATS = 3


def shoot(page, name: str) -> None:
    """Photograph the page at both widths (full page) and check it never scrolls sideways."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(100)
        page.screenshot(path=str(SCREENSHOTS / f"election-{name}-{viewport['width']}.png"), full_page=True)
        fits(page, viewport["width"])
        text = page.inner_text("body")
        assert not any(mark in text for mark in ("{#", "#}", "{%", "{{")), f"{name}: template syntax shown"
    page.set_viewport_size(DESKTOP)


def test_branch_elects_a_new_committee_and_the_secretary_changes(demo, new_page):
    users = get_user_model().objects
    branch = Organisation.objects.get(code="XQ0102")
    old = users.get(username="sec_xq0102")
    reviewer = users.get(username="reviewer_town")
    assert not Election.objects.filter(organisation=branch).exists()
    own = Member.objects.filter(user=old).values_list("pk", flat=True)
    # Candidates without an account of their own first: the new 书记 gets a new login and a password.
    pool = list(eligible_members(branch).exclude(pk__in=own).order_by("user_id", "pk"))
    needed = rules.min_candidates(SEATS)
    assert len(pool) >= needed, "红旗村党支部 needs enough full members for a differential election"
    candidates = pool[:needed]

    # --- the secretary drafts and sends the request
    page = new_page(DESKTOP, user=old)
    problems = watch(page)
    page.goto(reverse("meetings:election_list", args=[branch.pk]))
    shoot(page, "list")
    page.get_by_test_id("election-start").click()
    expect(page.get_by_test_id("candidate-rule")).to_contain_text("候选人应不少于")
    page.get_by_label("委员名额").fill(str(SEATS))
    for m in candidates:
        page.locator(f'input[name="candidates"][value="{m.pk}"]').check()
    shoot(page, "start")
    page.get_by_role("button", name="保存请示草稿").click()
    expect(page.get_by_test_id("election-status")).to_have_text("起草请示")
    election = Election.objects.get(organisation=branch)
    assert election.candidates.count() == needed
    shoot(page, "detail-draft")
    page.get_by_test_id("form-request").get_by_label("请示文号").fill("红旗支〔2026〕1号")
    page.get_by_role("button", name="报送请示").click()
    expect(page.get_by_test_id("election-status")).to_have_text("已请示，待批复")
    shoot(page, "detail-requested")
    page.goto(reverse("meetings:election_edit", args=[election.pk]))  # too late to change: said plainly
    expect(page.locator(".alert").filter(has_text="只有在").first).to_be_visible()
    assert not problems, problems

    # --- the reviewer approves
    rpage = new_page(DESKTOP, user=reviewer)
    rproblems = watch(rpage)
    rpage.goto(election.get_absolute_url())
    shoot(rpage, "detail-review-request")
    rpage.get_by_test_id("form-approve").get_by_label("批复文号").fill("镇委〔2026〕21号")
    rpage.get_by_role("button", name="批复同意").click()
    expect(rpage.get_by_test_id("election-status")).to_have_text("已批复，待选举")

    # --- the secretary records the 党员大会 (everyone present) and links it
    page.goto(election.get_absolute_url())
    shoot(page, "detail-approved")
    page.get_by_test_id("record-meeting").click()
    page.get_by_label("主题").fill("红旗村党支部换届选举党员大会")
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("红旗村党支部换届选举党员大会").first).to_be_visible()
    page.goto(election.get_absolute_url())
    select = page.get_by_test_id("form-meeting").locator("select")
    select.select_option(index=1)
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.get_by_test_id("quorum")).to_be_visible()
    election.refresh_from_db()
    present = election.present
    assert present == election.entitled and rules.quorum_met(election.entitled, present)
    expect(page.get_by_test_id("to-win")).to_have_text(str(rules.votes_to_win(election.entitled)))
    shoot(page, "detail-ballot")

    # --- the tally: the first three pass, the last does not
    form = page.get_by_test_id("form-round")
    form.get_by_label("发出选票").fill(str(present))
    form.get_by_label("收回选票").fill(str(present))
    rows = form.locator("tr[data-candidate]")
    for i in range(rows.count()):
        yes = present - i if i < SEATS else 0
        inputs = rows.nth(i).locator("input")
        inputs.nth(0).fill(str(yes))
        inputs.nth(1).fill(str(present - yes))
        inputs.nth(2).fill("0")
    form.get_by_label(re.compile("核对无误")).check()
    form.get_by_role("button", name="录入本轮结果").click()
    expect(page.get_by_test_id("election-status")).to_have_text("已选举，待报告结果")
    expect(page.get_by_test_id("round-1")).to_be_visible()
    shoot(page, "detail-held")

    # --- the report: the second candidate becomes 书记
    elected = list(election.candidates.filter(elected=True).select_related("member").order_by("order"))
    assert len(elected) == SEATS
    new_secretary = elected[1].member
    report = page.get_by_test_id("form-report")
    for cand, position in zip(elected, ("组织委员", "书记", "宣传委员"), strict=True):
        report.locator(f'select[name="position_{cand.pk}"]').select_option(label=position)
    report.get_by_label("结果报告文号").fill("红旗支〔2026〕2号")
    report.get_by_role("button", name="报告选举结果").click()
    expect(page.get_by_test_id("election-status")).to_have_text("已报告结果，待批准")
    shoot(page, "detail-reported")
    response = page.request.get(reverse("meetings:election_result_pdf", args=[election.pk]))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    print(f"PDF: {len(response.body())} bytes, {response.headers.get('server-timing')}")
    page.goto(
        reverse("meetings:election_cancel", args=[election.pk])
    )  # too late to cancel: back with a message
    expect(page.locator(".alert-danger, .alert-warning").first).to_be_visible()

    # --- the reviewer confirms and sees the new login once
    rpage.goto(election.get_absolute_url())
    rpage.get_by_test_id("go-confirm").click()
    shoot(rpage, "confirm")
    rpage.get_by_label("批准文号").fill("镇委〔2026〕30号")
    rpage.get_by_role("button", name="确认批准").click()
    login_name = rpage.get_by_test_id("login-name").inner_text()
    password = rpage.get_by_test_id("initial-password").inner_text()
    assert login_name and password
    shoot(rpage, "confirmed")
    election.refresh_from_db()
    assert election.status == ElectionStatus.CONFIRMED
    rpage.goto(election.get_absolute_url())
    expect(rpage.get_by_test_id("initial-password")).to_have_count(0)
    shoot(rpage, "detail-confirmed")
    assert not rproblems, rproblems
    assert not problems, problems

    # --- the new secretary logs in through the form and may record
    fresh = new_page(PHONE)
    fproblems = watch(fresh)
    fresh.goto("/")
    fresh.get_by_label("用户名", exact=True).fill(login_name)
    fresh.get_by_label("密码", exact=True).fill(password)
    fresh.get_by_role("button", name="登录", exact=True).click()
    expect(fresh).not_to_have_url(re.compile(r"/accounts/login/"))
    fresh.goto(reverse("branches:org_detail", args=[branch.pk]))
    expect(fresh.get_by_role("heading", level=1)).to_contain_text("红旗村党支部")
    expect(fresh.get_by_role("link", name="记录会议").first).to_be_visible()
    assert fresh.goto(reverse("members:roster", args=[branch.pk])).status == 200
    assert fresh.goto(reverse("meetings:record", args=[branch.pk])).status == 200
    assert not fproblems, fproblems
    new_secretary.refresh_from_db()
    assert new_secretary.user.username == login_name
    assert Grant.objects.filter(user=new_secretary.user, organisation=branch, role=Role.SECRETARY).exists()

    # --- the old secretary no longer keeps the branch's records
    page.goto("/")
    assert page.goto(reverse("members:roster", args=[branch.pk])).status == 404
    assert page.goto(reverse("meetings:record", args=[branch.pk])).status == 404
