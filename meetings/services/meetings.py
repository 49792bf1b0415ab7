"""Recording meetings: one POST, one transaction, attendance written with bulk_create."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from branches import audit
from branches.db import pinyin
from branches.models import Organisation, OrgKind
from branches.rules import BRANCH_KINDS
from members.models import Member
from members.services.pipeline import branch_secretaries, notify_secretaries

from .. import rules
from ..models import (
    Attendance,
    Guest,
    Meeting,
    MeetingEvent,
    MeetingEventKind,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    Presence,
)
from ..roster import committee_members_on, party_members_on

MAX_GUESTS = 50
GUEST_NAME_MAX, GUEST_UNIT_MAX = 50, 100  # the Guest table's columns
TALK = "talk"
COMMITTEE = "committee"
MAX_MEETING_HOURS = 24


def late_entry_days() -> int:
    return getattr(settings, "MEETING_LATE_ENTRY_DAYS", rules.LATE_ENTRY_DAYS)


def kinds_for(organisation: Organisation) -> QuerySet[MeetingKind]:
    """The kinds of meeting this organisation records (谈心谈话 has its own form)."""
    kinds = MeetingKind.objects.exclude(code=TALK)
    if organisation.kind == OrgKind.PARTY_GROUP:
        return kinds.filter(for_groups=True)
    if organisation.kind in BRANCH_KINDS:
        return kinds.filter(for_groups=False)
    return kinds.filter(allows_votes=True)


def expected_members(organisation: Organisation, kind: MeetingKind, day: dt.date) -> QuerySet[Member]:
    """Who should attend: the committee for a 支部委员会会议, otherwise the roster on the day."""
    if kind.code == COMMITTEE:
        members = committee_members_on(organisation, day)
    else:
        members = party_members_on(organisation, day)
    return members.order_by(pinyin("name"), "pk")


@dataclass(frozen=True)
class Mark:
    """One member's attendance as entered: 出席 / 请假 (with reason) / 缺席."""

    presence: str = Presence.PRESENT
    reason: str = ""


def _branch_of(organisation: Organisation) -> Organisation:
    return organisation.parent if organisation.kind == OrgKind.PARTY_GROUP else organisation


def _clean_text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


def _check_times(starts_at, ends_at, now, *, submit: bool) -> None:
    if starts_at is None:
        raise ValidationError({"starts_at": "请填写会议时间。"})
    if ends_at is not None:
        if ends_at < starts_at:
            raise ValidationError({"ends_at": "结束时间不能早于开始时间。"})
        if ends_at - starts_at > dt.timedelta(hours=MAX_MEETING_HOURS):
            raise ValidationError({"ends_at": "会议时长不能超过24小时，请检查结束时间。"})
    if submit and starts_at > now:
        raise ValidationError({"starts_at": "会议尚未召开，不能提交；可以先保存为草稿。"})
    if starts_at.year < 2000:
        raise ValidationError({"starts_at": "会议时间不正确。"})


def _check_kind(organisation: Organisation, kind: MeetingKind) -> None:
    if not kinds_for(organisation).filter(pk=kind.pk).exists():
        where = organisation.get_kind_display()
        raise ValidationError({"kind": f"{where}不能记录“{kind.name}”。"})


def _marks_for(expected: list[Member], attendance: dict[int, Mark] | None) -> dict[int, Mark]:
    """Everyone expected, present unless marked otherwise; a mark for someone not expected is refused."""
    attendance = attendance or {}
    expected_ids = {m.pk for m in expected}
    stray = set(attendance) - expected_ids
    if stray:
        raise ValidationError(
            {"attendance": "出勤名单与会议当天的党员名册不一致（名册可能已变化），请刷新后重新填写。"}
        )
    marks = {}
    for pk in expected_ids:
        mark = attendance.get(pk, Mark())
        if mark.presence not in Presence.values:
            raise ValidationError({"attendance": "出勤情况只能是出席、请假或缺席。"})
        reason = _clean_text(mark.reason, 100) if mark.presence == Presence.LEAVE else ""
        marks[pk] = Mark(mark.presence, reason)
    return marks


def _guests(guests) -> list[tuple[str, str]]:
    cleaned = []
    for name, note in guests or ():
        name = _clean_text(name, GUEST_NAME_MAX)
        if name:
            cleaned.append((name, _clean_text(note, GUEST_UNIT_MAX)))
    if len(cleaned) > MAX_GUESTS:
        raise ValidationError({"guests": f"列席人员最多{MAX_GUESTS}人。"})
    return cleaned


