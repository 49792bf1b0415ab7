"""Compliance of organisational life per organisation, requirement and period (DOMAIN §3).

``refresh(organisation_ids, year)`` computes every requirement of every
organisation for the year and stores one ComplianceRecord per period; the
calendar and the dashboards read those rows only. It reads a chunk of
organisations with a fixed number of queries (meetings, groups, committees,
talks, appraisals, overrides), whatever the number of meetings, and writes with
one upsert, so the nightly run over every branch stays linear.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organisation, OrgKind, OrgStatus
from branches.rules import BRANCH_KINDS
from members.models import PARTY_STAGES, Appointment, Member, MemberStatus, Stage

from . import rules
from .models import (
    Appraisal,
    ComplianceRecord,
    ComplianceStatus,
    Condition,
    Meeting,
    Requirement,
    RequirementOverride,
    Talk,
)
from .signals import compliance_refreshed

CHUNK = 500
COMMITTEE_MIN_APPOINTMENTS = 3  # a 支部委员会 has 3–5 members (DOMAIN §1)
COMMITTEE_MIN_FULL_MEMBERS = 7  # a branch with ≥7 正式党员 must have one
COMPLIANCE_KINDS = BRANCH_KINDS | {OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE}


@dataclass
class Cell:
    """One requirement for one period, before it is stored."""

    requirement: Requirement
    figures: rules.Figures
    period_start: dt.date
    period_end: dt.date
    expected: int = 0
    held: int = 0
    late: int = 0
    attendance_rate: Decimal | None = None
    status: str = ComplianceStatus.PENDING
    why: str = ""


@dataclass
class _Facts:
    """What a chunk of organisations needs, read with a fixed number of queries."""

    meetings: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    appointments: dict[int, int] = field(default_factory=dict)
    full_members: dict[int, int] = field(default_factory=dict)
    party_members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    talks: dict[int, list[tuple[dt.date, int, int]]] = field(default_factory=lambda: defaultdict(list))
    appraisals: dict[int, int] = field(default_factory=dict)
    upper_committees: set[int] = field(default_factory=set)


def has_committee(appointments: int, full_members: int) -> bool:
    """A branch that has a committee (≥3 open posts) or must have one (≥7 正式党员)."""
    return appointments >= COMMITTEE_MIN_APPOINTMENTS or full_members >= COMMITTEE_MIN_FULL_MEMBERS


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return rules.local_start(dt.date(year, 1, 1)), rules.local_start(dt.date(year + 1, 1, 1))


def _read_facts(orgs: list[Organisation], year: int, today: dt.date) -> _Facts:
    ids = [o.pk for o in orgs]
    facts = _Facts()
    start, end = _year_bounds(year)
    for m in (
        Meeting.objects.counted()
        .filter(branch_id__in=ids, starts_at__gte=start, starts_at__lt=end)
        .values(
            "branch_id",
            "organisation_id",
            "kind_id",
            "starts_at",
            "is_late",
            "present_count",
            "expected_count",
        )
    ):
        m["day"] = rules.local_day(m["starts_at"])
        facts.meetings[m["branch_id"]].append(m)
    for parent_id, pk in Organisation.objects.filter(
        parent_id__in=ids, kind=OrgKind.PARTY_GROUP, status=OrgStatus.ACTIVE
    ).values_list("parent_id", "pk"):
        facts.groups[parent_id].append(pk)
    on = min(today, dt.date(year, 12, 31))
    facts.appointments = dict(
        Appointment.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on), term__organisation_id__in=ids, appointed_on__lte=on
        )
        .values("term__organisation_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("term__organisation_id", "n")
    )
    # Members on the roster at the end of the year (or today): someone admitted later is not
    # expected at last year's 谈心谈话, nor counted among its 正式党员.
    for org_id, pk, stage, confirmed_on in Member.objects.filter(
        Q(admitted_on__isnull=True) | Q(admitted_on__lte=on),
        organisation_id__in=ids,
        status=MemberStatus.ACTIVE,
        stage__in=PARTY_STAGES,
    ).values_list("organisation_id", "pk", "stage", "confirmed_on"):
        facts.party_members[org_id].add(pk)
        if stage == Stage.FULL and (confirmed_on is None or confirmed_on <= on):
            facts.full_members[org_id] = facts.full_members.get(org_id, 0) + 1
    # A committee with committees below it is not a 基层党委: its own general meeting is not required.
    facts.upper_committees = set(
        Organisation.objects.filter(parent_id__in=ids, kind=OrgKind.COMMITTEE).values_list(
            "parent_id", flat=True
        )
    )
    for org_id, on_day, a, b in Talk.objects.filter(organisation_id__in=ids, on__year=year).values_list(
        "organisation_id", "on", "member_a_id", "member_b_id"
    ):
        facts.talks[org_id].append((on_day, a, b))
    facts.appraisals = dict(
        Appraisal.objects.filter(organisation_id__in=ids, year=year)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    return facts


def _periods(requirement, overrides, org: Organisation, year: int):
    """The periods of the year with the figures in force at each one's start.

    An override that takes effect mid-period starts a new (shorter) period on its date.
    """
    cursor, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    starts = sorted({o.effective_from for o in overrides if cursor < o.effective_from <= last})
    while cursor <= last:
        figures = rules.effective_figures(
            requirement, overrides, organisation_id=org.pk, sector=org.sector, on=cursor
        )
        _, end = rules.period_bounds(cursor, figures.period)
        following = [s for s in starts if s > cursor]
        if following and following[0] <= end:
            end = following[0] - dt.timedelta(days=1)
        yield figures, cursor, min(end, last)
        cursor = min(end, last) + dt.timedelta(days=1)


def _rate(present: int, expected: int) -> Decimal | None:
    if not expected:
        return None
    return (Decimal(present) / Decimal(expected)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _not_applicable(org: Organisation, requirement, figures, facts: _Facts, start, end) -> str:
    if org.founded_on and org.founded_on > end:
        return "该周期组织尚未成立"
    if org.dissolved_on and org.dissolved_on < start:
        return "组织已撤销"
    if not figures.applies:
        return f"已调整为不考核：{figures.reason}"
    if org.pk in facts.upper_committees:
        return "下设党委，不是基层党委"
    if requirement.condition == Condition.HAS_COMMITTEE and not has_committee(
        facts.appointments.get(org.pk, 0), facts.full_members.get(org.pk, 0)
    ):
        return "未设支部委员会（正式党员不足7人且委员不足3人）"
    if requirement.condition == Condition.PER_GROUP and not facts.groups.get(org.pk):
        return "未设党小组"
    if requirement.condition == Condition.PER_MEMBER and not facts.party_members.get(org.pk):
        return "没有在册党员"
    return ""


def _count(cell: Cell, org: Organisation, facts: _Facts) -> None:
    requirement, figures = cell.requirement, cell.figures
    in_period = [
        m
        for m in facts.meetings.get(org.pk, ())
        if m["kind_id"] == requirement.kind_id and cell.period_start <= m["day"] <= cell.period_end
    ]
    cell.late = sum(1 for m in in_period if m["is_late"])
    if requirement.condition == Condition.PER_MEMBER:
        members = facts.party_members[org.pk]
        talked = {
            pk
            for on, a, b in facts.talks.get(org.pk, ())
            if cell.period_start <= on <= cell.period_end
            for pk in (a, b)
        }
        cell.expected, cell.held = len(members), len(members & talked)
        return
    if requirement.condition == Condition.PER_GROUP:
        groups = facts.groups[org.pk]
        per_group = defaultdict(int)
        for m in in_period:
            per_group[m["organisation_id"]] += 1
        cell.expected = len(groups)
        cell.held = sum(1 for g in groups if per_group[g] >= figures.min_count)
        return
    cell.expected = figures.min_count
    cell.attendance_rate = _rate(
        sum(m["present_count"] for m in in_period), sum(m["expected_count"] for m in in_period)
    )
    qualifying = [
        m
        for m in in_period
        if rules.attendance_met(m["present_count"], m["expected_count"], figures.min_attendance)
    ]
    cell.held = len(qualifying)
    if requirement.kind.code == "appraisal" and not cell.held and facts.appraisals.get(org.pk):
        cell.held = 1  # results recorded at a 组织生活会 count as the year's 民主评议
    if figures.min_attendance is not None and in_period and not qualifying:
        cell.why = f"出席率未达到{figures.min_attendance}%"


def compute(
    org: Organisation, year: int, *, today: dt.date, requirements, overrides, facts: _Facts
) -> list[Cell]:
    """Every requirement of the organisation's kind, period by period, for the year."""
    cells = []
    for requirement in requirements:
        if requirement.org_kind != org.kind:
            continue
        mine = [o for o in overrides.get(requirement.pk, ()) if o.organisation_id in (None, org.pk)]
        for figures, start, end in _periods(requirement, mine, org, year):
            cell = Cell(requirement=requirement, figures=figures, period_start=start, period_end=end)
            reason = _not_applicable(org, requirement, figures, facts, start, end)
            if reason:
                cell.status, cell.why = ComplianceStatus.NOT_APPLICABLE, reason
            else:
                _count(cell, org, facts)
                if cell.held >= cell.expected:
                    cell.status = ComplianceStatus.MET
                elif end < today:
                    cell.status = ComplianceStatus.SHORT
                else:
                    cell.status = ComplianceStatus.PENDING
            cells.append(cell)
    return cells


