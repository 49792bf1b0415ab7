"""异议 on the public board: the form without a login, the period, the rate limit, the notices, the handling."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment.models import Objection, ObjectionStatus
from assessment.services import publicity as services
from assessment.services.publicity import client_key, objection_handle, objection_submit, publicity_open
from assessment.views import publicity as views
from branches.models import Notice, Role
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


@pytest.fixture
def item(tree):
    return publicity_open(
        organisation=tree["branch"],
        subject="rating",
        title="东村党支部2025年度星级评定结果：4星",
        body="考评总分85分。",
        starts_on=TODAY - 2 * DAY,
        ends_on=TODAY + 3 * DAY,
    )


def form_url(item, code="C1"):
    return reverse("board:objection", args=[code, item.pk])


def submit(item, n=1, *, client="a" * 64, today=TODAY):
    return [objection_submit(publicity=item, text=f"异议{i}", client=client, today=today) for i in range(n)]


# ---------------------------------------------------------------- the form


def test_anonymous_sends_an_objection_and_gets_a_reference(client, tree, item):
    page = client.get(form_url(item))
    assert page.status_code == 200 and "提出异议" in page.content.decode()
    response = client.post(
        form_url(item), {"text": "自评材料与实际不符。", "name": "王五", "phone": "13812345678"}, follow=True
    )
    assert response.status_code == 200
    found = Objection.objects.get()
    assert (found.text, found.name, found.phone, found.status) == (
        "自评材料与实际不符。",
        "王五",
        "13812345678",
        "open",
    )
    assert found.client == client_key("127.0.0.1") and "127.0.0.1" not in found.client
    html = response.content.decode()
    assert f'data-testid="reference">{found.pk}<' in html
    assert "13812345678" not in html


def test_form_keeps_what_was_typed_on_error(client, tree, item):
    response = client.post(form_url(item), {"text": "材料不实", "phone": "12345"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "材料不实" in html and "正确的手机号码" in html
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"text": ""}, "text"),
        ({"text": "字" * 2001}, "text"),
        ({"text": "好", "name": "名" * 31}, "name"),
        ({"text": "好", "phone": "1381234567"}, "phone"),
    ],
)
def test_form_limits(client, tree, item, data, field):
    response = client.post(form_url(item), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Objection.objects.exists()


def test_2000_characters_and_a_landline_are_accepted(client, tree, item):
    response = client.post(form_url(item), {"text": "字" * 2000, "phone": "0571-87654321"})
    assert response.status_code == 302
    assert Objection.objects.get().phone == "0571-87654321"


def test_csrf_is_checked(tree, item):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(form_url(item), {"text": "无令牌"}).status_code == 403
    page = strict.get(form_url(item))
    token = page.cookies["csrftoken"].value
    response = strict.post(form_url(item), {"text": "有令牌", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_after_the_period_the_form_says_it_is_over(client, tree, item, monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: item.ends_on + DAY)
    for response in (client.get(form_url(item)), client.post(form_url(item), {"text": "晚了"})):
        assert response.status_code == 410
        assert "公示期已结束" in response.content.decode()
    assert not Objection.objects.exists()


def test_last_day_is_still_open(client, tree, item, monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: item.ends_on)
    assert client.post(form_url(item), {"text": "最后一天"}).status_code == 302


def test_not_yet_started_or_outside_the_board_is_404(client, tree, item, monkeypatch):
    assert client.get(form_url(item, code="C2")).status_code == 404  # the sibling committee's board
    assert client.get(reverse("board:objection", args=["C1", 999999])).status_code == 404
    monkeypatch.setattr(views, "_today", lambda: item.starts_on - DAY)
    assert client.get(form_url(item)).status_code == 404


def test_branch_board_and_county_board_both_take_it(client, tree, item):
    assert client.get(form_url(item, code="C1B1")).status_code == 200
    assert client.get(form_url(item, code="C0")).status_code == 200


def test_thanks_page_needs_a_signed_token(client, tree):
    assert client.get(reverse("board:objection_thanks", args=["C1", "1"])).status_code == 404


# ---------------------------------------------------------------- the service


def test_service_refuses_outside_the_period(tree, item):
    with pytest.raises(ValidationError, match="已于2026年03月13日结束"):
        submit(item, today=item.ends_on + DAY)
    with pytest.raises(ValidationError, match="尚未开始"):
        submit(item, today=item.starts_on - DAY)
    assert submit(item, today=item.starts_on) and submit(item, today=item.ends_on)


def test_rate_limit_five_an_hour(client, tree, item):
    for n in range(5):
        assert client.post(form_url(item), {"text": f"第{n + 1}条"}).status_code == 302
    response = client.post(form_url(item), {"text": "第6条"})
    assert response.status_code == 429
    assert "1小时内最多提交5条" in response.content.decode() and "第6条" in response.content.decode()
    assert Objection.objects.count() == 5
    # Another address is another client.
    other = client.post(form_url(item), {"text": "别处"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_rate_limit_counts_the_last_hour_only(tree, item):
    submit(item, 5)
    Objection.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    assert submit(item)  # the 6th, an hour later


def test_rate_limit_twenty_a_day_across_the_site(tree, item):
    other = publicity_open(
        organisation=tree["sibling_branch"],
        subject="election",
        title="国企换届",
        body="选举结果",
        starts_on=TODAY,
        ends_on=TODAY,
    )
    now = timezone.now()
    for hours in (20, 15, 10, 5):  # five an hour, four times, on two boards
        submit(item, 3)
        submit(other, 2)
        Objection.objects.filter(created_at__gt=now - dt.timedelta(minutes=5)).update(
            created_at=now - dt.timedelta(hours=hours)
        )
    assert Objection.objects.count() == 20
    with pytest.raises(services.RateLimited, match="24小时内最多提交20条"):
        submit(other)
    Objection.objects.filter(created_at__lt=now - dt.timedelta(hours=19)).update(
        created_at=now - dt.timedelta(hours=25)
    )
    assert submit(other)
    assert Objection.objects.count() == 21


def test_notice_to_the_reviewers_in_scope_once_each(
    tree, item, reviewer, county_reviewer, sibling_reviewer, secretary
):
    grant(reviewer, tree["county"], Role.REVIEWER)  # two grants on the chain: still one notice
    first, second = submit(item, 2)
    notices = Notice.objects.filter(dedupe_key=f"objection:{first.pk}")
    assert sorted(n.recipient.username for n in notices) == ["county", "reviewer"]
    by_user = {n.recipient.username: n for n in notices}
    assert (
        by_user["reviewer"].link
        == reverse("assessment:objection_list", args=[tree["town"].pk]) + "?status=open"
    )
    assert by_user["county"].link.startswith(reverse("assessment:objection_list", args=[tree["county"].pk]))
    assert Notice.objects.filter(dedupe_key=f"objection:{second.pk}").count() == 2
    services._notify_reviewers(first)  # a second run sends nothing
    assert Notice.objects.filter(dedupe_key=f"objection:{first.pk}").count() == 2


def test_branch_secretary_with_a_reviewer_grant_is_not_notified(tree, item, secretary):
    grant(secretary, tree["town"], Role.REVIEWER)
    submit(item)
    assert not Notice.objects.filter(recipient=secretary).exists()


# ---------------------------------------------------------------- handling


@pytest.mark.parametrize("who", ["reviewer", "county_reviewer", "admin_user"])
def test_reviewers_in_scope_handle(request, tree, item, who):
    user = request.getfixturevalue(who)
    (found,) = submit(item)
    objection_handle(objection=found, by=user, handling="经核实，材料属实，异议不成立。")
    found.refresh_from_db()
    assert found.status == ObjectionStatus.HANDLED and found.handled_by == user and found.handled_at
    with pytest.raises(ValidationError, match="已经处理过"):
        objection_handle(objection=found, by=user, handling="再次处理")


@pytest.mark.parametrize("who", ["secretary", "outsider", "sibling_reviewer"])
def test_others_may_not_handle(request, tree, item, who):
    (found,) = submit(item)
    with pytest.raises(PermissionDenied):
        objection_handle(objection=found, by=request.getfixturevalue(who), handling="我来处理")
    found.refresh_from_db()
    assert found.status == ObjectionStatus.OPEN


def test_handling_text_is_required(tree, item, reviewer):
    (found,) = submit(item)
    with pytest.raises(ValidationError, match="请填写处理情况"):
        objection_handle(objection=found, by=reviewer, handling="  ")
