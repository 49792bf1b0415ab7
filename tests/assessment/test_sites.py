"""示范点: entering by a five-star naming, sampling re-checks, exit, the draw, the pages per role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.defaults import ensure_defaults
from assessment.models import CheckResult, ModelSite, Rating, SiteCheck, SiteStatus, Stage
from assessment.services import sites as services
from assessment.services.ratings import active_template, rating_name
from branches.models import Role
from tests.factories import UserFactory, grant, make_org

ENTERED = dt.date(2026, 2, 10)
TODAY = dt.date(2026, 6, 1)


def enter(org, on=ENTERED) -> ModelSite:
    return ModelSite.objects.create(organisation=org, org_path=org.path, entered_on=on)


@pytest.fixture
def site(tree):
    return enter(tree["branch"])


@pytest.fixture
def other_reviewer(tree):
    user = UserFactory(username="other_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


@pytest.fixture
def member(tree):
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


@pytest.fixture
def county(tree):
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


# ---------------------------------------------------------------- services


def test_a_five_star_naming_enters_the_list(tree, county):
    ensure_defaults(2025)
    branch = tree["branch"]
    rating = Rating.objects.create(
        organisation=branch,
        org_path=branch.path,
        template=active_template(2025),
        year=2025,
        stage=Stage.TO_NAME,
        proposed_stars=5,
    )
    rating_name(rating=rating, by=county, stars=5, named_on=ENTERED, naming_doc="县组〔2026〕3号")
    site = ModelSite.objects.get(organisation=branch)
    assert site.status == SiteStatus.ACTIVE and site.rating == rating and site.entered_on == ENTERED


def test_reviewer_records_a_check(site, reviewer, county):
    check = services.site_check(
        site=site, on=TODAY, result=CheckResult.PASS, note="台账齐全", by=reviewer, today=TODAY
    )
    assert check.by == reviewer and check.result == "pass"
    with pytest.raises(ValidationError, match="已记录过"):
        services.site_check(site=site, on=TODAY, result="fail", note="再次", by=county, today=TODAY)
    assert SiteCheck.objects.count() == 1


@pytest.mark.parametrize(
    ("on", "result", "note", "field"),
    [
        (TODAY + dt.timedelta(days=1), "pass", "x", "on"),  # in the future
        (ENTERED - dt.timedelta(days=1), "pass", "x", "on"),  # before the site existed
        (TODAY, "pending", "x", "result"),
        (TODAY, "pass", " ", "note"),
        (TODAY, "pass", "x" * 501, "note"),
    ],
)
def test_check_input_refused(site, reviewer, on, result, note, field):
    with pytest.raises(ValidationError) as e:
        services.site_check(site=site, on=on, result=result, note=note, by=reviewer, today=TODAY)
    assert field in e.value.message_dict
    assert not SiteCheck.objects.exists()


@pytest.mark.parametrize("who", ["secretary", "outsider", "other_reviewer", "member"])
def test_check_and_exit_refused_for_wrong_role(site, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.site_check(site=site, on=TODAY, result="pass", note="x", by=user, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.site_exit(site=site, on=TODAY, reason="x", by=user, today=TODAY)
    site.refresh_from_db()
    assert site.status == SiteStatus.ACTIVE and not SiteCheck.objects.exists()


def test_exit_once_with_reason(site, reviewer):
    with pytest.raises(ValidationError) as e:
        services.site_exit(site=site, on=TODAY, reason="", by=reviewer, today=TODAY)
    assert "reason" in e.value.message_dict
    stale = ModelSite.objects.get(pk=site.pk)
    services.site_exit(site=site, on=TODAY, reason="抽查不合格", by=reviewer, today=TODAY)
    site.refresh_from_db()
    assert site.status == SiteStatus.EXITED and site.exited_on == TODAY and site.exit_reason == "抽查不合格"
    with pytest.raises(ValidationError, match="已经退出"):
        services.site_exit(site=stale, on=TODAY, reason="再次", by=reviewer, today=TODAY)
    with pytest.raises(ValidationError, match="已退出"):
        services.site_check(site=stale, on=TODAY, result="pass", note="x", by=reviewer, today=TODAY)
    site.refresh_from_db()
    assert site.exit_reason == "抽查不合格"


def test_after_exit_the_branch_can_enter_again(tree, site, reviewer):
    services.site_exit(site=site, on=TODAY, reason="x", by=reviewer, today=TODAY)
    assert enter(tree["branch"], on=TODAY).status == SiteStatus.ACTIVE


def test_sample_is_reproducible_and_in_scope(tree):
    town_sites = [enter(make_org(tree["town"])) for _ in range(10)]
    enter(tree["sibling_branch"])
    exited = town_sites[0]
    ModelSite.objects.filter(pk=exited.pk).update(status=SiteStatus.EXITED, exited_on=TODAY)
    first = services.sites_sample(scope=tree["town"], ratio=Decimal("0.2"), seed=42)
    assert first == services.sites_sample(scope=tree["town"], ratio=Decimal("0.2"), seed=42)
    assert len(first) == 2  # 9 active × 0.2 = 1.8 → 2
    assert set(first) <= {s.pk for s in town_sites[1:]}
    assert len(services.sites_sample(scope=tree["town"], ratio=Decimal("0.01"), seed=1)) == 1
    assert services.sites_sample(scope=tree["group"], ratio=Decimal("0.5"), seed=1) == []


def test_parse_ratio():
    assert services.parse_ratio("0.2") == Decimal("0.2")
    assert services.parse_ratio("1") == Decimal("1")
    for bad in ("0", "-0.1", "1.01", "abc", "NaN"):
        with pytest.raises(ValidationError):
            services.parse_ratio(bad)


# ---------------------------------------------------------------- pages


def test_list_for_reviewer_with_checks_and_draw(tree, site, reviewer, login):
    services.site_check(site=site, on=TODAY, result="fail", note="记录不全", by=reviewer, today=TODAY)
    exited = enter(tree["other_branch"])
    services.site_exit(site=exited, on=TODAY, reason="降为三星", by=reviewer, today=TODAY)
    client = login(reviewer)
    url = reverse("assessment:site_list", args=[tree["town"].pk])
    html = client.get(url).content.decode()
    assert "东村党支部" in html and "记录不全" in html and "降为三星" in html and 'data-testid="exit"' in html
    assert "西村党支部" not in client.get(url + "?status=active").content.decode()
    drawn = client.get(url + "?draw=1&ratio=0.5&seed=7").content.decode()
    assert 'data-testid="drawn"' in drawn and "抽中 1 个示范点" in drawn
    bad = client.get(url + "?draw=1&ratio=0&seed=7")
    assert bad.status_code == 200 and "抽查比例应大于0" in bad.content.decode()


def test_secretary_reads_own_site_only(tree, site, secretary, login):
    client = login(secretary)
    html = client.get(reverse("assessment:site_list", args=[tree["branch"].pk])).content.decode()
    assert "东村党支部" in html and 'data-testid="draw"' not in html and 'data-testid="exit"' not in html
    assert client.get(reverse("assessment:site_list", args=[tree["town"].pk])).status_code == 404
    assert client.get(reverse("assessment:site_check", args=[site.pk])).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_reviewer", "member"])
def test_pages_refused(tree, site, who, request, login):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("assessment:site_list", args=[tree["branch"].pk])).status_code == 404
    assert client.get(reverse("assessment:site_list", args=[tree["town"].pk])).status_code == 404
    assert client.post(reverse("assessment:site_check", args=[site.pk]), {}).status_code == 404
    data = {"on": "2026-01-01", "reason": "x", "confirm": "on"}
    assert client.post(reverse("assessment:site_exit", args=[site.pk]), data).status_code == 404
    site.refresh_from_db()
    assert site.status == SiteStatus.ACTIVE


def test_anonymous_goes_to_login(tree, client):
    response = client.get(reverse("assessment:site_list", args=[tree["town"].pk]))
    assert response.status_code == 302 and "login" in response.url


def test_check_and_exit_pages(site, reviewer, login):
    today = timezone.localdate()
    client = login(reviewer)
    check_url = reverse("assessment:site_check", args=[site.pk])
    assert client.get(check_url).status_code == 200
    bad = client.post(check_url, {"on": today.isoformat(), "result": "pass", "note": ""})
    assert bad.status_code == 200 and not SiteCheck.objects.exists()
    ok = client.post(check_url, {"on": today.isoformat(), "result": "pass", "note": "台账齐全"})
    assert ok.status_code == 302 and SiteCheck.objects.get().note == "台账齐全"
    exit_url = reverse("assessment:site_exit", args=[site.pk])
    page = client.get(exit_url).content.decode()
    assert "不能撤回" in page and "确认退出" in page
    unconfirmed = client.post(exit_url, {"on": today.isoformat(), "reason": "不再符合"})
    assert unconfirmed.status_code == 200 and "请勾选确认" in unconfirmed.content.decode()
    assert "不再符合" in unconfirmed.content.decode()
    site.refresh_from_db()
    assert site.status == SiteStatus.ACTIVE
    done = client.post(exit_url, {"on": today.isoformat(), "reason": "不再符合", "confirm": "on"})
    assert done.status_code == 302
    site.refresh_from_db()
    assert site.status == SiteStatus.EXITED
    assert client.get(exit_url).status_code == 302  # an exited site: back to the list with a message


def test_list_query_count_does_not_grow(tree, reviewer, login):
    client = login(reviewer)
    url = reverse("assessment:site_list", args=[tree["town"].pk]) + "?draw=1&ratio=0.5&seed=3"

    def fill(n):
        for _ in range(n):
            site = enter(make_org(tree["town"]))
            for d in (1, 2):
                SiteCheck.objects.create(
                    site=site, on=ENTERED + dt.timedelta(days=d), result="pass", note="ok"
                )

    counts = []
    for n in (2, 12):
        fill(n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