def _overrides_for(orgs: list[Organisation]) -> dict[int, list[RequirementOverride]]:
    found: dict[int, list[RequirementOverride]] = defaultdict(list)
    sectors = {o.sector for o in orgs}
    for o in RequirementOverride.objects.filter(
        Q(organisation__in=orgs) | Q(organisation__isnull=True, sector__in=sectors)
    ):
        found[o.requirement_id].append(o)
    return found


def compute_for(org: Organisation, year: int, *, today: dt.date) -> list[Cell]:
    """The cells of one organisation, computed afresh (the requirements page, tests)."""
    requirements = list(Requirement.objects.select_related("kind").filter(org_kind=org.kind))
    return compute(
        org,
        year,
        today=today,
        requirements=requirements,
        overrides=_overrides_for([org]),
        facts=_read_facts([org], year, today),
    )


def refresh(organisation_ids: Iterable[int], year: int, *, today: dt.date | None = None) -> int:
    """Recompute and store the year's compliance rows of these organisations; returns rows written.

    ``compliance_refreshed`` is sent in the same transaction: the dashboard's rollups of these
    organisations, and of everything above them, follow before it commits.
    """
    ids = list(organisation_ids)
    with transaction.atomic():
        written = _refresh(ids, year, today or timezone.localdate())
        compliance_refreshed.send(sender=ComplianceRecord, organisation_ids=ids, year=year, everything=False)
    return written


