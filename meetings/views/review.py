"""会议审核: a reviewer's list of the records submitted in the subtree, with filters.

A reviewer of the organisation (or above it) and admins; everyone else 404.
Each row opens the meeting, where the reviewer may return it.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from branches import selectors as branch_selectors

from .. import selectors_review
from ..models import MeetingStatus

PAGE_SIZE = 50
STATUS_CHOICES = [
    ("", "已提交和已退回"),
    (MeetingStatus.SUBMITTED, "已提交"),
    (MeetingStatus.RETURNED, "已退回"),
]


def parse_month(value) -> dt.date | None:
    """“2026-03” → 1 March 2026; anything else → None (no filter)."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


@require_GET
def review_list(request, pk):
    org = selectors_review.get_review_org_or_404(request.user, pk)
    kinds = list(selectors_review.meeting_kinds())
    status = request.GET.get("status", "")
    status = status if status in MeetingStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if any(k.code == kind for k in kinds) else ""
    late = request.GET.get("late") == "1"
    month = parse_month(request.GET.get("month"))
    found = selectors_review.review_meetings(
        request.user, org, status=status, late_only=late, kind=kind, month=month
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/review_list.html",
        {
            "org": org,
            "breadcrumb": branch_selectors.organisation_crumbs(request.user, org),
            "current_crumb": "会议审核",
            "page": page,
            "kinds": kinds,
            "statuses": STATUS_CHOICES,
            "status": status,
            "kind": kind,
            "late": late,
            "month": f"{month:%Y-%m}" if month else "",
        },
    )


urls = [path("review/<int:pk>/", review_list, name="review_list")]
