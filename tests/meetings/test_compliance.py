"""meetings/compliance.py: what counts in which period, and the rows stored per period."""

import datetime as dt
from decimal import Decimal

from meetings import compliance, selectors
from meetings.models import ComplianceRecord, ComplianceStatus, Requirement
from meetings.services.meetings import meeting_cancel, meeting_return, meeting_save, meeting_submit
from meetings.services.requirements import override_save
from meetings.services.talks import appraisals_save, talk_record
from members.services.members import appointment_add, current_term
from tests.factories import make_member, make_org
from tests.meetings.conftest import local, requirement

D = dt.date
UTC = dt.UTC
YEAR_END = D(2026, 12, 31)
AFTER = D(2027, 1, 2)  # every period of 2026 is over
MET, SHORT, PENDING, NA = (
    ComplianceStatus.MET,
    ComplianceStatus.SHORT,
    ComplianceStatus.PENDING,
    ComplianceStatus.NOT_APPLICABLE,
)


def cells(org, code, *, today=AFTER, year=2026):
    return [c for c in compliance.compute_for(org, year, today=today) if c.requirement.kind.code == code]


def by_month(org, code, **kw):
    return {c.period_start.month: c for c in cells(org, code, **kw)}


# --- periods in Asia/Shanghai --------------------------------------------------------------------


def test_meetings_at_the_quarter_edge_count_by_the_shanghai_day(tree, ten, record_meeting):
    q1 = record_meeting(
        tree["branch"], "lecture", dt.datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    )  # 23:30 local
    q2 = record_meeting(
        tree["branch"], "lecture", dt.datetime(2026, 3, 31, 16, 10, tzinfo=UTC)
    )  # 00:10 local
    found = [(c.period_start, c.held, c.status) for c in cells(tree["branch"], "lecture")]
    assert found == [
        (D(2026, 1, 1), 1, MET),
        (D(2026, 4, 1), 1, MET),
        (D(2026, 7, 1), 0, SHORT),
        (D(2026, 10, 1), 0, SHORT),
    ]
    # The calendar cell lists the meetings of its own period only.
    lecture = requirement("lecture")
    assert list(selectors.period_meetings(tree["branch"], lecture, D(2026, 1, 1), D(2026, 3, 31))) == [q1]
    assert list(selectors.period_meetings(tree["branch"], lecture, D(2026, 4, 1), D(2026, 6, 30))) == [q2]


def test_theme_day_needs_eighty_percent(tree, ten, record_meeting):
    record_meeting(tree["branch"], "theme_day", local(2026, 5, 20), absent=ten[:2])  # 8 of 10
    record_meeting(tree["branch"], "theme_day", local(2026, 6, 20), absent=ten[:2], leave=ten[2:3])  # 7 of 10
    months = by_month(tree["branch"], "theme_day")
    assert (months[5].held, months[5].status, months[5].attendance_rate) == (1, MET, Decimal("0.8000"))
    assert (months[6].held, months[6].status, months[6].attendance_rate) == (0, SHORT, Decimal("0.7000"))
    assert "出席率未达到80%" in months[6].why


def test_a_second_theme_day_with_enough_attendance_makes_the_month(tree, ten, record_meeting):
    record_meeting(tree["branch"], "theme_day", local(2026, 6, 5), absent=ten[:3])
    record_meeting(tree["branch"], "theme_day", local(2026, 6, 20), absent=ten[:1])
    june = by_month(tree["branch"], "theme_day")[6]
    assert (june.held, june.status, june.attendance_rate) == (1, MET, Decimal("0.8000"))  # 16 of 20 over both


