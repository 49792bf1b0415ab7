"""The reviewers' pages of 公示 and 异议: the objections of the subtree, the items, the handling."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Objection, ObjectionStatus
from assessment.services.publicity import objection_submit, publicity_open
from assessment.views import publicity as views
from branches.models import Role
from tests.factories import UserFactory, grant

TODAY = dt.date(2026, 3, 10)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: TODAY)


@pytest.fixture
def county_reviewer(tree):
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


@pytest.fixture
def sibling_reviewer(tree):
    user = UserFactory(username="sibling_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


def publish(org, title, starts_on, ends_on):
    return publicity_open(
        organisation=org, subject="rating", title=title, body="内容", starts_on=starts_on, ends_on=ends_on
    )


def object_to(item, text, *, n=1, phone=""):
    return [
        objection_submit(publicity=item, text=text, phone=phone, client=f"{i:064x}", today=item.starts_on)
        for i in range(n)
    ]


@pytest.fixture
def data(tree):
    current = publish(tree["branch"], "东村评定公示", TODAY - DAY, TODAY + DAY)
    past = publish(tree["other_branch"], "西村已结束公示", TODAY - 10 * DAY, TODAY - 3 * DAY)
    upcoming = publish(tree["branch"], "东村下周公示", TODAY + 5 * DAY, TODAY + 9 * DAY)
    foreign = publish(tree["sibling_branch"], "国企公示", TODAY - DAY, TODAY + DAY)
    return {
        "current": current,
        "past": past,
        "upcoming": upcoming,
        "foreign": foreign,
        "open": object_to(current, "东村材料不实", phone="13812345678")[0],
        "old": object_to(past, "西村有问题")[0],
        "foreign_objection": object_to(foreign, "国企的异议")[0],
    }


def list_url(org, query=""):
    return reverse("assessment:objection_list", args=[org.pk]) + query


def texts(response):
    return {o.text for o in response.context["page"].object_list}


@pytest.mark.parametrize("who", ["reviewer", "county_reviewer", "admin_user"])
def test_reviewers_see_the_subtree_objections(request, login, tree, data, who):
    response = login(request.getfixturevalue(who)).get(list_url(tree["town"]))
    assert response.status_code == 200
    assert texts(response) == {"东村材料不实", "西村有问题"}
    html = response.content.decode()
    assert "13812345678" in html  # the objector's phone reaches the reviewer who handles it
    assert reverse("assessment:objection_handle", args=[data["open"].pk]) in html


@pytest.mark.parametrize("who", ["secretary", "outsider", "sibling_reviewer"])
def test_others_get_404(request, login, tree, data, who):
    client = login(request.getfixturevalue(who))
    assert client.get(list_url(tree["town"])).status_code == 404
    assert client.get(reverse("assessment:publicity_list", args=[tree["town"].pk])).status_code == 404
    assert client.get(reverse("assessment:objection_handle", args=[data["open"].pk])).status_code == 404


def test_secretary_404_on_own_branch(login, tree, secretary, data):
    assert login(secretary).get(list_url(tree["branch"])).status_code == 404


def test_anonymous_goes_to_login(client, tree, data):
    for url in (
        list_url(tree["town"]),
        reverse("assessment:publicity_list", args=[tree["town"].pk]),
        reverse("assessment:objection_handle", args=[data["open"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.url


def test_filters(login, tree, reviewer, data):
    client = login(reviewer)
    data["old"].status = ObjectionStatus.HANDLED
    data["old"].handling = "已核实"
    data["old"].save()
    assert texts(client.get(list_url(tree["town"], "?status=open"))) == {"东村材料不实"}
    assert texts(client.get(list_url(tree["town"], "?status=handled"))) == {"西村有问题"}
    assert texts(client.get(list_url(tree["town"], f"?item={data['past'].pk}"))) == {"西村有问题"}
    assert texts(client.get(list_url(tree["branch"]))) == {"东村材料不实"}


def test_handle_from_the_list(login, tree, reviewer, data):
    client = login(reviewer)
    url = reverse("assessment:objection_handle", args=[data["open"].pk])
    back = list_url(tree["town"], "?status=open")
    response = client.post(url, {"handling": "经核实，异议不成立。", "next": back})
    assert response.status_code == 302 and response.url == back
    found = Objection.objects.get(pk=data["open"].pk)
    assert (found.status, found.handled_by, found.handling) == ("handled", reviewer, "经核实，异议不成立。")
    again = client.post(url, {"handling": "再来", "next": back})
    assert again.status_code == 200
    assert Objection.objects.get(pk=data["open"].pk).handling == "经核实，异议不成立。"


def test_handle_needs_text_and_keeps_it(login, tree, reviewer, data):
    url = reverse("assessment:objection_handle", args=[data["open"].pk])
    response = login(reviewer).post(url, {"handling": "", "next": "https://evil.example/"})
    assert response.status_code == 200 and response.context["form"].errors
    assert response.context["back"] == list_url(tree["branch"])
    assert Objection.objects.get(pk=data["open"].pk).status == "open"


def test_sibling_reviewer_handle_is_404(login, data, sibling_reviewer):
    url = reverse("assessment:objection_handle", args=[data["open"].pk])
    assert login(sibling_reviewer).post(url, {"handling": "我来"}).status_code == 404
    assert Objection.objects.get(pk=data["open"].pk).status == "open"


def test_publicity_list_current_upcoming_past_with_counts(login, tree, reviewer, data):
    client = login(reviewer)
    url = reverse("assessment:publicity_list", args=[tree["town"].pk])

    def titles(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {p.title: (p.objection_count, p.open_count) for p in response.context["page"].object_list}

    assert titles("") == {"东村评定公示": (1, 1)}
    assert titles("?when=upcoming") == {"东村下周公示": (0, 0)}
    assert titles("?when=past") == {"西村已结束公示": (1, 1)}  # off the board, the record stays


def _list_queries(client, url, item, n):
    object_to(item, f"批量{n}", n=n)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow(login, tree, reviewer, data):
    client = login(reviewer)
    objections = list_url(tree["town"])
    items = reverse("assessment:publicity_list", args=[tree["town"].pk]) + "?when=past"
    few = _list_queries(client, objections, data["current"], 3)
    many = _list_queries(client, objections, data["current"], 27)
    assert few == many
    for n in range(3):
        publish(tree["branch"], f"过去{n}", TODAY - 30 * DAY, TODAY - 20 * DAY)
    with CaptureQueriesContext(connection) as small:
        client.get(items)
    for n in range(27):
        publish(tree["other_branch"], f"更早{n}", TODAY - 60 * DAY, TODAY - 50 * DAY)
    with CaptureQueriesContext(connection) as large:
        client.get(items)
    assert len(small.captured_queries) == len(large.captured_queries)
