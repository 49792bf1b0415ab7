"""Automatic indicators against a fixture computed by hand, and the rating's prefilled items."""

import datetime as dt
from decimal import Decimal as D

import pytest

from assessment import indicators
from assessment.models import Indicator, RectificationCase, RectificationItem
from assessment.services import ratings as services
from meetings.defaults import ensure_defaults as meeting_defaults
from meetings.models import ComplianceRecord, Requirement
from members.models import DuesPayment, StageChange
from members.selectors import branch_structure_warnings
from tests.factories import make_member

TODAY = dt.date(2026, 11, 20)
YEAR = 2026


def requirement(code: str) -> Requirement:
    return Requirement.objects.get(kind__code=code, org_kind="branch")


def compliance(org, code, month, status, *, year=YEAR, rate=None):
    start = dt.date(year, month, 1)
    return ComplianceRecord.objects.create(
        organisation=org,
        org_path=org.path,
        requirement=requirement(code),
        period_start=start,
        period_end=start + dt.timedelta(days=27),
        year=year,
        expected=1,
        held=1 if status == "met" else 0,
        attendance_rate=D(rate) if rate is not None else None,
        status=status,
    )


def dues(member, month, due, paid="0", paid_on=None):
    return DuesPayment.objects.create(
        member=member, month=month, amount_due=D(due), amount_paid=D(paid), paid_on=paid_on
    )


@pytest.fixture
def data(db, tree):
    """东村党支部 in 2026, as of 20 November; 西村党支部 with only an overdue term and one open item."""
    meeting_defaults()
    branch, other = tree["branch"], tree["other_branch"]
    # Meetings: met 3 (theme day Jan, general Q1, lecture Q1), short 1 (theme day Feb);
    # pending and not-applicable rows and last year's row do not count → 3 / 4 = 75 %.
    compliance(branch, "theme_day", 1, "met", rate="0.9000")
    compliance(branch, "theme_day", 2, "short", rate="0.8000")
    compliance(branch, "theme_day", 3, "pending")
    compliance(branch, "general", 1, "met")
    compliance(branch, "general", 4, "na")
    compliance(branch, "lecture", 1, "met")
    compliance(branch, "theme_day", 12, "met", year=YEAR - 1, rate="0.1000")
    compliance(other, "general", 1, "short")
    # Theme days with a rate this year: (90 % + 80 %) / 2 = 85 %.

    first, second = make_member(branch), make_member(branch)
    # Dues lines before November with something due: 5; on time 2 → 40 %.
    dues(first, dt.date(2026, 1, 1), "10", "10", dt.date(2026, 1, 15))  # on time
    dues(first, dt.date(2026, 2, 1), "10", "10", dt.date(2026, 3, 2))  # paid the month after: late
    dues(first, dt.date(2026, 3, 1), "10", "5", dt.date(2026, 3, 10))  # short: not on time
    dues(second, dt.date(2026, 1, 1), "10")  # unpaid
    dues(second, dt.date(2026, 2, 1), "0")  # nothing due: not counted
    dues(second, dt.date(2026, 10, 1), "10", "10", dt.date(2026, 10, 31))  # last day of the month: on time
    dues(second, dt.date(2026, 11, 1), "10", "10", dt.date(2026, 11, 5))  # the current month: not counted

    # Development steps in 2026: activist and candidate → 2 (an application and last year's step do not count).
    StageChange.objects.create(member=first, stage="activist", on=dt.date(2026, 3, 1))
    StageChange.objects.create(member=second, stage="candidate", on=dt.date(2026, 6, 1))
    StageChange.objects.create(member=first, stage="applicant", on=dt.date(2026, 1, 1))
    StageChange.objects.create(member=second, stage="full", on=dt.date(2025, 12, 31))

    # Rectification: open + done-not-verified = 2 for the branch; verified ones do not count.
    case = RectificationCase.objects.create(
        organisation=branch, org_path=branch.path, reason="整顿", opened_on=dt.date(2026, 2, 1)
    )
    for status in ("open", "done", "verified"):
        RectificationItem.objects.create(
            case=case, problem=status, measure="m", owner="张三", deadline=dt.date(2026, 6, 30), status=status
        )
    other_case = RectificationCase.objects.create(
        organisation=other, org_path=other.path, reason="整顿", opened_on=dt.date(2026, 2, 1)
    )
    RectificationItem.objects.create(
        case=other_case, problem="p", measure="m", owner="李四", deadline=dt.date(2026, 6, 30)
    )
    return tree


