"""达标验收 pages per role: the list, an application, the draw and the on-site checks.

The workflow's rows are written by the services with an admin; the pages are read and
posted as the secretary, the town reviewer, the county reviewer, an outsider and a member.
The draw's timestamps are real (auto_now_add), so dates posted here are today's.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localdate as today

from assessment.defaults import ensure_defaults
from assessment.models import Acceptance, AcceptanceStatus, CheckResult, SpotCheck, SpotCheckDraw
from assessment.services import acceptance as services
from branches.models import Role
from tests.factories import UserFactory, grant, make_org


def this_year():
    return timezone.localdate().year


def url(name, *args):
    return reverse(f"assessment:{name}", args=args)


@pytest.fixture(autouse=True)
def defaults(db):
    ensure_defaults(this_year())


@pytest.fixture
def county(tree):
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


@pytest.fixture
def member_user(tree):
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


def applied(org, by):
    return services.acceptance_apply(organisation=org, year=this_year(), application="已逐项自查达标", by=by)


def checked(org, admin):
    return services.acceptance_check(acceptance=applied(org, admin), by=admin, passed=True, note="")


def accepted(org, admin):
    return services.acceptance_accept(acceptance=checked(org, admin), by=admin, note="")


# ---------------------------------------------------------------- the list


def test_reviewer_sees_branches_with_status_and_share(login, reviewer, tree, admin_user):
    accepted(tree["branch"], admin_user)
    response = login(reviewer).get(url("acceptance_list", tree["town"].pk), {"year": this_year()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "已达标 1/2 = 50.0%，目标 90%" in html
    assert html.count("data-org-id=") == 2
    assert 'data-status="accepted"' in html and 'data-status="none"' in html and "未申请" in html
    assert 'class="progress-bar bg-warning" style="width: 50.0%"' in html
    assert url("spot_draw", tree["town"].pk) in html  # a reviewer over a committee may draw


def test_status_filter(login, reviewer, tree, admin_user):
    accepted(tree["branch"], admin_user)
    client = login(reviewer)
    html = client.get(
        url("acceptance_list", tree["town"].pk), {"year": this_year(), "status": "none"}
    ).content.decode()
    assert (
        f'data-org-id="{tree["other_branch"].pk}"' in html
        and f'data-org-id="{tree["branch"].pk}"' not in html
    )
    html = client.get(
        url("acceptance_list", tree["town"].pk), {"year": this_year(), "status": "bogus"}
    ).content.decode()
    assert html.count("data-org-id=") == 2


def test_secretary_sees_own_applications_and_the_form(login, secretary, tree):
    response = login(secretary).get(url("acceptance_list", tree["branch"].pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="apply-form"' in html and 'data-testid="share"' not in html
    applied(tree["branch"], secretary)
    html = login(secretary).get(url("acceptance_list", tree["branch"].pk)).content.decode()
    assert 'data-status="applied"' in html
    assert f'<option value="{this_year()}"' not in html  # this year is taken


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsider_and_member_get_404(request, login, tree, who):
    client = login(request.getfixturevalue(who))
    assert client.get(url("acceptance_list", tree["branch"].pk)).status_code == 404
    assert client.get(url("acceptance_list", tree["town"].pk)).status_code == 404


def test_secretary_gets_404_on_the_committee_and_the_other_branch(login, secretary, tree):
    client = login(secretary)
    assert client.get(url("acceptance_list", tree["town"].pk)).status_code == 404
    assert client.get(url("acceptance_list", tree["other_branch"].pk)).status_code == 404
    assert client.get(url("acceptance_list", tree["group"].pk)).status_code == 404


def test_reviewer_gets_404_on_another_committee(login, reviewer, tree):
    assert login(reviewer).get(url("acceptance_list", tree["sibling"].pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(url("acceptance_list", tree["town"].pk))
    assert response.status_code == 302 and "login" in response["Location"]


def _queries(client, org) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("acceptance_list", org.pk), {"year": this_year()}).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_branches(login, county, tree, admin_user):
    small = make_org(tree["town"], kind="committee", sector="village")
    large = make_org(tree["town"], kind="committee", sector="village")
    for town, n in ((small, 3), (large, 12)):
        for i in range(n):
            org = make_org(town, sector="village")
            [applied, checked, accepted][i % 3](org, admin_user)
        services.spot_draw(organisation=town, year=this_year(), by=admin_user, seed=n)
    client = login(county)
    assert _queries(client, small) == _queries(client, large)


# ---------------------------------------------------------------- apply


def test_secretary_applies(login, secretary, tree):
    response = login(secretary).post(
        url("acceptance_apply", tree["branch"].pk), {"year": this_year(), "application": "对照标准自查达标"}
    )
    assert response.status_code == 302
    a = Acceptance.objects.get()
    assert a.status == AcceptanceStatus.APPLIED and a.applied_by == secretary


def test_apply_twice_shows_the_reason_and_keeps_the_text(login, secretary, tree):
    applied(tree["branch"], secretary)
    response = login(secretary).post(
        url("acceptance_apply", tree["branch"].pk), {"year": this_year(), "application": "第二次"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "每年只能申请一次" in html and "第二次" in html
    assert Acceptance.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer", "county", "outsider", "member_user"])
def test_others_cannot_apply(request, login, tree, who):
    response = login(request.getfixturevalue(who)).post(
        url("acceptance_apply", tree["branch"].pk), {"year": this_year(), "application": "x"}
    )
    assert response.status_code == 404
    assert not Acceptance.objects.exists()


# ---------------------------------------------------------------- check and accept


def test_town_reviewer_checks_on_the_detail_page(login, reviewer, tree, secretary):
    a = applied(tree["branch"], secretary)
    client = login(reviewer)
    html = client.get(url("acceptance_detail", a.pk)).content.decode()
    assert 'data-testid="check-form"' in html and 'data-testid="accept-form"' not in html
    response = client.post(url("acceptance_check", a.pk), {"check-passed": "yes", "check-note": "符合"})
    assert response.status_code == 302
    assert Acceptance.objects.get().status == AcceptanceStatus.CHECKED
    html = client.get(url("acceptance_detail", a.pk)).content.decode()
    assert 'data-testid="accept-form"' not in html  # the town does not accept
    response = client.post(url("acceptance_accept", a.pk), {"accept-passed": "yes", "accept-note": ""})
    assert response.status_code == 404
    assert Acceptance.objects.get().status == AcceptanceStatus.CHECKED


def test_county_accepts(login, county, tree, admin_user):
    a = checked(tree["branch"], admin_user)
    client = login(county)
    assert 'data-testid="accept-form"' in client.get(url("acceptance_detail", a.pk)).content.decode()
    response = client.post(url("acceptance_accept", a.pk), {"accept-passed": "yes", "accept-note": "达标"})
    assert response.status_code == 302
    assert Acceptance.objects.get().status == AcceptanceStatus.ACCEPTED


def test_a_failed_check_without_reason_is_refused_on_the_page(login, reviewer, tree, secretary):
    a = applied(tree["branch"], secretary)
    response = login(reviewer).post(url("acceptance_check", a.pk), {"check-passed": "no", "check-note": ""})
    assert response.status_code == 200
    assert "未通过时请写明原因" in response.content.decode()
    assert Acceptance.objects.get().status == AcceptanceStatus.APPLIED


def test_an_illegal_move_is_refused_with_a_message(login, county, tree, secretary):
    a = applied(tree["branch"], secretary)
    response = login(county).post(url("acceptance_accept", a.pk), {"accept-passed": "yes", "accept-note": ""})
    assert response.status_code == 200
    assert "只有“党委已检查”的申请才能进行县级验收" in response.content.decode()
    assert Acceptance.objects.get().status == AcceptanceStatus.APPLIED


def test_secretary_reads_but_cannot_check_own_branch(login, secretary, tree):
    a = applied(tree["branch"], secretary)
    client = login(secretary)
    html = client.get(url("acceptance_detail", a.pk)).content.decode()
    assert 'data-testid="check-form"' not in html and "已逐项自查达标" in html
    response = client.post(url("acceptance_check", a.pk), {"check-passed": "yes", "check-note": ""})
    assert response.status_code == 404
    assert Acceptance.objects.get().status == AcceptanceStatus.APPLIED


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_detail_is_404_for_outsider_and_member(request, login, tree, secretary, who):
    a = applied(tree["branch"], secretary)
    client = login(request.getfixturevalue(who))
    assert client.get(url("acceptance_detail", a.pk)).status_code == 404
    assert client.post(url("acceptance_check", a.pk), {"check-passed": "yes"}).status_code == 404


def test_get_on_check_is_not_allowed(login, reviewer, tree, secretary):
    a = applied(tree["branch"], secretary)
    assert login(reviewer).get(url("acceptance_check", a.pk)).status_code == 405


# ---------------------------------------------------------------- the draw and the checks


def test_draw_confirm_page_then_draw(login, county, tree, admin_user):
    for _ in range(21):
        accepted(make_org(tree["town"], sector="village"), admin_user)
    client = login(county)
    response = client.get(url("spot_draw", tree["county"].pk), {"year": this_year()})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["preview"]["population"] == 21 and response.context["preview"]["size"] == 2
    assert 'data-testid="ratio">5%' in html and 'data-testid="size">2 个' in html
    assert not SpotCheckDraw.objects.exists()  # GET only shows
    response = client.post(url("spot_draw", tree["county"].pk), {"year": this_year(), "seed": "2026"})
    draw = SpotCheckDraw.objects.get()
    assert response.status_code == 302 and response["Location"] == url("spot_draw_detail", draw.pk)
    assert draw.seed == 2026 and draw.checks.count() == 2
    html = client.get(url("spot_draw_detail", draw.pk)).content.decode()
    assert 'data-testid="seed">2026<' in html and "抽中的支部与记录一致" in html
    assert html.count("data-check-id=") == 2


@pytest.mark.parametrize("who", ["secretary", "outsider", "member_user"])
def test_draw_is_404_for_non_reviewers(request, login, tree, who):
    client = login(request.getfixturevalue(who))
    assert client.get(url("spot_draw", tree["town"].pk)).status_code == 404
    assert client.post(url("spot_draw", tree["town"].pk), {"year": this_year()}).status_code == 404
    assert not SpotCheckDraw.objects.exists()


def test_draw_over_a_branch_is_404(login, county, tree):
    assert login(county).get(url("spot_draw", tree["branch"].pk)).status_code == 404


def test_draw_without_accepted_branches_is_refused_on_the_page(login, county, tree):
    response = login(county).post(url("spot_draw", tree["town"].pk), {"year": this_year()})
    assert response.status_code == 200 and "还没有验收达标的支部" in response.content.decode()


def test_record_a_check_result(login, reviewer, county, tree, admin_user):
    a = accepted(tree["branch"], admin_user)
    draw = services.spot_draw(organisation=tree["county"], year=this_year(), by=county, seed=1)
    check = SpotCheck.objects.get(draw=draw)
    client = login(reviewer)
    html = client.get(url("spot_draw_detail", draw.pk)).content.decode()  # a draw above the town
    assert url("spot_check_record", check.pk) in html and 'data-testid="verify"' not in html
    assert client.get(url("spot_check_record", check.pk)).status_code == 200
    response = client.post(
        url("spot_check_record", check.pk),
        {"result": CheckResult.FAIL, "checked_on": today().isoformat(), "note": "台账造假"},
    )
    assert response.status_code == 302
    assert SpotCheck.objects.get().result == CheckResult.FAIL
    assert Acceptance.objects.get(pk=a.pk).status == AcceptanceStatus.REJECTED
    response = client.post(
        url("spot_check_record", check.pk), {"result": CheckResult.PASS, "checked_on": today().isoformat()}
    )
    assert response.status_code == 200 and "不能重复记录" in response.content.decode()


@pytest.mark.parametrize("who", ["secretary", "outsider", "member_user"])
def test_check_pages_are_404_for_non_reviewers(request, login, county, tree, admin_user, who):
    accepted(tree["branch"], admin_user)
    draw = services.spot_draw(organisation=tree["town"], year=this_year(), by=county, seed=1)
    check = SpotCheck.objects.get(draw=draw)
    client = login(request.getfixturevalue(who))
    assert client.get(url("spot_draw_detail", draw.pk)).status_code == 404
    assert client.get(url("spot_check_record", check.pk)).status_code == 404
    response = client.post(
        url("spot_check_record", check.pk), {"result": "pass", "checked_on": today().isoformat()}
    )
    assert response.status_code == 404
    assert SpotCheck.objects.get().result == CheckResult.PENDING


def test_sibling_reviewer_cannot_see_the_draw(login, county, tree, admin_user):
    accepted(tree["branch"], admin_user)
    draw = services.spot_draw(organisation=tree["town"], year=this_year(), by=county, seed=1)
    sibling = UserFactory(username="sibling")
    grant(sibling, tree["sibling"], Role.REVIEWER)
    assert login(sibling).get(url("spot_draw_detail", draw.pk)).status_code == 404