def snapshot(meeting: Meeting) -> dict:
    """The content of a meeting as it stands, for MeetingVersion."""
    return {
        "kind": meeting.kind.name,
        "topic": meeting.topic,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "place": meeting.place,
        "host": meeting.host,
        "recorder": meeting.recorder,
        "lecturer": meeting.lecturer,
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "status": meeting.status,
        "attendance": [
            [a.member_id, a.member.name, a.presence, a.reason]
            for a in meeting.attendances.select_related("member").order_by("member__name", "member_id")
        ],
        "guests": [[g.name, g.note] for g in meeting.guests.all()],
    }


TEXT_FIELDS = {
    "topic": 200,
    "place": 100,
    "host": 50,
    "recorder": 50,
    "lecturer": 50,
    "agenda": 5000,
    "minutes": 50000,
}


def schedule_refresh(branch_id: int, *years: int) -> None:
    """Recompute the branch's compliance after the transaction commits (a Celery task)."""
    from ..tasks import refresh_compliance

    for year in sorted(set(years)):
        transaction.on_commit(lambda year=year: refresh_compliance.delay(branch_id, year))


@transaction.atomic
def meeting_save(
    *,
    organisation: Organisation,
    kind: MeetingKind,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    attendance: dict[int, Mark] | None = None,
    guests=(),
    submit: bool = False,
    by=None,
    meeting: Meeting | None = None,
    now: dt.datetime | None = None,
    **text,
) -> Meeting:
    """Create or change a meeting with its attendance, in one transaction.

    New: ``organisation`` holds it. Changing a submitted (or returned) record
    keeps its earlier content as a MeetingVersion. Members absent from
    ``attendance`` are present. A meeting entered more than
    MEETING_LATE_ENTRY_DAYS after it was held is marked 补录, once, when first saved.
    """
    now = now or timezone.now()
    unknown = set(text) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    values = {name: _clean_text(text.get(name), limit) for name, limit in TEXT_FIELDS.items()}
    if not values["topic"]:
        raise ValidationError({"topic": "请填写会议主题。"})
    if meeting is not None:
        meeting = (
            Meeting.objects.select_for_update().select_related("organisation", "kind").get(pk=meeting.pk)
        )
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError("该会议记录已作废，不能修改。")
        organisation = meeting.organisation
    if not organisation.is_active:
        raise ValidationError("该组织已撤销，不能记录会议。")
    _check_kind(organisation, kind)
    _check_times(starts_at, ends_at, now, submit=submit)
    if not kind.has_lecturer:
        values["lecturer"] = ""
    day = rules.local_day(starts_at)
    expected = list(expected_members(organisation, kind, day))
    if kind.code == COMMITTEE and not expected:
        raise ValidationError({"kind": "会议当天没有在任的支部委员，请先在届次中登记支部委员会成员。"})
    marks = _marks_for(expected, attendance)
    guest_rows = _guests(guests)
    present = sum(1 for m in marks.values() if m.presence == Presence.PRESENT)
    years = {day.year}

    if meeting is None:
        meeting = Meeting(
            organisation=organisation,
            branch=_branch_of(organisation),
            recorded_by=by,
            is_late=rules.is_late_entry(day, timezone.localdate(now), late_entry_days()),
        )
        event = MeetingEventKind.CREATED
    else:
        years.add(rules.local_day(meeting.starts_at).year)
        if meeting.status != MeetingStatus.DRAFT:
            MeetingVersion.objects.create(
                meeting=meeting, version=meeting.version, content=snapshot(meeting), saved_by=by
            )
            meeting.version += 1
        meeting.guests.all().delete()
        event = MeetingEventKind.EDITED
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.kind = kind
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.present_count = present
    meeting.expected_count = len(expected)
    if submit and meeting.status != MeetingStatus.SUBMITTED:
        if meeting.status == MeetingStatus.RETURNED:
            event = MeetingEventKind.RESUBMITTED
        elif event == MeetingEventKind.EDITED:
            event = MeetingEventKind.SUBMITTED
        meeting.status = MeetingStatus.SUBMITTED
        meeting.submitted_at = now
    meeting.save()
    _write_attendance(meeting, marks, new=event == MeetingEventKind.CREATED)
    if guest_rows:
        Guest.objects.bulk_create(Guest(meeting=meeting, name=name, note=note) for name, note in guest_rows)
    note = "提交" if submit and event == MeetingEventKind.CREATED else ""
    MeetingEvent.objects.create(meeting=meeting, kind=event, by=by, note=note)
    schedule_refresh(meeting.branch_id, *years)
    return meeting


