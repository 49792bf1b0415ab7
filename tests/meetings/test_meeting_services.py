"""The services that write meetings: meeting_save and its checks, late entries, versions, the
submit/return/cancel flow, attachments, and resolutions of a general meeting."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import Notice
from meetings import compliance
from meetings.models import (
    Attachment,
    Attendance,
    ComplianceStatus,
    Guest,
    MeetingStatus,
    MeetingVersion,
    Presence,
    Resolution,
)
from meetings.services.attachments import attachment_add
from meetings.services.meetings import Mark, meeting_cancel, meeting_return, meeting_save, meeting_submit
from meetings.services.votes import meeting_voters, resolution_record, voter_exclusion_add
from members.models import Member, StageChange
from tests.factories import make_member
from tests.meetings.conftest import NOW, local

D = dt.date


def save(org, kind, starts_at=None, **kw):
    kw.setdefault("topic", "学习党章")
    kw.setdefault("now", NOW)
    return meeting_save(organisation=org, kind=kind, starts_at=starts_at or local(2026, 5, 20), **kw)


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict) if hasattr(excinfo.value, "error_dict") else set()


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ["", "   ", None])
def test_topic_is_required(tree, ten, kinds, topic):
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], topic=topic)
    assert error_fields(excinfo) == {"topic"}


def test_end_before_start_refused(tree, ten, kinds):
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], local(2026, 5, 20, 9), ends_at=local(2026, 5, 20, 8, 59))
    assert error_fields(excinfo) == {"ends_at"}
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], local(2026, 5, 20, 9), ends_at=local(2026, 5, 21, 9, 1))
    assert error_fields(excinfo) == {"ends_at"}  # longer than a day: a typo


def test_a_future_meeting_may_be_a_draft_but_not_submitted(tree, ten, kinds):
    future = NOW + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], future, submit=True)
    assert error_fields(excinfo) == {"starts_at"}
    draft = save(tree["branch"], kinds["theme_day"], future, submit=False)
    assert draft.status == MeetingStatus.DRAFT
    with pytest.raises(ValidationError):
        meeting_submit(meeting=draft, now=NOW)
    assert meeting_submit(meeting=draft, now=future + dt.timedelta(hours=3)).status == MeetingStatus.SUBMITTED


@pytest.mark.parametrize(
    ("org", "code"),
    [("group", "theme_day"), ("group", "general"), ("branch", "group"), ("branch", "talk")],
)
def test_wrong_kind_for_the_organisation(tree, ten, kinds, org, code):
    with pytest.raises(ValidationError) as excinfo:
        save(tree[org], kinds[code])
    assert error_fields(excinfo) == {"kind"}


def test_committee_meeting_needs_a_committee(tree, ten, kinds):
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["committee"])
    assert error_fields(excinfo) == {"kind"}


def test_stray_or_wrong_attendance_refused(tree, ten, kinds):
    stranger = make_member(tree["other_branch"], name="外支部的")
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], attendance={stranger.pk: Mark(Presence.ABSENT)})
    assert error_fields(excinfo) == {"attendance"}
    with pytest.raises(ValidationError) as excinfo:
        save(tree["branch"], kinds["theme_day"], attendance={ten[0].pk: Mark("late")})
    assert error_fields(excinfo) == {"attendance"}
    outside_group = ten[5]  # not in the party group
    with pytest.raises(ValidationError):
        save(tree["group"], kinds["group"], attendance={outside_group.pk: Mark(Presence.ABSENT)})


def test_unknown_field_is_a_programming_error(tree, ten, kinds):
    with pytest.raises(TypeError):
        save(tree["branch"], kinds["theme_day"], colour="red")


def test_attendance_guests_and_counts(tree, ten, kinds):
    meeting = save(
        tree["branch"],
        kinds["lecture"],
        attendance={ten[0].pk: Mark(Presence.LEAVE, "  病假  "), ten[1].pk: Mark(Presence.ABSENT, "不算")},
        guests=[("张书记", "镇党委"), ("  ", "空名字不要")],
        lecturer="张书记",
        submit=True,
    )
    assert (meeting.expected_count, meeting.present_count) == (10, 8)
    rows = {a.member_id: (a.presence, a.reason) for a in Attendance.objects.filter(meeting=meeting)}
    assert rows[ten[0].pk] == ("leave", "病假") and rows[ten[1].pk] == ("absent", "")
    assert rows[ten[2].pk] == ("present", "")
    assert list(Guest.objects.filter(meeting=meeting).values_list("name", "note")) == [("张书记", "镇党委")]
    assert meeting.lecturer == "张书记" and meeting.branch == tree["branch"]
    theme = save(tree["branch"], kinds["theme_day"], lecturer="张书记")
    assert theme.lecturer == ""  # only a 党课 has a lecturer
    group_meeting = save(tree["group"], kinds["group"])
    assert (group_meeting.branch, group_meeting.expected_count) == (tree["branch"], 4)


def test_fifty_attendees_in_at_most_fifteen_queries(tree, kinds, django_assert_max_num_queries):
    members = [make_member(tree["branch"], name=f"党员{n:02d}") for n in range(50)]
    attendance = {m.pk: Mark(Presence.LEAVE, "出差") for m in members[:5]}
    with django_assert_max_num_queries(15):
        meeting = save(tree["branch"], kinds["theme_day"], attendance=attendance, submit=True)
    assert Attendance.objects.filter(meeting=meeting).count() == 50
    assert (meeting.expected_count, meeting.present_count) == (50, 45)


# --- late entries (补录) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "late"),
    [(local(2026, 3, 31, 23, 50), False), (local(2026, 4, 1, 0, 5), True)],
    ids=["day-30", "day-31"],
)
def test_late_entry_after_thirty_days(tree, ten, kinds, now, late):
    meeting = save(tree["branch"], kinds["theme_day"], local(2026, 3, 1, 20), submit=True, now=now)
    assert meeting.is_late == late


def test_late_entry_days_come_from_the_settings(tree, ten, kinds, settings):
    settings.MEETING_LATE_ENTRY_DAYS = 40
    meeting = save(tree["branch"], kinds["theme_day"], local(2026, 3, 1), now=local(2026, 4, 1))
    assert not meeting.is_late
    settings.MEETING_LATE_ENTRY_DAYS = 7
    meeting = save(tree["branch"], kinds["theme_day"], local(2026, 3, 1), now=local(2026, 3, 9))
    assert meeting.is_late


def test_late_is_decided_when_first_saved(tree, ten, kinds):
    on_time = save(tree["branch"], kinds["theme_day"], local(2026, 3, 1), submit=True, now=local(2026, 3, 2))
    edited = save(
        tree["branch"],
        kinds["theme_day"],
        local(2026, 3, 1),
        meeting=on_time,
        topic="改",
        now=local(2026, 9, 1),
    )
    assert not edited.is_late


# --- versions and the review flow ---------------------------------------------------------------


def test_editing_a_submitted_meeting_keeps_the_earlier_version(tree, ten, kinds):
    meeting = save(
        tree["branch"],
        kinds["theme_day"],
        topic="第一稿",
        attendance={ten[0].pk: Mark(Presence.ABSENT)},
        submit=True,
    )
    edited = save(tree["branch"], kinds["theme_day"], meeting=meeting, topic="第二稿")
    assert (edited.version, edited.topic, edited.present_count) == (2, "第二稿", 10)
    (kept,) = MeetingVersion.objects.filter(meeting=meeting)
    assert kept.version == 1 and kept.content["topic"] == "第一稿"
    assert [ten[0].pk, ten[0].name, "absent", ""] in kept.content["attendance"]
    assert list(edited.events.values_list("kind", flat=True)) == ["created", "edited"]
    assert edited.status == MeetingStatus.SUBMITTED


def test_editing_a_draft_keeps_no_version(tree, ten, kinds):
    draft = save(tree["branch"], kinds["theme_day"], topic="草稿")
    edited = save(tree["branch"], kinds["theme_day"], meeting=draft, topic="还是草稿")
    assert edited.version == 1 and not MeetingVersion.objects.filter(meeting=draft).exists()
    submitted = save(tree["branch"], kinds["theme_day"], meeting=draft, topic="定稿", submit=True)
    assert submitted.status == MeetingStatus.SUBMITTED
    assert list(submitted.events.values_list("kind", flat=True)) == ["created", "edited", "submitted"]


def test_submit_return_resubmit(tree, ten, kinds, secretary, reviewer):
    meeting = save(tree["branch"], kinds["theme_day"])
    meeting = meeting_submit(meeting=meeting, by=secretary, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SUBMITTED and meeting.submitted_at == NOW
    with pytest.raises(ValidationError):
        meeting_submit(meeting=meeting, now=NOW)  # already submitted
    with pytest.raises(ValidationError) as excinfo:
        meeting_return(meeting=meeting, reason="  ", by=reviewer)
    assert error_fields(excinfo) == {"reason"}
    meeting = meeting_return(meeting=meeting, reason="缺少签到表", by=reviewer)
    assert meeting.status == MeetingStatus.RETURNED
    with pytest.raises(ValidationError, match="状态已经改变"):
        meeting_return(meeting=meeting, reason="再退一次", by=reviewer)  # compare-and-set: once
    notice = Notice.objects.get(recipient=secretary)
    assert "会议记录被退回" in notice.title and "缺少签到表" in notice.body
    meeting = meeting_submit(meeting=meeting, by=secretary, now=NOW)
    assert meeting.status == MeetingStatus.SUBMITTED
    events = list(meeting.events.values_list("kind", "note", "by__username"))
    assert events == [
        ("created", "", None),
        ("submitted", "", "secretary"),
        ("returned", "缺少签到表", "reviewer"),
        ("resubmitted", "", "secretary"),
    ]


def test_meeting_submit_returns_the_submission_time(tree, ten, kinds):
    meeting = meeting_submit(meeting=save(tree["branch"], kinds["theme_day"]), now=NOW)
    assert meeting.submitted_at == NOW


def test_returned_meeting_resubmitted_by_saving(tree, ten, kinds, reviewer):
    meeting = save(tree["branch"], kinds["theme_day"], submit=True)
    meeting_return(meeting=meeting, reason="主题写错了", by=reviewer)
    fixed = save(tree["branch"], kinds["theme_day"], meeting=meeting, topic="改正的主题", submit=True)
    assert fixed.status == MeetingStatus.SUBMITTED and fixed.version == 2
    assert list(fixed.events.values_list("kind", flat=True)) == ["created", "returned", "resubmitted"]


def test_cancel_needs_a_reason_and_stops_counting(tree, ten, kinds):
    meeting = save(tree["branch"], kinds["theme_day"], submit=True)
    theme_may = [
        c
        for c in compliance.compute_for(tree["branch"], 2026, today=D(2026, 11, 28))
        if c.requirement.kind.code == "theme_day" and c.period_start == D(2026, 5, 1)
    ]
    assert theme_may[0].status == ComplianceStatus.MET
    with pytest.raises(ValidationError) as excinfo:
        meeting_cancel(meeting=meeting, reason="")
    assert error_fields(excinfo) == {"reason"}
    meeting = meeting_cancel(meeting=meeting, reason="重复录入")
    assert (meeting.status, meeting.cancel_reason) == (MeetingStatus.CANCELLED, "重复录入")
    theme_may = [
        c
        for c in compliance.compute_for(tree["branch"], 2026, today=D(2026, 11, 28))
        if c.requirement.kind.code == "theme_day" and c.period_start == D(2026, 5, 1)
    ]
    assert theme_may[0].status == ComplianceStatus.SHORT
    with pytest.raises(ValidationError):
        meeting_cancel(meeting=meeting, reason="再作废")
    with pytest.raises(ValidationError):
        save(tree["branch"], kinds["theme_day"], meeting=meeting, topic="改一改")
    assert list(meeting.events.values_list("kind", flat=True)) == ["created", "cancelled"]


# --- attachments ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("签到表.pdf", PDF, "application/pdf"),
        ("合影.png", PNG, "image/png"),
        ("现场.jpeg", JPEG, "image/jpeg"),
    ],
)
def test_attachment_type_by_content(tree, ten, kinds, media, name, content, content_type):
    meeting = save(tree["branch"], kinds["theme_day"], submit=True)
    attachment = attachment_add(meeting=meeting, file=SimpleUploadedFile(name, content), kind="photo")
    assert (attachment.content_type, attachment.size, attachment.name) == (content_type, len(content), name)
    assert len(attachment.sha256) == 64
    assert attachment.file.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [("签到表.pdf", b"just text, renamed"), ("photo.jpg", b"<html>"), ("a.exe", b"MZ\x90\x00")],
)
def test_renamed_or_other_files_refused(tree, ten, kinds, media, name, content):
    meeting = save(tree["branch"], kinds["theme_day"], submit=True)
    with pytest.raises(ValidationError) as excinfo:
        attachment_add(meeting=meeting, file=SimpleUploadedFile(name, content), kind="sign_in")
    assert error_fields(excinfo) == {"file"}
    assert not Attachment.objects.exists()


def test_attachment_size_limit(tree, ten, kinds, media, settings):
    settings.MEETING_ATTACHMENT_MAX_MB = 1
    meeting = save(tree["branch"], kinds["theme_day"], submit=True)
    limit = 1024 * 1024
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (limit + 1 - len(PDF)))
    with pytest.raises(ValidationError) as excinfo:
        attachment_add(meeting=meeting, file=big, kind="document")
    assert error_fields(excinfo) == {"file"}
    exact = SimpleUploadedFile("正好.pdf", PDF + b"0" * (limit - len(PDF)))
    assert attachment_add(meeting=meeting, file=exact, kind="document").size == limit
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=SimpleUploadedFile("空.pdf", b""), kind="document")
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=SimpleUploadedFile("x.pdf", PDF), kind="video")


def test_no_attachment_on_a_cancelled_meeting(tree, ten, kinds, media):
    meeting = meeting_cancel(meeting=save(tree["branch"], kinds["theme_day"], submit=True), reason="作废")
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=SimpleUploadedFile("x.pdf", PDF), kind="document")


# --- resolutions of a general meeting ------------------------------------------------------------


@pytest.fixture
def assembly(tree, kinds):
    """A general meeting of 7 voters (4 present, 3 absent), a probationary member present, and the subjects."""
    branch = tree["branch"]
    voters = [make_member(branch, name=f"正式党员{n}") for n in range(7)]
    probationary = make_member(branch, name="预备党员", stage="probationary", admitted_on=D(2025, 4, 1))
    candidate = make_member(branch, name="发展对象", stage="candidate", candidate_on=D(2025, 9, 1))
    meeting = save(
        branch,
        kinds["general"],
        local(2026, 5, 10, 15),
        attendance={m.pk: Mark(Presence.ABSENT) for m in voters[4:]},
        submit=True,
    )
    return {"meeting": meeting, "voters": voters, "probationary": probationary, "candidate": candidate}


def test_eligible_and_present_are_derived(assembly):
    eligible, present, exclusions = meeting_voters(assembly["meeting"])
    voters = assembly["voters"]
    assert eligible == {m.pk for m in voters}  # the probationary member has no vote
    assert present == {m.pk for m in voters[:4]}
    assert exclusions == []
    resolution = resolution_record(meeting=assembly["meeting"], kind="other", title="审议工作计划", yes=4)
    assert (resolution.eligible, resolution.present, resolution.passed) == (7, 4, True)


def test_passing_admission_advances_the_candidate(assembly, secretary):
    candidate = assembly["candidate"]
    resolution = resolution_record(
        meeting=assembly["meeting"], kind="admit", subject=candidate, yes=4, by=secretary
    )
    assert resolution.passed and "通过" in resolution.outcome
    candidate.refresh_from_db()
    assert (candidate.stage, candidate.admitted_on) == ("probationary", D(2026, 5, 10))
    change = StageChange.objects.filter(member=candidate).latest("pk")
    assert change.stage == "probationary" and change.on == D(2026, 5, 10)
    assert f"表决#{resolution.pk}" in change.document and "支部党员大会决议" in change.document
    assert candidate.admission_doc_no == change.document
    assert resolution.title == "接收预备党员：发展对象"


def test_failing_admission_changes_nothing(assembly):
    candidate = assembly["candidate"]
    changes = StageChange.objects.filter(member=candidate).count()
    resolution = resolution_record(meeting=assembly["meeting"], kind="admit", subject=candidate, yes=3, no=1)
    assert not resolution.passed and "未通过" in resolution.outcome and "至少需4票" in resolution.outcome
    candidate.refresh_from_db()
    assert candidate.stage == "candidate" and candidate.admitted_on is None
    assert StageChange.objects.filter(member=candidate).count() == changes


def test_written_opinion_of_an_absent_voter_counts_for_admission(assembly):
    resolution = resolution_record(
        meeting=assembly["meeting"],
        kind="admit",
        subject=assembly["candidate"],
        yes=3,
        abstain=1,
        written_yes=1,
    )
    assert resolution.passed and (resolution.yes, resolution.written_yes) == (3, 1)


def test_confirmation_makes_a_full_member(assembly):
    probationary = assembly["probationary"]
    resolution = resolution_record(meeting=assembly["meeting"], kind="confirm", subject=probationary, yes=4)
    assert resolution.passed
    probationary.refresh_from_db()
    assert (probationary.stage, probationary.confirmed_on) == ("full", D(2026, 5, 10))


def test_exclusions_reduce_the_eligible(assembly):
    meeting, voters = assembly["meeting"], assembly["voters"]
    voter_exclusion_add(meeting=meeting, member=voters[6], reason="长期出国", approval="镇党委同意")
    eligible, present, exclusions = meeting_voters(meeting)
    assert (len(eligible), len(present), [e.member for e in exclusions]) == (6, 4, [voters[6]])
    resolution = resolution_record(meeting=meeting, kind="other", title="推荐优秀党员", yes=4)
    assert (resolution.eligible, resolution.passed) == (6, True)
    with pytest.raises(ValidationError):  # no more changes to 应到会 once a vote is recorded
        voter_exclusion_add(meeting=meeting, member=voters[5], reason="病", approval="同意")


def test_exclusion_only_of_a_voter_and_with_reasons(assembly):
    meeting = assembly["meeting"]
    with pytest.raises(ValidationError):
        voter_exclusion_add(meeting=meeting, member=assembly["probationary"], reason="病", approval="同意")
    with pytest.raises(ValidationError):
        voter_exclusion_add(meeting=meeting, member=assembly["voters"][6], reason="", approval="同意")


@pytest.mark.parametrize(
    ("kind", "counts"),
    [
        ("other", {"yes": 4, "no": 1}),  # 5 votes, 4 present
        ("admit", {"yes": 3, "abstain": 2}),
        ("other", {"yes": 3, "written_yes": 1}),  # no written opinions for other matters
        ("admit", {"yes": 4, "written_yes": 2, "written_no": 2}),  # only 3 voters were absent
        ("other", {"yes": -1}),
        ("other", {"yes": "四"}),
    ],
)
def test_impossible_counts_refused(assembly, kind, counts):
    subject = assembly["candidate"] if kind == "admit" else None
    with pytest.raises(ValidationError):
        resolution_record(meeting=assembly["meeting"], kind=kind, subject=subject, title="事项", **counts)
    assert not Resolution.objects.exists()
    assert Member.objects.get(pk=assembly["candidate"].pk).stage == "candidate"


def test_subject_must_fit_the_resolution(assembly, tree, kinds):
    meeting = assembly["meeting"]
    with pytest.raises(ValidationError):  # a candidate cannot be confirmed
        resolution_record(meeting=meeting, kind="confirm", subject=assembly["candidate"], yes=4)
    with pytest.raises(ValidationError):
        resolution_record(meeting=meeting, kind="admit", subject=None, yes=4)
    resolution_record(meeting=meeting, kind="admit", subject=assembly["candidate"], yes=3)
    with pytest.raises(ValidationError):  # voted once at this meeting
        resolution_record(meeting=meeting, kind="admit", subject=assembly["candidate"], yes=4)
    theme = save(tree["branch"], kinds["theme_day"], submit=True)
    with pytest.raises(ValidationError, match="党员大会"):
        resolution_record(meeting=theme, kind="other", title="事项", yes=1)
    with pytest.raises(ValidationError):  # a meeting with a vote cannot be cancelled
        meeting_cancel(meeting=meeting, reason="作废")