def test_organisational_life_meeting_counts_for_the_year(tree, ten, record_meeting):
    assert [c.status for c in cells(tree["branch"], "life", today=D(2026, 11, 28))] == [PENDING]
    assert [c.status for c in cells(tree["branch"], "life", today=D(2027, 1, 5))] == [SHORT]
    record_meeting(tree["branch"], "life", local(2026, 12, 18), now=local(2026, 12, 20))
    (year,) = cells(tree["branch"], "life", today=D(2027, 1, 5))
    assert (year.period_start, year.period_end, year.held, year.status) == (D(2026, 1, 1), YEAR_END, 1, MET)
    # …and not for the next year.
    assert [c.status for c in cells(tree["branch"], "life", today=D(2028, 1, 5), year=2027)] == [SHORT]


def test_pending_until_the_period_ends_then_short(tree, ten, branch_committee):
    assert by_month(tree["branch"], "committee", today=D(2026, 11, 28))[11].status == PENDING
    assert by_month(tree["branch"], "committee", today=D(2026, 11, 30))[11].status == PENDING
    assert by_month(tree["branch"], "committee", today=D(2026, 12, 1))[11].status == SHORT
    assert by_month(tree["branch"], "committee", today=D(2026, 11, 28))[12].status == PENDING


# --- who a requirement binds ---------------------------------------------------------------------


def test_committee_meetings_only_where_there_is_a_committee(tree):
    branch = tree["branch"]
    six = [make_member(branch, name=f"委员候选{n}") for n in range(6)]
    term = current_term(branch)
    for member, position in zip(six[:2], ("secretary", "organisation"), strict=True):
        appointment_add(term=term, member=member, position=position, appointed_on=D(2024, 1, 10))
    found = cells(branch, "committee")
    assert {c.status for c in found} == {NA}  # 6 full members, 2 posts
    assert found[0].why == "未设支部委员会（正式党员不足7人且委员不足3人）"

    appointment_add(term=term, member=six[2], position="propaganda", appointed_on=D(2024, 1, 10))
    assert {c.status for c in cells(branch, "committee")} == {SHORT}  # three posts: a committee


def test_seven_full_members_must_have_a_committee(tree):
    for n in range(7):
        make_member(tree["branch"], name=f"党员{n}")
    assert {c.status for c in cells(tree["branch"], "committee")} == {SHORT}
    assert compliance.has_committee(appointments=0, full_members=7)
    assert not compliance.has_committee(appointments=2, full_members=6)
    assert compliance.has_committee(appointments=3, full_members=0)


def test_probationary_members_do_not_make_a_committee_necessary(tree):
    for n in range(6):
        make_member(tree["branch"], name=f"党员{n}")
    make_member(tree["branch"], name="预备", stage="probationary", admitted_on=D(2026, 1, 10))
    assert {c.status for c in cells(tree["branch"], "committee")} == {NA}


def test_group_meetings_per_party_group(tree, ten, record_meeting):
    branch, first = tree["branch"], tree["group"]
    second = make_org(branch, kind="party_group", name="第二党小组", sector="village")
    make_member(branch, name="二组甲", party_group=second)
    make_member(branch, name="二组乙", party_group=second)
    record_meeting(first, "group", local(2026, 5, 12, 19))
    record_meeting(first, "group", local(2026, 6, 12, 19))
    record_meeting(second, "group", local(2026, 6, 15, 19))
    months = by_month(branch, "group")
    assert (months[5].expected, months[5].held, months[5].status) == (2, 1, SHORT)
    assert (months[6].expected, months[6].held, months[6].status) == (2, 2, MET)


def test_no_party_group_no_group_requirement(tree):
    branch = make_org(tree["town"], name="南村党支部", sector="village")
    assert {c.status for c in cells(branch, "group")} == {NA}


def test_talks_cover_every_member(tree, ten):
    branch = tree["branch"]
    talk_record(organisation=branch, member_a=ten[0], member_b=ten[1], on=D(2026, 3, 2))
    talk_record(organisation=branch, member_a=ten[0], member_b=ten[2], on=D(2026, 4, 2))
    talk_record(organisation=branch, member_a=ten[0], member_b=ten[3], on=D(2025, 12, 30))  # last year
    (year,) = cells(branch, "talk", today=D(2026, 11, 28))
    assert (year.expected, year.held, year.status) == (10, 3, PENDING)
    assert cells(branch, "talk", today=D(2027, 1, 2))[0].status == SHORT
    for member in ten[3:]:
        talk_record(organisation=branch, member_a=ten[0], member_b=member, on=D(2026, 5, 6))
    (year,) = cells(branch, "talk", today=D(2027, 1, 2))
    assert (year.expected, year.held, year.status) == (10, 10, MET)


