"""Which figures apply: an organisation's override over its sector's over the default; the latest in force.

First the pure rule (rules.effective_figures), then the same through the stored overrides
and compliance.compute_for, where an override that takes effect mid-year splits the periods.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from meetings import compliance, rules, selectors
from meetings.models import ComplianceStatus
from meetings.services.requirements import override_save
from tests.meetings.conftest import local, requirement

D = dt.date
JUNE = D(2026, 6, 1)
YEAR_END = D(2026, 12, 31)
DEFAULT = SimpleNamespace(period="quarter", min_count=1, min_attendance=None, basis="《支部工作条例》")


def override(pk, *, organisation_id=None, sector="", effective_from, applies=True, period="month", count=1):
    return SimpleNamespace(
        pk=pk,
        organisation_id=organisation_id,
        sector=sector,
        effective_from=effective_from,
        applies=applies,
        period=period,
        min_count=count,
        min_attendance=None,
        reason=f"调整{pk}",
    )


def figures(overrides, *, organisation_id=10, sector="village", on=JUNE):
    return rules.effective_figures(DEFAULT, overrides, organisation_id=organisation_id, sector=sector, on=on)


SECTOR = override(1, sector="village", effective_from=D(2026, 1, 1), count=2)
OWN = override(2, organisation_id=10, effective_from=D(2025, 1, 1), count=3)  # older, but more specific


def test_default_without_overrides():
    found = figures([])
    assert (found.source, found.period, found.min_count, found.applies) == ("default", "quarter", 1, True)
    assert found.reason == DEFAULT.basis


def test_organisation_beats_sector_beats_default():
    assert figures([SECTOR, OWN]).source == "organisation"
    assert figures([SECTOR, OWN]).min_count == 3
    assert figures([SECTOR, OWN], organisation_id=11).source == "sector"  # another village branch
    assert figures([SECTOR, OWN], organisation_id=11).min_count == 2
    assert figures([SECTOR, OWN], organisation_id=11, sector="organ").source == "default"


def test_the_latest_in_force_wins_within_a_level():
    later = override(3, sector="village", effective_from=D(2026, 7, 1), count=4)
    assert figures([SECTOR, later], on=D(2026, 6, 30)).min_count == 2
    assert figures([SECTOR, later], on=D(2026, 7, 1)).min_count == 4
    assert figures([later, SECTOR], on=D(2026, 7, 2)).effective_from == D(
        2026, 7, 1
    )  # order given does not matter


def test_an_override_from_tomorrow_is_not_in_force_today():
    tomorrow = override(4, organisation_id=10, effective_from=D(2026, 6, 2), count=5)
    assert figures([tomorrow], on=D(2026, 6, 1)).source == "default"
    assert figures([tomorrow], on=D(2026, 6, 2)).min_count == 5


def test_not_applicable_override():
    off = override(5, organisation_id=10, effective_from=D(2026, 1, 1), applies=False)
    found = figures([SECTOR, off])
    assert not found.applies and found.source == "organisation" and found.reason == "调整5"


# --- through the stored overrides ----------------------------------------------------------------


def cells(org, code, *, today=YEAR_END):
    return [c for c in compliance.compute_for(org, 2026, today=today) if c.requirement.kind.code == code]


def test_stored_overrides_in_the_same_order(tree):
    lecture = requirement("lecture")
    override_save(
        requirement=lecture, sector="village", effective_from=D(2026, 1, 1), applies=False, reason="县委通知"
    )
    override_save(
        requirement=lecture,
        organisation=tree["branch"],
        effective_from=D(2025, 1, 1),
        period="month",
        min_count=2,
        reason="示范支部",
    )
    own = cells(tree["branch"], "lecture")
    assert len(own) == 12 and {c.figures.source for c in own} == {"organisation"}
    assert {c.expected for c in own} == {2}
    # Another village branch: the sector says the lecture is not assessed.
    other = cells(tree["other_branch"], "lecture")
    assert {c.status for c in other} == {ComplianceStatus.NOT_APPLICABLE}
    assert other[0].why == "已调整为不考核：县委通知"
    # A branch of another sector keeps the default: four quarters.
    assert [c.figures.source for c in cells(tree["sibling_branch"], "lecture")] == ["default"] * 4


def test_an_override_mid_year_splits_the_periods(tree):
    override_save(
        requirement=requirement("lecture"),
        organisation=tree["branch"],
        effective_from=D(2026, 5, 15),
        period="month",
        min_count=1,
        reason="改为每月一次",
    )
    found = [(c.period_start, c.period_end, c.figures.source) for c in cells(tree["branch"], "lecture")]
    assert found[:4] == [
        (D(2026, 1, 1), D(2026, 3, 31), "default"),
        (D(2026, 4, 1), D(2026, 5, 14), "default"),  # the quarter ends where the override begins
        (D(2026, 5, 15), D(2026, 5, 31), "organisation"),
        (D(2026, 6, 1), D(2026, 6, 30), "organisation"),
    ]
    assert found[-1] == (D(2026, 12, 1), D(2026, 12, 31), "organisation")
    assert len(found) == 2 + 1 + 7


def test_later_effective_date_wins_through_compute_for(tree):
    theme = requirement("theme_day")
    override_save(
        requirement=theme,
        sector="village",
        effective_from=D(2026, 1, 1),
        min_attendance=70,
        reason="第一次调整",
    )
    override_save(
        requirement=theme,
        sector="village",
        effective_from=D(2026, 7, 1),
        min_attendance=90,
        reason="第二次调整",
    )
    found = {c.period_start.month: c.figures.min_attendance for c in cells(tree["branch"], "theme_day")}
    assert found[6] == 70 and found[7] == 90 and found[12] == 90


def test_meeting_counted_by_the_figures_in_force(tree, ten, record_meeting):
    """Theme day with 7 of 10: short under the default 80 %, met once the sector allows 70 %."""
    record_meeting(tree["branch"], "theme_day", local(2026, 3, 20), absent=ten[:3])
    march = cells(tree["branch"], "theme_day")[2]
    assert (march.held, march.status) == (0, ComplianceStatus.SHORT)
    override_save(
        requirement=requirement("theme_day"),
        sector="village",
        effective_from=D(2026, 1, 1),
        min_attendance=70,
        reason="农忙时节",
    )
    march = cells(tree["branch"], "theme_day")[2]
    assert (march.held, march.status) == (1, ComplianceStatus.MET)


def test_requirements_page_shows_todays_figures_not_tomorrows(tree):
    today = D(2026, 6, 15)
    override_save(
        requirement=requirement("lecture"),
        organisation=tree["branch"],
        effective_from=today + dt.timedelta(days=1),
        applies=False,
        reason="明日起不考核",
        today=today,
    )
    now = {c.requirement.kind.code: c for c in selectors.requirements_of(tree["branch"], today)}
    assert now["lecture"].figures.source == "default"
    assert now["lecture"].status != ComplianceStatus.NOT_APPLICABLE
    later = {c.requirement.kind.code: c for c in selectors.requirements_of(tree["branch"], D(2026, 6, 16))}
    assert later["lecture"].status == ComplianceStatus.NOT_APPLICABLE


@pytest.mark.parametrize("applies", [True, False])
def test_applies_false_is_not_applicable_every_period(tree, applies):
    override_save(
        requirement=requirement("general"),
        organisation=tree["branch"],
        effective_from=D(2020, 1, 1),
        applies=applies,
        reason="试点",
    )
    statuses = {c.status for c in cells(tree["branch"], "general", today=D(2027, 1, 5))}
    if applies:
        assert statuses == {ComplianceStatus.SHORT}
    else:
        assert statuses == {ComplianceStatus.NOT_APPLICABLE}
