"""本组织适用的组织生活要求 and the admin's overrides."""

import datetime as dt

import pytest
from django.urls import reverse

from branches.models import Role
from meetings.models import Requirement, RequirementOverride
from meetings.services import requirements as services
from tests.factories import UserFactory, grant, make_member


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def requirement(code, org_kind="branch"):
    return Requirement.objects.get(kind__code=code, org_kind=org_kind)


def card(html, code):
    """The requirement page's card of one kind."""
    return html.split(f'data-requirement="{code}"', 1)[1].split('class="card h-100"', 1)[0]


@pytest.fixture
def member_user(tree):
    user = UserFactory(username="member")
    member = make_member(tree["branch"], name="张三")
    member.user = user
    member.save(update_fields=["user"])
    grant(user, tree["branch"], Role.MEMBER)
    return user


# --- the requirements page ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "reviewer", "admin_user"])
def test_secretary_and_reviewers_read_the_requirements(request, login, tree, who):
    response = login(request.getfixturevalue(who)).get(url("requirements", tree["branch"].pk))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("支部党员大会", "支部委员会会议", "党小组会", "党课", "主题党日", "组织生活会", "谈心谈话"):
        assert name in html
    assert "出席率不低于80%" in card(html, "theme_day")
    assert "全国默认" in card(html, "general")
    assert "通常在第四季度" in card(html, "life")


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsider_and_member_get_404(request, login, tree, who):
    assert login(request.getfixturevalue(who)).get(url("requirements", tree["branch"].pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(url("requirements", tree["branch"].pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_page_says_why_a_requirement_does_not_apply(login, reviewer, tree):
    """西村党支部 has neither party groups nor a committee."""
    html = login(reviewer).get(url("requirements", tree["other_branch"].pk)).content.decode()
    assert 'data-applies="0"' in html
    assert "未设党小组" in card(html, "group")
    assert "未设支部委员会" in card(html, "committee")
    assert "没有在册党员" in card(html, "talk")


def test_a_committee_sees_its_own_requirement(login, reviewer, tree):
    html = login(reviewer).get(url("requirements", tree["town"].pk)).content.decode()
    assert "基层党委党员大会每年至少召开1次" in html and "党小组会" not in html


def test_only_admins_see_the_adjust_links(login, secretary, admin_user, tree):
    req = requirement("lecture")
    assert (
        url("override_add", req.pk)
        not in login(secretary).get(url("requirements", tree["branch"].pk)).content.decode()
    )
    html = login(admin_user).get(url("requirements", tree["branch"].pk)).content.decode()
    assert url("override_add", req.pk) in html and url("overrides") in html


# --- the admin's overrides ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "reviewer", "outsider"])
def test_override_pages_are_404_to_everyone_but_admins(request, login, tree, who):
    client = login(request.getfixturevalue(who))
    req = requirement("lecture")
    assert client.get(url("overrides")).status_code == 404
    assert client.get(url("override_add", req.pk)).status_code == 404
    response = client.post(
        url("override_add", req.pk),
        {
            "sector": "village",
            "effective_from": "2026-01-01",
            "period": "month",
            "min_count": 2,
            "reason": "x",
        },
    )
    assert response.status_code == 404 and not RequirementOverride.objects.exists()


def test_override_pages_send_anonymous_to_login(client, tree):
    response = client.get(url("overrides"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_admin_lists_requirements_with_their_overrides(login, admin_user, tree):
    override = services.override_save(
        requirement=requirement("theme_day"),
        sector="village",
        effective_from=dt.date(2026, 1, 1),
        min_attendance=90,
        reason="县委组织部〔2026〕1号",
    )
    html = login(admin_user).get(url("overrides")).content.decode()
    assert f'data-override-id="{override.pk}"' in html and "县委组织部〔2026〕1号" in html
    assert url("override_delete", override.pk) in html and "data-confirm" in html


def test_override_add_changes_the_requirement_page(login, admin_user, tree):
    client = login(admin_user)
    branch = tree["branch"]
    req = requirement("lecture")
    before = card(client.get(url("requirements", branch.pk)).content.decode(), "lecture")
    assert "每季度至少1次" in before and "全国默认" in before
    response = client.post(
        url("override_add", req.pk),
        {
            "organisation_code": "c1b1",
            "effective_from": "2026-01-01",
            "applies": "on",
            "period": "month",
            "min_count": "2",
            "reason": "镇党委〔2026〕5号：每月两次党课",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("overrides")
    override = RequirementOverride.objects.get()
    assert override.organisation == branch and override.min_count == 2 and override.created_by == admin_user
    after = card(client.get(url("requirements", branch.pk)).content.decode(), "lecture")
    assert "每月至少2次" in after and "本组织调整" in after and "每月两次党课" in after
    other = card(client.get(url("requirements", tree["other_branch"].pk)).content.decode(), "lecture")
    assert "每季度至少1次" in other


def test_override_for_a_sector_that_stops_a_requirement(login, admin_user, tree):
    client = login(admin_user)
    response = client.post(
        url("override_add", requirement("theme_day").pk),
        {
            "sector": "village",
            "effective_from": "2026-01-01",
            "period": "month",
            "min_count": "1",
            "reason": "试点",
        },
    )
    assert response.status_code == 302
    html = card(client.get(url("requirements", tree["branch"].pk)).content.decode(), "theme_day")
    assert "领域调整" in html and "已调整为不考核" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"sector": "village", "organisation_code": "C1B1"}, "二者选一"),
        ({}, "二者选一"),
        ({"organisation_code": "NOPE"}, "没有找到代码为“NOPE”的党支部"),
        ({"organisation_code": "C1"}, "没有找到代码为“C1”的党支部"),  # a committee, not a branch
    ],
)
def test_override_form_errors_keep_the_input(login, admin_user, tree, data, message):
    post = {"effective_from": "2026-01-01", "period": "month", "min_count": "2", "reason": "依据文件", **data}
    response = login(admin_user).post(url("override_add", requirement("lecture").pk), post)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "依据文件" in html
    assert not RequirementOverride.objects.exists()


def test_override_delete(login, admin_user, secretary, tree):
    override = services.override_save(
        requirement=requirement("lecture"), sector="village", effective_from=dt.date(2026, 1, 1), reason="x"
    )
    assert login(secretary).post(url("override_delete", override.pk)).status_code == 404
    client = login(admin_user)
    assert client.get(url("override_delete", override.pk)).status_code == 405
    response = client.post(url("override_delete", override.pk))
    assert response.status_code == 302 and not RequirementOverride.objects.exists()
    assert client.post(url("override_delete", override.pk)).status_code == 404