def test_appraisal_results_count_as_the_years_appraisal(tree, ten):
    assert cells(tree["branch"], "appraisal", today=D(2027, 1, 2))[0].status == SHORT
    appraisals_save(organisation=tree["branch"], year=2026, results={m.pk: ("qualified", "") for m in ten})
    assert cells(tree["branch"], "appraisal", today=D(2027, 1, 2))[0].status == MET


def test_general_branch_holds_two_general_meetings_a_year(tree, record_meeting):
    general = make_org(tree["town"], kind="general_branch", name="城南社区党总支", sector="community")
    below = make_org(general, name="城南第一党支部", sector="community")
    for n in range(3):
        make_member(below, name=f"社区党员{n}")
    record_meeting(general, "general", local(2026, 6, 26, 15))
    (year,) = cells(general, "general", today=D(2027, 1, 2))
    assert (year.expected, year.held, year.status) == (2, 1, SHORT)
    record_meeting(general, "general", local(2026, 12, 10, 15), now=local(2026, 12, 11))
    assert cells(general, "general", today=D(2027, 1, 2))[0].status == MET


# --- what counts ---------------------------------------------------------------------------------


def test_only_submitted_meetings_count(tree, ten, record_meeting, reviewer):
    branch = tree["branch"]
    record_meeting(branch, "theme_day", local(2026, 5, 20), submit=False)  # a draft
    cancelled = record_meeting(branch, "theme_day", local(2026, 6, 20))
    meeting_cancel(meeting=cancelled, reason="重复录入")
    returned = record_meeting(branch, "theme_day", local(2026, 7, 20))
    meeting_return(meeting=returned, reason="缺少签到表", by=reviewer)
    resubmitted = record_meeting(branch, "theme_day", local(2026, 8, 20))
    meeting_return(meeting=resubmitted, reason="缺少签到表", by=reviewer)
    meeting_submit(meeting=resubmitted, now=local(2026, 9, 1))
    months = by_month(branch, "theme_day")
    assert [months[m].held for m in (5, 6, 7, 8)] == [0, 0, 0, 1]
    assert [months[m].status for m in (5, 6, 7, 8)] == [SHORT, SHORT, SHORT, MET]


def test_late_entries_are_counted_and_shown(tree, ten, record_meeting):
    record_meeting(tree["branch"], "theme_day", local(2026, 5, 20), now=local(2026, 7, 1))
    may = by_month(tree["branch"], "theme_day")[5]
    assert (may.held, may.late, may.status) == (1, 1, MET)


# --- the stored rows -----------------------------------------------------------------------------

BRANCH_PERIODS = (
    4 + 12 + 12 + 4 + 12 + 1 + 1 + 1
)  # general, committee, group, lecture, theme, life, appraisal, talk


def test_refresh_writes_one_row_per_period_and_is_idempotent(tree, ten, record_meeting):
    branch = tree["branch"]
    record_meeting(branch, "theme_day", local(2026, 5, 20))
    assert compliance.refresh([branch.pk], 2026, today=D(2026, 11, 28)) == BRANCH_PERIODS
    rows = ComplianceRecord.objects.filter(organisation=branch, year=2026)
    first = sorted(rows.values_list("pk", "requirement_id", "period_start", "status"))
    assert len(first) == BRANCH_PERIODS
    assert len({(r, start) for _, r, start, _ in first}) == BRANCH_PERIODS
    assert compliance.refresh([branch.pk], 2026, today=D(2026, 11, 28)) == BRANCH_PERIODS
    assert sorted(rows.values_list("pk", "requirement_id", "period_start", "status")) == first
    may = rows.get(requirement__kind__code="theme_day", period_start=D(2026, 5, 1))
    assert (may.status, may.held, may.expected, may.org_path) == (MET, 1, 1, branch.path)


