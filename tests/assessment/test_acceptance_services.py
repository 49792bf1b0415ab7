"""达标验收's workflow per role and the random on-site check (services).

Tree (tests/conftest.py): county C0 → town committee C1 → 东村 C1B1 (secretary), 西村 C1B2;
sibling committee C2 → C2B1 (outsider). ``reviewer`` reviews C1 (the branch's committee);
``county`` reviews C0 (the level above it: accepts).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessment import rules
from assessment.defaults import ensure_defaults
from assessment.models import (
    Acceptance,
    AcceptancePolicy,
    AcceptanceStatus,
    CheckResult,
    SpotCheck,
    SpotCheckDraw,
)
from assessment.services import acceptance as services
from branches.models import Role
from tests.factories import UserFactory, grant, make_org

YEAR = 2026
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def county(tree):
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


@pytest.fixture(autouse=True)
def policy(db):
    ensure_defaults(YEAR)
    return AcceptancePolicy.objects.get(year=YEAR)


def apply(org, user, year=YEAR, text="对照标准逐项自查，已达标。"):
    return services.acceptance_apply(organisation=org, year=year, application=text, by=user, today=TODAY)


def accepted(org, admin, year=YEAR):
    a = apply(org, admin, year)
    a = services.acceptance_check(acceptance=a, by=admin, passed=True, note="")
    return services.acceptance_accept(acceptance=a, by=admin, note="验收达标")


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---------------------------------------------------------------- apply


def test_secretary_applies_once_a_year(tree, secretary):
    a = apply(tree["branch"], secretary)
    assert a.status == AcceptanceStatus.APPLIED
    assert a.org_path == tree["branch"].path
    assert a.applied_by == secretary
    with pytest.raises(ValidationError) as error:
        apply(tree["branch"], secretary)
    assert "每年只能申请一次" in message(error.value)
    assert Acceptance.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer", "outsider", "county"])
def test_only_the_branch_secretary_applies(request, tree, who):
    with pytest.raises(PermissionDenied):
        apply(tree["branch"], request.getfixturevalue(who))
    assert not Acceptance.objects.exists()


def test_apply_needs_a_branch_a_text_and_a_past_year(tree, admin_user):
    with pytest.raises(ValidationError, match="只有党支部"):
        apply(tree["town"], admin_user)
    with pytest.raises(ValidationError) as error:
        apply(tree["branch"], admin_user, text="   ")
    assert "请填写申请说明" in message(error.value)
    with pytest.raises(ValidationError):
        apply(tree["branch"], admin_user, year=2027)
    assert not Acceptance.objects.exists()


def test_a_rejected_application_is_applied_for_again_with_its_history(tree, secretary, reviewer):
    a = apply(tree["branch"], secretary, text="第一次申请")
    services.acceptance_check(acceptance=a, by=reviewer, passed=False, note="组织生活记录不全")
    a = apply(tree["branch"], secretary, text="整改后再次申请")
    assert a.status == AcceptanceStatus.APPLIED
    assert Acceptance.objects.count() == 1
    current, history = services.split_application(a.application)
    assert current == "整改后再次申请"
    assert len(history) == 1
    assert "第一次申请" in history[0] and "党委检查未通过" in history[0] and "组织生活记录不全" in history[0]
    assert a.check_note == "" and a.checked_at is None


# ---------------------------------------------------------------- check and accept


def test_town_reviewer_checks_but_cannot_accept(tree, secretary, reviewer, county):
    a = apply(tree["branch"], secretary)
    a = services.acceptance_check(acceptance=a, by=reviewer, passed=True, note="符合标准")
    assert a.status == AcceptanceStatus.CHECKED and a.checked_by == reviewer
    with pytest.raises(PermissionDenied):
        services.acceptance_accept(acceptance=a, by=reviewer, note="")
    a = services.acceptance_accept(acceptance=a, by=county, note="验收达标")
    assert a.status == AcceptanceStatus.ACCEPTED and a.accepted_by == county and a.accepted_at


def test_a_secretary_cannot_check_their_own_branch_even_as_reviewer(tree, secretary):
    grant(secretary, tree["town"], Role.REVIEWER)
    secretary._grant_cache = None
    a = apply(tree["branch"], secretary)
    with pytest.raises(PermissionDenied):
        services.acceptance_check(acceptance=a, by=secretary, passed=True, note="")
    assert Acceptance.objects.get().status == AcceptanceStatus.APPLIED


def test_outsider_can_neither_check_nor_accept(tree, secretary, outsider, reviewer):
    a = apply(tree["branch"], secretary)
    with pytest.raises(PermissionDenied):
        services.acceptance_check(acceptance=a, by=outsider, passed=True, note="")
    services.acceptance_check(acceptance=a, by=reviewer, passed=True, note="")
    with pytest.raises(PermissionDenied):
        services.acceptance_accept(acceptance=a, by=outsider, note="")


def test_a_failed_check_needs_a_reason(tree, secretary, reviewer):
    a = apply(tree["branch"], secretary)
    with pytest.raises(ValidationError) as error:
        services.acceptance_check(acceptance=a, by=reviewer, passed=False, note=" ")
    assert "写明原因" in message(error.value)
    assert Acceptance.objects.get().status == AcceptanceStatus.APPLIED
    a = services.acceptance_check(acceptance=a, by=reviewer, passed=False, note="台账缺失")
    assert a.status == AcceptanceStatus.REJECTED


def test_illegal_moves_are_refused_with_the_reason(tree, secretary, reviewer, county):
    a = apply(tree["branch"], secretary)
    with pytest.raises(ValidationError) as error:
        services.acceptance_accept(acceptance=a, by=county, note="")
    assert "当前状态为“已申请”" in message(error.value) and "党委已检查" in message(error.value)
    a = services.acceptance_check(acceptance=a, by=reviewer, passed=True, note="")
    with pytest.raises(ValidationError) as error:
        services.acceptance_check(acceptance=a, by=reviewer, passed=True, note="")
    assert "当前状态为“党委已检查”" in message(error.value)
    a = services.acceptance_accept(acceptance=a, by=county, note="")
    for call in (
        lambda: services.acceptance_accept(acceptance=a, by=county, note=""),
        lambda: services.acceptance_check(acceptance=a, by=reviewer, passed=False, note="x"),
        lambda: apply(tree["branch"], secretary),
    ):
        with pytest.raises(ValidationError):
            call()
    assert Acceptance.objects.get().status == AcceptanceStatus.ACCEPTED


def test_a_stale_object_is_checked_against_the_locked_row(tree, secretary, reviewer):
    a = apply(tree["branch"], secretary)
    stale = Acceptance.objects.get(pk=a.pk)
    services.acceptance_check(acceptance=a, by=reviewer, passed=False, note="不合格")
    with pytest.raises(ValidationError):
        services.acceptance_check(acceptance=stale, by=reviewer, passed=True, note="")
    assert Acceptance.objects.get().status == AcceptanceStatus.REJECTED


def test_county_may_turn_an_application_down_with_a_reason(tree, secretary, reviewer, county):
    a = apply(tree["branch"], secretary)
    a = services.acceptance_check(acceptance=a, by=reviewer, passed=True, note="")
    with pytest.raises(ValidationError):
        services.acceptance_accept(acceptance=a, by=county, note="", passed=False)
    a = services.acceptance_accept(acceptance=a, by=county, note="阵地建设不达标", passed=False)
    assert a.status == AcceptanceStatus.REJECTED and a.accepted_at is None


# ---------------------------------------------------------------- the draw


@pytest.fixture
def twenty_one(tree, admin_user):
    """21 accepted branches under the town, 3 applied-only, 2 accepted last year, 1 accepted elsewhere."""
    town = tree["town"]
    ok = [accepted(make_org(town, sector="village"), admin_user) for _ in range(21)]
    for _ in range(3):
        apply(make_org(town, sector="village"), admin_user)
    for _ in range(2):
        accepted(make_org(town, sector="village"), admin_user, year=2025)
    accepted(tree["sibling_branch"], admin_user)
    return ok


def test_the_draw_takes_only_accepted_branches_of_the_subtree_and_year(tree, county, twenty_one):
    draw = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, seed=42, today=TODAY)
    assert draw.population == 21
    assert draw.ratio == Decimal("0.050")
    assert draw.seed == 42
    picked = sorted(draw.checks.values_list("acceptance_id", flat=True))
    assert len(picked) == 2  # 21 × 5 % = 1.05, rounded up
    assert picked == rules.draw_sample([a.pk for a in twenty_one], Decimal("0.050"), 42)
    assert set(picked) <= {a.pk for a in twenty_one}
    assert set(draw.checks.values_list("result", flat=True)) == {CheckResult.PENDING}


def test_twenty_accepted_give_one(tree, county, admin_user):
    for _ in range(20):
        accepted(make_org(tree["town"], sector="village"), admin_user)
    draw = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, today=TODAY)
    assert draw.population == 20 and draw.checks.count() == 1


def test_one_accepted_gives_one_and_none_refuses(tree, county, admin_user):
    with pytest.raises(ValidationError, match="还没有验收达标"):
        services.spot_draw(organisation=tree["town"], year=YEAR, by=county, today=TODAY)
    assert not SpotCheckDraw.objects.exists()
    accepted(tree["branch"], admin_user)
    draw = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, today=TODAY)
    assert draw.population == 1 and draw.checks.count() == 1


def test_the_draw_is_reproducible_from_the_stored_seed(tree, county, twenty_one):
    draw = services.spot_draw(organisation=tree["county"], year=YEAR, by=county, today=TODAY)
    draw = SpotCheckDraw.objects.get(pk=draw.pk)
    assert 0 <= draw.seed < 2**48  # drawn by secrets.randbits(48) and stored
    assert draw.population == 22  # the town's 21 and the sibling committee's one
    verify = services.draw_verify(draw)
    assert verify["matches"] is True
    assert verify["recomputed"] == sorted(
        SpotCheck.objects.filter(draw=draw).values_list("acceptance_id", flat=True)
    )
    # Accepting more branches later does not change what the stored draw recomputes to.
    accepted(make_org(tree["town"], sector="village"), UserFactory(username="root", is_superuser=True))
    assert services.draw_verify(SpotCheckDraw.objects.get(pk=draw.pk))["matches"] is True


def test_same_seed_twice_draws_the_same_branches(tree, county, twenty_one):
    first = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, seed=7, today=TODAY)
    second = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, seed=7, today=TODAY)
    assert list(first.checks.values_list("acceptance_id", flat=True).order_by("acceptance_id")) == list(
        second.checks.values_list("acceptance_id", flat=True).order_by("acceptance_id")
    )
    assert SpotCheckDraw.objects.count() == 2  # each draw is recorded


def test_the_ratio_comes_from_the_year_policy(tree, county, twenty_one, policy):
    policy.spot_check_ratio = Decimal("0.100")
    policy.save()
    draw = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, seed=1, today=TODAY)
    assert draw.ratio == Decimal("0.100") and draw.checks.count() == 3  # 2.1 → 3


def test_who_may_draw(tree, secretary, outsider, reviewer, county, admin_user):
    accepted(tree["branch"], admin_user)
    for user in (secretary, outsider):
        with pytest.raises(PermissionDenied):
            services.spot_draw(organisation=tree["town"], year=YEAR, by=user, today=TODAY)
    with pytest.raises(PermissionDenied):  # the scope is a committee, not a branch
        services.spot_draw(organisation=tree["branch"], year=YEAR, by=county, today=TODAY)
    with pytest.raises(PermissionDenied):  # the town reviewer does not reach the county
        services.spot_draw(organisation=tree["county"], year=YEAR, by=reviewer, today=TODAY)
    assert services.spot_draw(organisation=tree["town"], year=YEAR, by=reviewer, today=TODAY)


# ---------------------------------------------------------------- recording the checks


def _one_check(tree, county, admin_user):
    acceptance = accepted(tree["branch"], admin_user)
    draw = services.spot_draw(organisation=tree["town"], year=YEAR, by=county, today=TODAY)
    SpotCheckDraw.objects.filter(pk=draw.pk).update(
        drawn_at=timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
    )
    return acceptance, SpotCheck.objects.select_related("draw", "acceptance__organisation").get(draw=draw)


def test_a_pass_is_recorded_once(tree, county, reviewer, admin_user):
    acceptance, check = _one_check(tree, county, admin_user)
    check = services.spot_check_record(
        check=check,
        by=reviewer,
        result=CheckResult.PASS,
        note="",
        checked_on=dt.date(2026, 11, 10),
        today=TODAY,
    )
    assert check.result == CheckResult.PASS and check.by == reviewer
    assert Acceptance.objects.get(pk=acceptance.pk).status == AcceptanceStatus.ACCEPTED
    with pytest.raises(ValidationError, match="已经记录"):
        services.spot_check_record(
            check=check, by=reviewer, result=CheckResult.FAIL, note="x", checked_on=TODAY, today=TODAY
        )


def test_a_fail_sends_the_acceptance_back_to_rejected(tree, county, admin_user, secretary):
    acceptance, check = _one_check(tree, county, admin_user)
    with pytest.raises(ValidationError):
        services.spot_check_record(
            check=check, by=county, result=CheckResult.FAIL, note="", checked_on=TODAY, today=TODAY
        )
    services.spot_check_record(
        check=check,
        by=county,
        result=CheckResult.FAIL,
        note="三会一课记录造假",
        checked_on=TODAY,
        today=TODAY,
    )
    acceptance = Acceptance.objects.get(pk=acceptance.pk)
    assert acceptance.status == AcceptanceStatus.REJECTED
    assert "实地抽查不合格" in acceptance.accept_note and "三会一课记录造假" in acceptance.accept_note
    assert acceptance.accepted_at is not None  # kept: the draw still recomputes
    again = apply(tree["branch"], secretary, text="整改完成")
    assert again.status == AcceptanceStatus.APPLIED
    assert "实地抽查不合格" in services.split_application(again.application)[1][0]


def test_check_dates_and_roles(tree, county, admin_user, secretary, outsider):
    _, check = _one_check(tree, county, admin_user)
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 21)):  # before the draw, after today
        with pytest.raises(ValidationError):
            services.spot_check_record(check=check, by=county, result="pass", checked_on=day, today=TODAY)
    with pytest.raises(ValidationError):
        services.spot_check_record(check=check, by=county, result="pending", checked_on=TODAY, today=TODAY)
    for user in (secretary, outsider):
        with pytest.raises(PermissionDenied):
            services.spot_check_record(check=check, by=user, result="pass", checked_on=TODAY, today=TODAY)
    assert SpotCheck.objects.get().result == CheckResult.PENDING