def _write_attendance(meeting: Meeting, marks: dict, *, new: bool) -> None:
    """Attendance as marked: on an edit only the rows that differ are written, so the audit trail
    says whose mark changed (a member no longer expected loses the row)."""
    old = {} if new else {a.member_id: a for a in meeting.attendances.all()}
    gone = [a for pk, a in old.items() if pk not in marks]
    if gone:  # rare (the expected members changed); delete() records each row itself
        Attendance.objects.filter(pk__in=[a.pk for a in gone]).delete()
    changed = []
    for pk, mark in marks.items():
        row = old.get(pk)
        if row is not None and (row.presence, row.reason) != (mark.presence, mark.reason):
            row.presence, row.reason = mark.presence, mark.reason
            changed.append(row)
    if changed:
        Attendance.objects.bulk_update(changed, ["presence", "reason"])
        audit.updated(changed)
    added = Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member_id=pk, presence=mark.presence, reason=mark.reason)
        for pk, mark in marks.items()
        if pk not in old
    )
    audit.created(added)


def _move(meeting: Meeting, old: tuple[str, ...], new: str, **fields) -> Meeting:
    """Compare-and-set on the status: a second click or a concurrent change finds it moved."""
    updated = Meeting.objects.filter(pk=meeting.pk, status__in=old).update(
        status=new, updated_at=timezone.now(), **fields
    )
    if not updated:
        raise ValidationError("该会议记录的状态已经改变，请刷新页面。")
    audit.changed(Meeting, [meeting.pk])
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_submit(*, meeting: Meeting, by=None, now: dt.datetime | None = None) -> Meeting:
    now = now or timezone.now()
    if meeting.starts_at > now:
        raise ValidationError("会议尚未召开，不能提交。")
    # The status it had, read under the row lock: the caller's copy may be stale.
    was = Meeting.objects.select_for_update().values_list("status", flat=True).get(pk=meeting.pk)
    meeting = _move(
        meeting, (MeetingStatus.DRAFT, MeetingStatus.RETURNED), MeetingStatus.SUBMITTED, submitted_at=now
    )
    kind = MeetingEventKind.RESUBMITTED if was == MeetingStatus.RETURNED else MeetingEventKind.SUBMITTED
    MeetingEvent.objects.create(meeting=meeting, kind=kind, by=by)
    schedule_refresh(meeting.branch_id, rules.local_day(meeting.starts_at).year)
    return meeting


@transaction.atomic
def meeting_return(*, meeting: Meeting, reason: str, by=None) -> Meeting:
    """A reviewer sends a submitted record back to the secretary with a reason."""
    reason = _clean_text(reason, 300)
    if not reason:
        raise ValidationError({"reason": "请填写退回原因。"})
    meeting = _move(meeting, (MeetingStatus.SUBMITTED,), MeetingStatus.RETURNED)
    MeetingEvent.objects.create(meeting=meeting, kind=MeetingEventKind.RETURNED, by=by, note=reason)
    branch = meeting.branch
    notify_secretaries(
        organisation=branch,
        recipients=branch_secretaries([branch.pk]).get(branch.pk, []),
        key=f"meeting-returned-{meeting.pk}-{meeting.events.count()}",
        title=f"会议记录被退回：{meeting.topic}",
        body=f"上级党组织退回了“{meeting.kind.name}：{meeting.topic}”的记录。原因：{reason}",
        link=meeting.get_absolute_url(),
    )
    schedule_refresh(meeting.branch_id, rules.local_day(meeting.starts_at).year)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, by=None) -> Meeting:
    """作废: the record stays, with its reason, and stops counting."""
    reason = _clean_text(reason, 200)
    if not reason:
        raise ValidationError({"reason": "请填写作废原因。"})
    if meeting.resolutions.exists():
        raise ValidationError("该会议已有表决事项，不能作废。")
    updated = (
        Meeting.objects.filter(pk=meeting.pk)
        .exclude(status=MeetingStatus.CANCELLED)
        .update(status=MeetingStatus.CANCELLED, cancel_reason=reason, updated_at=timezone.now())
    )
    if not updated:
        raise ValidationError("该会议记录已经作废。")
    audit.changed(Meeting, [meeting.pk])
    MeetingEvent.objects.create(meeting=meeting, kind=MeetingEventKind.CANCELLED, by=by, note=reason)
    meeting.refresh_from_db()
    schedule_refresh(meeting.branch_id, rules.local_day(meeting.starts_at).year)
    return meeting
