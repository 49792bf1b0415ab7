"""The compliance calendar (组织生活日历): 12 months × requirements, read from ComplianceRecord only.

A secretary, a reviewer above and an admin read it; a member's grant and
everyone else get 404. A cell opens the period's meetings (in a panel under
the table with htmx, or as a page of its own without it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from branches import access
from branches import selectors as branch_selectors

from .. import rules, selectors, tasks
from ..models import ComplianceRecord, ComplianceStatus, Condition, MeetingStatus

# Worst first: a span holding two periods (an override that took effect mid-month) shows the worse one.
STATUS_RANK = {
    ComplianceStatus.SHORT: 0,
    ComplianceStatus.PENDING: 1,
    ComplianceStatus.MET: 2,
    ComplianceStatus.NOT_APPLICABLE: 3,
}
# Colour, icon and words of each status: never the colour alone.
# (table cell class, icon, words, background of a badge outside a table)
STATUS_LOOK = {
    ComplianceStatus.MET: ("table-success", "bi-check-circle-fill text-success", "达标", "bg-success-subtle"),
    ComplianceStatus.PENDING: (
        "table-warning",
        "bi-hourglass-split text-warning-emphasis",
        "未到期",
        "bg-warning-subtle",
    ),
    ComplianceStatus.SHORT: ("table-danger", "bi-x-circle-fill text-danger", "未达标", "bg-danger-subtle"),
    ComplianceStatus.NOT_APPLICABLE: (
        "table-secondary",
        "bi-dash-circle text-secondary",
        "不适用",
        "bg-secondary-subtle",
    ),
}
LEGEND_ORDER = (
    ComplianceStatus.MET,
    ComplianceStatus.PENDING,
    ComplianceStatus.SHORT,
    ComplianceStatus.NOT_APPLICABLE,
)
MONTHS = range(1, 13)


def parse_year(value, today: dt.date) -> int:
    """?year= between 2000 and this year; anything else is this year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year else today.year


def progress(condition: str, expected: int, held: int) -> str:
    """应 / 已 in the words of the requirement."""
    if condition == Condition.PER_MEMBER:
        return f"已谈{held}名 / 应谈{expected}名党员"
    if condition == Condition.PER_GROUP:
        return f"已达标{held}个 / 共{expected}个党小组"
    return f"已召开{held}次 / 应召开{expected}次"


def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def period_text(record: ComplianceRecord) -> str:
    """The period's name from its own dates (an override may have changed the period or cut it short)."""
    return rules.span_label(record.period_start, record.period_end)


def cell_url(organisation, record: ComplianceRecord) -> str:
    return reverse(
        "meetings:cell", args=[organisation.pk, record.requirement_id, record.period_start.isoformat()]
    )


@dataclass
class Period:
    """One period of a row as the page shows it."""

    record: ComplianceRecord
    url: str
    label: str

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def css(self) -> str:
        return STATUS_LOOK[self.record.status][0]

    @property
    def icon(self) -> str:
        return STATUS_LOOK[self.record.status][1]

    @property
    def words(self) -> str:
        return STATUS_LOOK[self.record.status][2]

    @property
    def shows_figures(self) -> bool:
        return self.record.status != ComplianceStatus.NOT_APPLICABLE and self.record.expected > 0

    @property
    def title(self) -> str:
        record = self.record
        text = f"{self.label}：{self.words}"
        if self.shows_figures:
            text += f"，{record.held}/{record.expected}"
        if record.late:
            text += f"，其中补录{record.late}次"
        return text


@dataclass
class Span:
    """Consecutive months of a row drawn as one cell (colspan), with the period(s) they hold."""

    first_month: int
    colspan: int
    periods: list[Period] = field(default_factory=list)

    @property
    def status(self) -> str:
        return min((p.status for p in self.periods), key=STATUS_RANK.get, default="")

    @property
    def css(self) -> str:
        return STATUS_LOOK[self.status][0] if self.periods else ""


@dataclass
class Row:
    requirement: object
    spans: list[Span]
    periods: list[Period]
    counts: dict[str, int]

    @property
    def late(self) -> int:
        return sum(p.record.late for p in self.periods)


