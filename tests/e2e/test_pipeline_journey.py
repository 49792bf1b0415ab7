"""Journey: a branch secretary advances an activist to 发展对象 and admits a 发展对象 with the resolution's number."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Organisation
from members.models import Member, StageChange
from tests.factories import make_member

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_secretary_advances_and_admits(demo, new_page, viewport):
    branch = Organisation.objects.get(code="XQ0101")
    today = timezone.localdate()
    activist = make_member(
        branch,
        name="甲积极",
        stage="activist",
        activist_on=today - dt.timedelta(days=400),
        birth_date=dt.date(1995, 3, 3),
    )
    candidate = make_member(
        branch,
        name="乙发展",
        stage="candidate",
        candidate_on=today - dt.timedelta(days=90),
        birth_date=dt.date(1996, 4, 4),
    )
    secretary = get_user_model().objects.get(username="sec_xq0101")
    page = new_page(viewport, user=secretary)
    width = viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(reverse("members:pipeline", args=[branch.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("发展党员")
    row = page.locator(f'tr[data-member-id="{activist.pk}"]')
    expect(row).to_have_attribute("data-state", "ready")
    expect(row.locator("[data-pipeline-state]")).to_have_text("培养已满1年，可确定为发展对象")

    # 入党积极分子 → 发展对象: the page says what will be recorded; the date defaults to today.
    row.get_by_role("link", name="确定为发展对象").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确定为发展对象：甲积极")
    expect(page.get_by_test_id("step-summary")).to_contain_text("入党积极分子")
    page.get_by_label("依据文件/文号").fill("东风村支委会决定〔2026〕4号")
    page.screenshot(path=SCREENSHOTS / f"pipeline-step-{width}.png", full_page=True)
    page.get_by_role("button", name="确认确定为发展对象").click()
    expect(page.locator(".alert-success")).to_contain_text("已为甲积极办理“确定为发展对象”")
    expect(page).to_have_url(re.compile(rf"/members/org/{branch.pk}/pipeline/$"))
    activist.refresh_from_db()
    assert (activist.stage, activist.candidate_on) == ("candidate", today)

    # 发展对象 → 预备党员: refused without the resolution's number, then recorded with it.
    page.locator(f'tr[data-member-id="{candidate.pk}"]').get_by_role("link", name="接收为预备党员").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("接收为预备党员：乙发展")
    page.get_by_role("button", name="确认接收为预备党员").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_contain_text(
        "请填写支部党员大会决议或上级批复的文号"
    )
    assert Member.objects.get(pk=candidate.pk).stage == "candidate"
    page.get_by_label("决议/批复文号").fill("城关镇党委〔2026〕21号")
    page.screenshot(path=SCREENSHOTS / f"pipeline-admit-{width}.png", full_page=True)
    page.get_by_role("button", name="确认接收为预备党员").click()
    expect(page.locator(".alert-success")).to_contain_text("已为乙发展办理“接收为预备党员”")
    candidate.refresh_from_db()
    assert (candidate.stage, candidate.admitted_on, candidate.admission_doc_no) == (
        "probationary",
        today,
        "城关镇党委〔2026〕21号",
    )
    assert StageChange.objects.filter(
        member=candidate, stage="probationary", document="城关镇党委〔2026〕21号"
    ).exists()

    # Now listed as 预备党员, with the probation's end a year on.
    page.get_by_test_id("stage-tabs").get_by_role("link", name=re.compile("预备党员")).click()
    admitted = page.locator(f'tr[data-member-id="{candidate.pk}"]')
    expect(admitted).to_contain_text("预备党员转正")
    expect(admitted).to_contain_text(f"{today.year + 1}-")
