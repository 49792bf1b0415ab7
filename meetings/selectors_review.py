"""Reads of the reviewer's list: the meetings of a subtree, for 会议审核."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation
from branches.rules import add_months

from . import rules
from .models import Meeting, MeetingKind, MeetingStatus
from .selectors import visible_meetings

REVIEW_STATUSES = (MeetingStatus.SUBMITTED, MeetingStatus.RETURNED)


def get_review_org_or_404(user, pk) -> Organisation:
    """An organisation the user reviews (a reviewer's subtree, an admin); 404 for everyone else."""
    org = access.get_organisation_or_404(user, pk)
    if not access.can_review(user, org):
        raise Http404("没有找到该组织，或您无权审核。")
    return org


def meeting_kinds() -> QuerySet[MeetingKind]:
    return MeetingKind.objects.order_by("order", "pk")


def review_meetings(
    user,
    organisation: Organisation,
    *,
    status: str = "",
    late_only: bool = False,
    kind: str = "",
    month: dt.date | None = None,
) -> QuerySet[Meeting]:
    """Submitted and returned records of the subtree, newest first.

    Drafts are the secretary's own and 作废 ones stay out. ``status`` narrows to one
    of the two, ``late_only`` to 补录, ``kind`` to a kind's code, ``month`` (its first day) to a month.
    """
    qs = visible_meetings(user).filter(
        organisation__path__startswith=organisation.path,
        status__in=[status] if status in REVIEW_STATUSES else REVIEW_STATUSES,
    )
    if late_only:
        qs = qs.filter(is_late=True)
    if kind:
        qs = qs.filter(kind__code=kind)
    if month:
        qs = qs.filter(
            starts_at__gte=rules.local_start(month), starts_at__lt=rules.local_start(add_months(month, 1))
        )
    return qs.select_related("organisation", "branch", "kind").order_by("-starts_at", "-pk")
