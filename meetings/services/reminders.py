"""The daily reminder of requirements that will fall short at the end of the current period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from branches.rules import BRANCH_KINDS
from members.services.pipeline import branch_secretaries, notify_secretaries

from .. import rules
from ..models import ComplianceRecord, ComplianceStatus

LEAD_DAYS = 5  # remind this many days before the period ends


def shortfall_reminders_send(*, today: dt.date | None = None, lead_days: int = LEAD_DAYS) -> int:
    """One notice per branch and period end, listing what is still missing; idempotent by its key."""
    today = today or timezone.localdate()
    rows = (
        ComplianceRecord.objects.filter(
            status=ComplianceStatus.PENDING,
            period_end__gte=today,
            period_end__lte=today + dt.timedelta(days=lead_days),
            period_start__lte=today,
            organisation__kind__in=BRANCH_KINDS,
            organisation__status="active",
        )
        .select_related("organisation", "requirement__kind")
        .order_by("organisation_id", "requirement__order")
    )
    by_branch: dict[tuple, list[ComplianceRecord]] = defaultdict(list)
    for row in rows:
        by_branch[(row.organisation_id, row.period_end)].append(row)
    if not by_branch:
        return 0
    secretaries = branch_secretaries({org_id for org_id, _ in by_branch})
    sent = 0
    for (org_id, period_end), items in by_branch.items():
        branch = items[0].organisation
        lines = [
            f"{r.requirement.kind.name}（{rules.span_label(r.period_start, r.period_end)}）："
            f"应{r.expected}、已{r.held}"
            for r in items
        ]
        days = (period_end - today).days
        sent += notify_secretaries(
            organisation=branch,
            recipients=secretaries.get(org_id, []),
            key=f"compliance-due-{org_id}-{period_end:%Y%m%d}",
            title=f"组织生活提醒：{len(items)}项要求尚未完成（{days}天后到期）",
            body="；".join(lines) + f"。周期截止于{period_end:%Y年%m月%d日}。",
            link=reverse("meetings:calendar", args=[org_id]),
        )
    return sent