def test_indicators_equal_the_hand_computed_figures(data, django_assert_max_num_queries):
    branch, other = data["branch"], data["other_branch"]
    with django_assert_max_num_queries(8):
        values = indicators.for_branches([branch.pk, other.pk], YEAR, today=TODAY)
    mine = values[branch.pk]
    assert mine[Indicator.MEETING_COMPLIANCE] == D("75.00")
    assert mine[Indicator.THEME_DAY_ATTENDANCE] == D("85.00")
    assert mine[Indicator.DUES_ON_TIME] == D("40.00")
    assert mine[Indicator.DEVELOPMENT] == D(2)
    assert mine[Indicator.TERM_OVERDUE] == D(0)
    assert mine[Indicator.OPEN_RECTIFICATION] == D(2)
    # Two full members (fewer than three) and an empty party group (too small, no full member).
    assert mine[Indicator.STRUCTURE_WARNINGS] == D(3) == len(branch_structure_warnings(branch))

    theirs = values[other.pk]
    assert theirs[Indicator.MEETING_COMPLIANCE] == D("0.00")
    assert theirs[Indicator.THEME_DAY_ATTENDANCE] is None and theirs[Indicator.DUES_ON_TIME] is None
    assert theirs[Indicator.DEVELOPMENT] == D(0) and theirs[Indicator.OPEN_RECTIFICATION] == D(1)
    # Elected 10 Jan 2018 in a village: five years, due 10 Jan 2023.
    assert theirs[Indicator.TERM_OVERDUE] == D((TODAY - dt.date(2023, 1, 10)).days) == D(1410)
    assert theirs[Indicator.STRUCTURE_WARNINGS] == D(len(branch_structure_warnings(other)))


def test_the_rating_is_prefilled_from_the_indicators(data, defaults, secretary):
    rating = services.rating_start(organisation=data["branch"], year=YEAR, by=secretary, today=TODAY)
    scores = {s.item.indicator: s for s in rating.scores.select_related("item").exclude(item__indicator="")}
    # (value, automatic points) by the default bands.
    expected = {
        Indicator.MEETING_COMPLIANCE: ("75.00", "5.00"),  # ≥60 → 5
        Indicator.THEME_DAY_ATTENDANCE: ("85.00", "6.00"),  # ≥80 → 6
        Indicator.DUES_ON_TIME: ("40.00", "0.00"),  # below 90 → 0
        Indicator.DEVELOPMENT: ("2.00", "6.00"),  # ≥2 → 6
        Indicator.TERM_OVERDUE: ("0.00", "6.00"),  # ≤0 → 6
        Indicator.STRUCTURE_WARNINGS: ("3.00", "0.00"),  # more than 1 → 0
        Indicator.OPEN_RECTIFICATION: ("2.00", "5.00"),  # penalty ≥1 → 5
    }
    for indicator, (value, points) in expected.items():
        score = scores[indicator]
        assert (score.indicator_value, score.auto_points, score.self_points) == (
            D(value),
            D(points),
            D(points),
        )
    # Penalty 5 is taken off: 5 + 6 + 0 + 6 + 6 + 0 − 5 = 18.
    assert rating.self_total == D("18.00")


def test_a_changed_score_stays_when_the_data_moves_an_untouched_one_follows(data, defaults, secretary):
    rating = services.rating_start(organisation=data["branch"], year=YEAR, by=secretary, today=TODAY)
    meetings = rating.scores.get(item__indicator=Indicator.MEETING_COMPLIANCE)
    dues_score = rating.scores.get(item__indicator=Indicator.DUES_ON_TIME)
    services.self_scores_save(rating=rating, by=secretary, entries={meetings.item_id: ("9", "补开了")})
    ComplianceRecord.objects.filter(organisation=data["branch"], status="short").update(status="met")
    DuesPayment.objects.filter(amount_due__gt=0).update(amount_paid=D("10"), paid_on=dt.date(2026, 1, 1))
    services.indicators_refresh(rating, today=TODAY)
    meetings.refresh_from_db()
    dues_score.refresh_from_db()
    assert (meetings.indicator_value, meetings.auto_points, meetings.self_points) == (
        D("100"),
        D("12"),
        D("9"),
    )
    assert (dues_score.indicator_value, dues_score.self_points) == (D("100"), D("8"))
