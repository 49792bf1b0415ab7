"""Reads of organisational life for views, always scoped through branches.access."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation, OrgKind
from branches.rules import BRANCH_KINDS
from members.models import Member, Transfer, TransferStatus

from . import compliance, rules
from .models import (
    Attachment,
    Attendance,
    ComplianceRecord,
    ComplianceStatus,
    Meeting,
    MeetingKind,
    Presence,
    Requirement,
)

MEETING_ORG_KINDS = BRANCH_KINDS | {OrgKind.PARTY_GROUP, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE}


# --- scoped lookups ------------------------------------------------------------------------------


def meeting_scope(user) -> QuerySet[Organisation]:
    """Organisations whose meetings the user may read (a member-role grant: only own attendance)."""
    return access.visible_organisations(user, as_member=False)


def visible_meetings(user) -> QuerySet[Meeting]:
    return Meeting.objects.filter(organisation__in=meeting_scope(user))


def get_meeting_or_404(user, pk, *, record: bool = False, review: bool = False) -> Meeting:
    """The meeting if the user may read it; ``record``: keep it (secretary); ``review``: return it."""
    try:
        meeting = (
            visible_meetings(user)
            .select_related("organisation", "branch", "kind", "recorded_by", "organisation__parent")
            .get(pk=pk)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该会议记录，或您无权查看。") from None
    if record and not access.can_record(user, meeting.organisation):
        raise Http404("没有找到该会议记录，或您无权修改。")
    if review and not access.can_review(user, meeting.branch):
        raise Http404("没有找到该会议记录，或您无权审核。")
    return meeting


def get_attachment_or_404(user, pk) -> Attachment:
    """An attachment of a meeting the user may read; 404 otherwise."""
    try:
        return Attachment.objects.select_related("meeting").get(pk=pk, meeting__in=visible_meetings(user))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该附件，或您无权查看。") from None


def get_meeting_org_or_404(user, pk, *, record: bool = False) -> Organisation:
    """An organisation that holds meetings, whose meetings the user may read (and record, with ``record``)."""
    org = access.get_organisation_or_404(user, pk)
    if org.kind not in MEETING_ORG_KINDS or not meeting_scope(user).filter(pk=org.pk).exists():
        raise Http404("没有找到该组织，或您无权查看。")
    if record and not access.can_record(user, org):
        raise Http404("没有找到该组织，或您无权记录会议。")
    return org


def get_compliance_org_or_404(user, pk) -> Organisation:
    """A branch, general branch or committee whose compliance the user may read."""
    org = get_meeting_org_or_404(user, pk)
    if org.kind not in compliance.COMPLIANCE_KINDS:
        raise Http404("没有找到该组织，或您无权查看。")
    return org


# --- lists ---------------------------------------------------------------------------------------


def meetings_of(organisation: Organisation, *, year: int | None = None, kind: str = "", status: str = ""):
    """A branch's meetings including its party groups'; a committee's own general meetings."""
    if organisation.kind in BRANCH_KINDS:
        qs = Meeting.objects.filter(branch=organisation)
    else:  # a party group, general branch or committee: the meetings it held itself
        qs = Meeting.objects.filter(organisation=organisation)
    if year:
        qs = qs.filter(
            starts_at__gte=rules.local_start(dt.date(year, 1, 1)),
            starts_at__lt=rules.local_start(dt.date(year + 1, 1, 1)),
        )
    if kind:
        qs = qs.filter(kind__code=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("kind", "organisation").order_by("-starts_at", "-pk")


def period_meetings(organisation: Organisation, requirement: Requirement, start: dt.date, end: dt.date):
    """The meetings of one calendar cell: the requirement's kind in [start, end], Asia/Shanghai days."""
    return (
        meetings_of(organisation)
        .filter(
            kind_id=requirement.kind_id,
            starts_at__gte=rules.local_start(start),
            starts_at__lt=rules.local_start(end + dt.timedelta(days=1)),
        )
        .order_by("starts_at", "pk")
    )


# --- the compliance calendar ---------------------------------------------------------------------


@dataclass
class CalendarCell:
    month: int
    record: ComplianceRecord | None
    label: str = ""
    first_of_period: bool = True

    @property
    def status(self) -> str:
        return self.record.status if self.record else ""


@dataclass
class CalendarRow:
    requirement: Requirement
    cells: list[CalendarCell] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = defaultdict(int)
        for cell in self.cells:
            if cell.record and cell.first_of_period:
                found[cell.status] += 1
        return found


def calendar(organisation: Organisation, year: int) -> list[CalendarRow]:
    """12 months × requirements from the stored rows: two queries however many meetings exist."""
    records = list(
        ComplianceRecord.objects.filter(organisation=organisation, year=year)
        .select_related("requirement__kind")
        .order_by("requirement__order", "period_start")
    )
    rows: dict[int, CalendarRow] = {}
    for record in records:
        row = rows.setdefault(record.requirement_id, CalendarRow(requirement=record.requirement))
        for month in range(record.period_start.month, record.period_end.month + 1):
            row.cells.append(
                CalendarCell(
                    month=month,
                    record=record,
                    label=rules.span_label(record.period_start, record.period_end),
                    first_of_period=month == record.period_start.month,
                )
            )
    if not rows:
        for requirement in Requirement.objects.filter(org_kind=organisation.kind).select_related("kind"):
            rows[requirement.pk] = CalendarRow(requirement, [CalendarCell(m, None) for m in range(1, 13)])
    return list(rows.values())


def compliance_summary(organisation: Organisation, year: int) -> dict[str, int]:
    """Counts of periods by status (the organisation page's panel)."""
    found = dict.fromkeys(ComplianceStatus.values, 0)
    for status in ComplianceRecord.objects.filter(organisation=organisation, year=year).values_list(
        "status", flat=True
    ):
        found[status] += 1
    return found


def suggested_kinds(
    organisation: Organisation, kinds: QuerySet[MeetingKind], today: dt.date
) -> list[MeetingKind]:
    """The kinds to offer in "记录会议", the most overdue first.

    Short periods first (oldest first), then the current period that ends soonest,
    then the rest in their usual order.
    """
    kinds = list(kinds)
    rank: dict[int, tuple] = {}
    for kind_id, status, period_end in ComplianceRecord.objects.filter(
        organisation=organisation,
        year=today.year,
        period_start__lte=today,
        status__in=(ComplianceStatus.SHORT, ComplianceStatus.PENDING),
    ).values_list("requirement__kind_id", "status", "period_end"):
        key = (0 if status == ComplianceStatus.SHORT else 1, period_end)
        rank[kind_id] = min(rank.get(kind_id, key), key)
    far = (2, dt.date.max)
    return sorted(kinds, key=lambda k: (rank.get(k.pk, far), k.order, k.pk))


def requirements_of(organisation: Organisation, today: dt.date) -> list[compliance.Cell]:
    """For the "what applies to us and why" page: this period's cell of every requirement."""
    cells = compliance.compute_for(organisation, today.year, today=today)
    return [c for c in cells if c.period_start <= today <= c.period_end]


# --- 自行脱党: six months without organisational life (DOMAIN §2) ---------------------------------


def members_without_organisational_life(
    queryset: QuerySet[Member], months: int, today: dt.date
) -> QuerySet[Member]:
    """Members of ``queryset`` expected at meetings in the last ``months`` whole months who attended none
    and asked leave for none — and who were on the roster for the whole window."""
    start, end = rules.lapse_window(today, months)
    window = Q(
        meeting__status="submitted",
        meeting__starts_at__gte=rules.local_start(start),
        meeting__starts_at__lt=rules.local_start(end),
    )
    mine = Attendance.objects.filter(window, member=OuterRef("pk"))
    arrived = Transfer.objects.filter(
        member=OuterRef("pk"),
        to_organisation=OuterRef("organisation"),
        status=TransferStatus.ACCEPTED,
        decided_on__gt=start,
    )
    return (
        queryset.filter(Q(admitted_on__isnull=True) | Q(admitted_on__lte=start))
        .exclude(Exists(arrived))
        .filter(Exists(mine.filter(presence=Presence.ABSENT)))
        .exclude(Exists(mine.filter(presence__in=(Presence.PRESENT, Presence.LEAVE))))
    )


def own_attendance(member: Member, *, year: int) -> QuerySet[Attendance]:
    """A member's own attendance for the year (the member's page)."""
    return (
        Attendance.objects.filter(
            member=member,
            meeting__status="submitted",
            meeting__starts_at__gte=rules.local_start(dt.date(year, 1, 1)),
            meeting__starts_at__lt=rules.local_start(dt.date(year + 1, 1, 1)),
        )
        .select_related("meeting__kind")
        .order_by("-meeting__starts_at")
    )
