"""The public board (公示栏): no login, the subtree's items under 公示 today, no personal data."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Objection
from assessment.services.publicity import client_key, objection_submit, publicity_open
from assessment.views import publicity as views
from branches.services import organisation_dissolve
from tests.factories import make_member

TODAY = dt.date(2026, 3, 10)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: TODAY)


def publish(org, title, starts_on, ends_on, body="公示内容。", subject="rating"):
    return publicity_open(
        organisation=org, subject=subject, title=title, body=body, starts_on=starts_on, ends_on=ends_on
    )


def board_url(org):
    return reverse("board:board", args=[org.code])


def shown(response) -> set[str]:
    return {item.title for item in response.context["page"].object_list}


@pytest.fixture
def items(tree):
    branch = tree["branch"]
    return {
        "starts_today": publish(branch, "今天开始", TODAY, TODAY + 5 * DAY),
        "ends_today": publish(tree["other_branch"], "今天结束", TODAY - 5 * DAY, TODAY),
        "ended_yesterday": publish(branch, "昨天结束", TODAY - 7 * DAY, TODAY - DAY),
        "starts_tomorrow": publish(branch, "明天开始", TODAY + DAY, TODAY + 6 * DAY),
        "sibling": publish(tree["sibling_branch"], "国企公示", TODAY - DAY, TODAY + DAY),
        "own_committee": publish(tree["town"], "镇党委自身", TODAY - 2 * DAY, TODAY + 2 * DAY),
    }


def test_board_shows_exactly_the_items_in_their_period(client, tree, items):
    response = client.get(board_url(tree["town"]))
    assert response.status_code == 200
    assert shown(response) == {"今天开始", "今天结束", "镇党委自身"}
    html = response.content.decode()
    assert "明天开始" not in html and "昨天结束" not in html and "国企公示" not in html
    assert reverse("board:objection", args=["C1", items["starts_today"].pk]) in html


def test_newest_first_with_organisation_and_period(client, tree, items):
    response = client.get(board_url(tree["town"]))
    titles = [item.title for item in response.context["page"].object_list]
    assert titles == ["今天开始", "镇党委自身", "今天结束"]
    html = response.content.decode()
    assert "东村党支部" in html and "星级评定" in html
    assert "2026年3月10日" in html and "2026年3月15日" in html
    assert "今天截止" in html and "还剩5天" in html


def test_county_board_holds_both_committees_and_a_branch_board_its_own(client, tree, items):
    assert shown(client.get(board_url(tree["county"]))) == {"今天开始", "今天结束", "镇党委自身", "国企公示"}
    assert shown(client.get(board_url(tree["branch"]))) == {"今天开始"}
    assert shown(client.get(board_url(tree["sibling"]))) == {"国企公示"}


def test_anonymous_sees_no_portal_navigation(client, tree, items):
    html = client.get(board_url(tree["town"])).content.decode()
    assert "退出登录" not in html and "组织架构" not in html and "navbar-toggler" not in html


def test_logged_in_user_sees_the_same_board(login, reviewer, tree, items):
    response = login(reviewer).get(board_url(tree["town"]))
    assert response.status_code == 200
    assert shown(response) == {"今天开始", "今天结束", "镇党委自身"}


@pytest.mark.parametrize("code", ["NOPE", "C1B1G1"])
def test_unknown_code_or_party_group_is_404(client, tree, code):
    assert client.get(reverse("board:board", args=[code])).status_code == 404


def test_dissolved_organisation_is_404(client, tree, items):
    organisation_dissolve(organisation=tree["sibling_branch"], on=dt.date(2026, 1, 5), reason="撤并")
    assert client.get(board_url(tree["sibling_branch"])).status_code == 404


def test_no_phone_or_id_number_on_the_board(client, tree, reviewer):
    member = make_member(tree["branch"], name="张三", phone="13912345678")
    item = publish(
        tree["branch"],
        f"拟发展对象{member.name}公示",
        TODAY - DAY,
        TODAY + 4 * DAY,
        subject="admission",
        body=f"{member.name}，身份证号{member.id_number}，联系电话{member.phone}，所在支部东村党支部。",
    )
    item.created_by = reviewer
    item.save()
    objection_submit(
        publicity=item,
        text="他的电话是13812345678",
        name="李四",
        phone="13700001111",
        client=client_key("10.0.0.1"),
        today=TODAY,
    )
    html = client.get(board_url(tree["town"])).content.decode()
    assert "张三" in html and "东村党支部" in html
    for secret in (member.phone, member.id_number, "13812345678", "13700001111", "李四", "reviewer"):
        assert secret not in html
    assert member.id_number[:6] + "********" + member.id_number[14:] in html
    assert "139****5678" in html
    assert Objection.objects.count() == 1


def test_board_is_paginated(client, tree):
    for n in range(25):
        publish(tree["branch"], f"第{n}项", TODAY, TODAY)
    response = client.get(board_url(tree["town"]))
    assert len(response.context["page"].object_list) == views.BOARD_PAGE_SIZE
    assert response.context["page"].paginator.count == 25
    assert len(client.get(board_url(tree["town"]) + "?page=2").context["page"].object_list) == 5


def _board_queries(client, tree, n):
    for i in range(n):
        publish(tree["branch"] if i % 2 else tree["other_branch"], f"批量{n}-{i}", TODAY - DAY, TODAY + DAY)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(board_url(tree["town"]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_query_count_does_not_grow(client, tree):
    few = _board_queries(client, tree, 3)
    many = _board_queries(client, tree, 27)  # 30 in all
    assert few == many <= 3
