"""Journey: a branch secretary registers a new member from the roster — a mistyped ID number is refused
with the input kept — then appoints a committee member and sees the committee on the branch page."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from members import idcard
from members.models import Appointment, Member

from .conftest import DESKTOP, PHONE
from .test_reviewer_tree import open_nav_link

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_secretary_registers_a_member_and_appoints_the_committee(demo, new_page, viewport):
    secretary = get_user_model().objects.get(username="sec_xq0105")  # 向阳村党支部
    page = new_page(viewport, user=secretary)
    page.goto("/")
    open_nav_link(page, "花名册")
    expect(page.get_by_role("heading", level=1)).to_contain_text("党员花名册")
    page.get_by_role("link", name="登记党员").click()

    birth = dt.date(1988, 5, 17)
    good = idcard.make_id_number("330182", birth, 35)  # odd sequence digit: a man
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.get_by_label("姓名").fill("严正")
    page.get_by_label("性别").select_option(label="男")
    page.get_by_label("出生日期").fill(birth.isoformat())
    page.get_by_label("居民身份证号").fill(bad)
    page.get_by_label("联系电话").fill("13906660001")
    page.get_by_label("发展阶段").select_option(label="正式党员")
    page.get_by_label("转正日期").fill("2015-07-01")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("身份证号校验位不正确")).to_be_visible()
    expect(page.get_by_label("姓名")).to_have_value("严正")  # nothing the secretary typed is lost
    assert not Member.objects.filter(name="严正").exists()

    page.get_by_label("居民身份证号").fill(good)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("严正")
    expect(page.get_by_test_id("id-number")).to_have_text(good)  # the secretary sees it in full

    page.get_by_role("link", name="向阳村党支部").first.click()
    page.get_by_role("link", name="任命班子成员").click()
    page.locator("#id_member").select_option(label="严正")
    page.locator("#id_position").select_option(label="宣传委员")
    page.get_by_role("button", name="任命").click()
    expect(page).to_have_url(re.compile(r"/orgs/\d+/$"))
    committee = page.get_by_test_id("committee")
    expect(committee).to_contain_text("宣传委员")
    expect(committee).to_contain_text("严正")
    assert Appointment.objects.filter(member__name="严正", position="propaganda").exists()