def _row(organisation, calendar_row) -> Row:
    """Spans of the row: one per period, clamped so that no month is drawn twice."""
    spans: list[Span] = []
    periods: list[Period] = []
    last = 0
    for cell in calendar_row.cells:
        if not (cell.record and cell.first_of_period):
            continue
        period = Period(cell.record, cell_url(organisation, cell.record), period_text(cell.record))
        periods.append(period)
        start, end = max(cell.record.period_start.month, last + 1), cell.record.period_end.month
        if start > end and spans:
            spans[-1].periods.append(period)  # a short period inside a month already drawn
            continue
        if start > last + 1:
            spans.append(Span(last + 1, start - last - 1))
        spans.append(Span(start, end - start + 1, [period]))
        last = end
    if last < 12:
        spans.append(Span(last + 1, 12 - last))
    return Row(calendar_row.requirement, spans, periods, dict(calendar_row.counts))


@require_GET
def calendar(request, pk):
    org = selectors.get_compliance_org_or_404(request.user, pk)
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today)
    rows = [_row(org, r) for r in selectors.calendar(org, year)]
    filled = any(row.periods for row in rows)
    totals = dict.fromkeys(ComplianceStatus.values, 0)
    for row in rows:
        for status, n in row.counts.items():
            totals[status] += n
    return render(
        request,
        "meetings/calendar.html",
        {
            "org": org,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "组织生活日历",
            "year": year,
            "previous_year": year - 1 if year > 2000 else None,
            "next_year": year + 1 if year < today.year else None,
            "rows": rows if filled else [],
            "requirements": [r.requirement for r in rows],
            "totals": totals,
            "months": MONTHS,
            "current_month": today.month if year == today.year else None,
            "legend": [STATUS_LOOK[s] for s in LEGEND_ORDER],
            "can_record": org.is_active and access.can_record(request.user, org),
            "can_refresh": access.can_record(request.user, org) or access.can_review(request.user, org),
            "is_branch": org.is_branch,
        },
    )


@require_GET
def cell(request, pk, requirement_pk, start):
    """One period of one requirement: its figures and its meetings (a partial for htmx)."""
    org = selectors.get_compliance_org_or_404(request.user, pk)
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise Http404("日期不正确。") from None
    record = next(
        (
            c.record
            for row in selectors.calendar(org, day.year)
            if row.requirement.pk == requirement_pk
            for c in row.cells
            if c.record and c.first_of_period and c.record.period_start == day
        ),
        None,
    )
    if record is None:
        raise Http404("没有找到该周期的达标情况。")
    requirement = record.requirement
    code = requirement.kind.code
    meetings = list(selectors.period_meetings(org, requirement, record.period_start, record.period_end))
    can_record = org.is_active and access.can_record(request.user, org)
    context = {
        "org": org,
        "record": record,
        "requirement": requirement,
        "look": STATUS_LOOK[record.status],
        "label": period_text(record),
        "progress": progress(requirement.condition, record.expected, record.held),
        "attendance": percent(record.attendance_rate),
        "meetings": meetings,
        "counted": sum(1 for m in meetings if m.status == MeetingStatus.SUBMITTED),
        "can_record": can_record,
        "record_kind": code not in ("talk", "group") and can_record,
        "groups": (
            [
                g
                for g in branch_selectors.organisation_children(request.user, org)
                if g.kind == "party_group" and g.is_active
            ]
            if code == "group" and can_record
            else []
        ),
        "is_talk": code == "talk",
        "is_appraisal": code == "appraisal",
        "calendar_url": f"{reverse('meetings:calendar', args=[org.pk])}?year={record.year}",
    }
    if request.htmx:
        return render(request, "meetings/_cell.html", context)
    context["breadcrumb"] = branch_selectors.organisation_crumbs(request.user, org)
    context["current_crumb"] = "组织生活日历"
    return render(request, "meetings/cell.html", context)


@require_POST
def refresh(request, pk):
    """Compute the year's figures now (they are otherwise computed nightly and after each meeting)."""
    org = selectors.get_compliance_org_or_404(request.user, pk)
    if not (access.can_record(request.user, org) or access.can_review(request.user, org)):
        raise Http404("没有找到该组织，或您无权操作。")
    year = parse_year(request.POST.get("year") or request.GET.get("year"), timezone.localdate())
    tasks.refresh_compliance.delay(org.pk, year)
    messages.success(request, f"已开始计算{org.name}{year}年的组织生活达标情况，稍后刷新本页即可查看。")
    return redirect(f"{reverse('meetings:calendar', args=[org.pk])}?year={year}")


urls = [
    path("org/<int:pk>/calendar/", calendar, name="calendar"),
    path("org/<int:pk>/cell/<int:requirement_pk>/<str:start>/", cell, name="cell"),
    path("org/<int:pk>/refresh/", refresh, name="refresh"),
]
