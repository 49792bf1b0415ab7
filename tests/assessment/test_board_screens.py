"""The public board and the objection form in a real browser, at 375 and 1280 px (screenshots for a human)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Objection
from assessment.services.publicity import publicity_open
from branches.models import Role
from tests.e2e import conftest as e2e
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, fits, watch
from tests.factories import UserFactory, grant, make_org

pytestmark = pytest.mark.e2e
browser, new_page = e2e.browser, e2e.new_page  # the e2e fixtures, in this module's scope

WIDTHS = {"375": PHONE, "1280": DESKTOP}


@pytest.fixture
def board(transactional_db, live_server):
    today = timezone.localdate()
    county = make_org(name="青山县委组织部", code="S0")
    town = make_org(county, kind="committee", name="青山镇党委", code="S1", sector="village")
    east = make_org(town, name="东山村党支部", code="S1B1", sector="village")
    west = make_org(town, name="西河村股份经济合作社党支部", code="S1B2", sector="village")
    grant(UserFactory(username="screen_reviewer"), town, Role.REVIEWER)
    day = dt.timedelta(days=1)
    items = [
        publicity_open(
            organisation=east,
            subject="rating",
            title="东山村党支部2025年度星级评定结果：五星候选（待县级复核）",
            body="考评总分92.50分，拟定为五星候选（待县级复核）。\n公示期间如有异议，请通过本页反映。",
            starts_on=today - 2 * day,
            ends_on=today + 5 * day,
        ),
        publicity_open(
            organisation=west,
            subject="admission",
            title="关于拟发展李明同志为中共预备党员的公示",
            body="李明，男，汉族，1995年3月生，大学本科学历，2022年4月递交入党申请书，"
            "2023年5月确定为入党积极分子，2024年6月确定为发展对象。所在支部：西河村股份经济合作社党支部。",
            starts_on=today,
            ends_on=today,
        ),
        publicity_open(
            organisation=town,
            subject="election",
            title="青山镇党委换届选举结果公示",
            body="经党员大会选举产生新一届委员会委员7名。",
            starts_on=today - day,
            ends_on=today + 3 * day,
        ),
    ]
    return {"town": town, "items": items}


@pytest.mark.parametrize("width", WIDTHS)
def test_board_and_objection_form(new_page, board, width):
    page = new_page(WIDTHS[width])
    problems = watch(page)
    page.goto(reverse("board:board", args=["S1"]))
    assert page.locator("[data-publicity-id]").count() == 3
    fits(page, WIDTHS[width]["width"])
    page.screenshot(path=str(SCREENSHOTS / f"board-{width}.png"), full_page=True)

    page.locator("[data-publicity-id]").first.get_by_role("link", name="对此项提出异议").click()
    page.get_by_label("异议内容").fill("该支部第三季度党课记录与实际不符，建议核实。")
    page.get_by_label("联系电话（可不填）").fill("123")
    page.get_by_role("button", name="提交异议").click()
    assert page.get_by_text("请填写正确的手机号码").is_visible()
    fits(page, WIDTHS[width]["width"])
    page.screenshot(path=str(SCREENSHOTS / f"board-objection-{width}.png"), full_page=True)

    page.get_by_label("联系电话（可不填）").fill("13812345678")
    page.get_by_role("button", name="提交异议").click()
    reference = page.get_by_test_id("reference").inner_text()
    assert Objection.objects.get().pk == int(reference)
    assert "13812345678" not in page.content()
    fits(page, WIDTHS[width]["width"])
    page.screenshot(path=str(SCREENSHOTS / f"board-thanks-{width}.png"), full_page=True)
    assert problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_reviewer_objection_list(new_page, board, width):
    from django.contrib.auth import get_user_model

    Objection.objects.create(
        publicity=board["items"][0],
        text="该支部第三季度党课记录与实际不符，建议核实。",
        phone="13812345678",
        client="0" * 64,
    )
    page = new_page(WIDTHS[width], get_user_model().objects.get(username="screen_reviewer"))
    problems = watch(page)
    page.goto(reverse("assessment:objection_list", args=[board["town"].pk]))
    page.get_by_text("记录处理情况").click()
    fits(page, WIDTHS[width]["width"])
    page.screenshot(path=str(SCREENSHOTS / f"objection-list-{width}.png"), full_page=True)
    page.goto(reverse("assessment:publicity_list", args=[board["town"].pk]))
    fits(page, WIDTHS[width]["width"])
    page.screenshot(path=str(SCREENSHOTS / f"publicity-list-{width}.png"), full_page=True)
    assert problems == []