def _refresh(ids: list[int], year: int, today: dt.date) -> int:
    requirements = list(Requirement.objects.select_related("kind"))
    written = 0
    for offset in range(0, len(ids), CHUNK):
        orgs = list(
            Organisation.objects.filter(pk__in=ids[offset : offset + CHUNK], kind__in=COMPLIANCE_KINDS).only(
                "pk", "kind", "sector", "path", "founded_on", "dissolved_on"
            )
        )
        written += _store(orgs, year, today, requirements)
    return written


def refresh_all(year: int, *, today: dt.date | None = None) -> int:
    """Every organisation that holds meetings (the nightly job and ``refresh_compliance``)."""
    ids = list(
        Organisation.objects.filter(kind__in=COMPLIANCE_KINDS).order_by("pk").values_list("pk", flat=True)
    )
    written = _refresh(ids, year, today or timezone.localdate())
    compliance_refreshed.send(sender=ComplianceRecord, organisation_ids=ids, year=year, everything=True)
    return written


@transaction.atomic
def _store(orgs: list[Organisation], year: int, today: dt.date, requirements) -> int:
    if not orgs:
        return 0
    facts = _read_facts(orgs, year, today)
    overrides = _overrides_for(orgs)
    now = timezone.now()
    rows = [
        ComplianceRecord(
            organisation_id=org.pk,
            org_path=org.path,
            requirement_id=cell.requirement.pk,
            period_start=cell.period_start,
            period_end=cell.period_end,
            year=year,
            expected=cell.expected,
            held=cell.held,
            late=cell.late,
            attendance_rate=cell.attendance_rate,
            status=cell.status,
            note=cell.why[:200],
            refreshed_at=now,
        )
        for org in orgs
        for cell in compute(
            org, year, today=today, requirements=requirements, overrides=overrides, facts=facts
        )
    ]
    ComplianceRecord.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["organisation", "requirement", "period_start"],
        update_fields=[
            "org_path",
            "period_end",
            "year",
            "expected",
            "held",
            "late",
            "attendance_rate",
            "status",
            "note",
            "refreshed_at",
        ],
    )
    # Periods that no longer exist (an override changed the period) go.
    ComplianceRecord.objects.filter(organisation__in=orgs, year=year, refreshed_at__lt=now).delete()
    return len(rows)
