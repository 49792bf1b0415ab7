"""meetings/demo.py through demo_data: a consistent year of organisational life, with its stories."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organisation
from branches.rules import BRANCH_KINDS
from meetings import demo, rules
from meetings.models import (
    Appraisal,
    Attendance,
    ComplianceRecord,
    ComplianceStatus,
    Meeting,
    MeetingEvent,
    MeetingStatus,
    Resolution,
    Talk,
    VoterExclusion,
)
from meetings.selectors import own_attendance
from meetings.services.meetings import expected_members, late_entry_days
from members import selectors_pipeline
from members.models import Member, StageChange


def counts():
    return tuple(
        model.objects.count()
        for model in (Meeting, Attendance, MeetingEvent, Resolution, Talk, Appraisal, ComplianceRecord)
    )


@pytest.mark.django_db
def test_demo_year_of_meetings():
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert "组织生活演示数据：新建会议" in out.getvalue()
    today = timezone.localdate()

    # Every demo branch, general branch and 基层党委 held meetings; nothing submitted is in the future.
    branches = Organisation.objects.filter(kind__in=BRANCH_KINDS, code__startswith="XQ")
    assert branches.count() >= 28
    held = Meeting.objects.counted().values("branch").annotate(n=Count("pk"))
    by_branch = {row["branch"]: row["n"] for row in held}
    assert all(by_branch.get(b.pk, 0) >= 20 for b in branches), "a demo branch without meetings"
    for upper in Organisation.objects.filter(kind__in=["general_branch", "committee"], depth__gte=2):
        assert upper.pk in by_branch, upper.name
    assert not Meeting.objects.counted().filter(starts_at__gte=rules.local_start(today)).exists()
    assert set(Meeting.objects.values_list("status", flat=True)) == {"submitted", "draft", "returned"}

    # Counts on each meeting agree with its attendance rows.
    rows = Attendance.objects.values("meeting").annotate(
        n=Count("pk"), present=Count("pk", filter=Q(presence="present"))
    )
    attendance = {r["meeting"]: (r["n"], r["present"]) for r in rows}
    for pk, expected, present in Meeting.objects.values_list("pk", "expected_count", "present_count"):
        assert attendance[pk] == (expected, present)

    # 补录 as meeting_save would mark it; a few, not many.
    limit = late_entry_days()
    late = 0
    for starts_at, submitted_at, is_late in Meeting.objects.counted().values_list(
        "starts_at", "submitted_at", "is_late"
    ):
        assert is_late == rules.is_late_entry(
            rules.local_day(starts_at), rules.local_day(submitted_at), limit
        )
        late += is_late
    assert 5 <= late <= Meeting.objects.count() // 10

    # Attendance from the roster on the meeting day, in the branch where a candidate was admitted.
    admission = Resolution.objects.filter(kind="admit", passed=True).select_related("meeting__branch").first()
    assert admission is not None
    for meeting in Meeting.objects.filter(branch=admission.meeting.branch).select_related(
        "organisation", "kind"
    ):
        expected = set(
            expected_members(
                meeting.organisation, meeting.kind, rules.local_day(meeting.starts_at)
            ).values_list("pk", flat=True)
        )
        if meeting.status == MeetingStatus.DRAFT:
            continue  # planned for next month, on today's roster
        if meeting == admission.meeting:
            expected.discard(admission.subject_id)  # admitted at this meeting: on the roster from this day
        assert set(meeting.attendances.values_list("member_id", flat=True)) == expected, meeting.topic

    # The admission advanced the member, with the resolution as its document.
    subject = admission.subject
    assert subject.stage == "probationary" and subject.admitted_on == rules.local_day(
        admission.meeting.starts_at
    )
    assert f"表决#{admission.pk}" in StageChange.objects.filter(member=subject).latest("pk").document
    assert Resolution.objects.filter(kind="confirm", passed=True).exists()
    assert VoterExclusion.objects.exists()

    # Some cells met, some short; the stories show.
    statuses = Counter(ComplianceRecord.objects.filter(year=today.year).values_list("status", flat=True))
    assert statuses[ComplianceStatus.MET] > statuses[ComplianceStatus.SHORT] > 0
    short_kinds = set(
        ComplianceRecord.objects.filter(year=today.year, status="short").values_list(
            "requirement__kind__code", flat=True
        )
    )
    assert {"lecture", "theme_day", "committee"} <= short_kinds
    exemplary = ComplianceRecord.objects.filter(organisation__code__in=demo.EXEMPLARY, year=today.year)
    assert exemplary.exists() and not exemplary.filter(status="short").exists()

    # 自行脱党 review: two or three members attended nothing for six months.
    flagged = selectors_pipeline.members_without_organisational_life(Member.objects.all(), 6, today=today)
    assert 2 <= len(flagged) <= 4

    # The member account sees absences and leave in "my attendance".
    member = Member.objects.get(user__username="member_xq0101")
    mine = Counter(own_attendance(member, year=today.year).values_list("presence", flat=True))
    assert mine["present"] > 10 and mine["absent"] + mine["leave"] >= 2

    # Talks this year, appraisals for last year.
    assert Talk.objects.filter(on__year=today.year).count() > 500
    assert Appraisal.objects.filter(year=today.year - 1).count() > 500

    # A second build adds nothing.
    before = counts()
    again = demo.build(today=today)
    assert "新建会议 0 次" in again
    assert counts() == before