def test_refresh_drops_periods_that_no_longer_exist(tree, ten):
    branch = tree["branch"]
    compliance.refresh([branch.pk], 2026, today=D(2026, 11, 28))
    override_save(
        requirement=requirement("lecture"),
        organisation=branch,
        effective_from=D(2026, 1, 1),
        period="month",
        reason="每月一次党课",
    )
    compliance.refresh([branch.pk], 2026, today=D(2026, 11, 28))
    lectures = ComplianceRecord.objects.filter(organisation=branch, requirement__kind__code="lecture")
    assert sorted(lectures.values_list("period_start", flat=True)) == [D(2026, m, 1) for m in range(1, 13)]
    assert ComplianceRecord.objects.filter(organisation=branch).count() == BRANCH_PERIODS - 4 + 12


def test_refresh_all_skips_party_groups_and_covers_every_level(tree, ten):
    compliance.refresh_all(2026, today=D(2026, 11, 28))
    orgs = set(ComplianceRecord.objects.values_list("organisation__kind", flat=True))
    assert "party_group" not in orgs
    assert {"branch", "committee"} <= orgs
    counts = {
        org: ComplianceRecord.objects.filter(organisation=tree[org]).count() for org in ("branch", "town")
    }
    assert counts == {"branch": BRANCH_PERIODS, "town": 1}
    assert Requirement.objects.filter(org_kind="committee").count() == 1


def test_saving_a_meeting_refreshes_the_stored_rows(
    tree, ten, record_meeting, django_capture_on_commit_callbacks
):
    branch = tree["branch"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_meeting(branch, "theme_day", local(2026, 5, 20))
    assert len(callbacks) == 1  # one refresh of the branch's year, through the task
    may = ComplianceRecord.objects.get(
        organisation=branch, requirement__kind__code="theme_day", period_start=D(2026, 5, 1)
    )
    assert (may.status, may.held, may.attendance_rate) == (MET, 1, Decimal("1.0000"))
    # A party group's meeting refreshes its branch.
    with django_capture_on_commit_callbacks(execute=True):
        record_meeting(tree["group"], "group", local(2026, 5, 12, 19))
    assert (
        ComplianceRecord.objects.get(
            organisation=branch, requirement__kind__code="group", period_start=D(2026, 5, 1)
        ).status
        == MET
    )


def test_moving_a_meeting_to_another_year_refreshes_both(
    tree, ten, record_meeting, kinds, django_capture_on_commit_callbacks
):
    branch = tree["branch"]

    def lecture(start):
        return ComplianceRecord.objects.get(
            organisation=branch, requirement__kind__code="lecture", period_start=start
        ).status

    with django_capture_on_commit_callbacks(execute=True):
        meeting = record_meeting(branch, "lecture", local(2025, 12, 30))
    assert lecture(D(2025, 10, 1)) == MET
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting_save(
            meeting=meeting,
            organisation=branch,
            kind=kinds["lecture"],
            starts_at=local(2026, 1, 5),
            submit=True,
            now=local(2026, 11, 20),
            topic="改期后的党课",
        )
    assert len(callbacks) == 2
    assert (lecture(D(2025, 10, 1)), lecture(D(2026, 1, 1))) == (SHORT, MET)


def test_talk_coverage_of_a_past_year_ignores_members_admitted_later(tree, ten):
    branch = tree["branch"]
    for member in ten[1:]:
        talk_record(organisation=branch, member_a=ten[0], member_b=member, on=D(2025, 6, 1))
    make_member(branch, name="新预备", stage="probationary", admitted_on=D(2026, 3, 1))
    (year,) = cells(branch, "talk", today=D(2026, 11, 28), year=2025)
    assert (year.expected, year.held, year.status) == (10, 10, MET)
