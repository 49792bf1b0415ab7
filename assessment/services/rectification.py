"""软弱涣散整顿: cases, items, close-out and verification (整改销号) (DOMAIN §5)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from branches.models import Organisation
from members.services.pipeline import branch_secretaries, notify_secretaries

from ..models import CaseStatus, RectificationCase


def notify_branch(organisation: Organisation, *, key: str, title: str, body: str, link: str = "") -> int:
    """A notice to the branch's secretaries, once per key."""
    recipients = branch_secretaries([organisation.pk]).get(organisation.pk, [])
    return notify_secretaries(
        organisation=organisation, recipients=recipients, key=key, title=title, body=body, link=link
    )


@transaction.atomic
def case_open(
    *, organisation: Organisation, reason: str, rating=None, opened_on: dt.date
) -> RectificationCase:
    """Open a rectification case for the branch (a ≤2-star naming opens one itself)."""
    if rating is not None:
        existing = RectificationCase.objects.filter(rating=rating).first()
        if existing:
            return existing
    case = RectificationCase.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        rating=rating,
        reason=reason[:300],
        opened_on=opened_on,
        status=CaseStatus.OPEN,
    )
    notify_branch(
        organisation,
        key=f"rectification-open-{case.pk}",
        title="本支部列入软弱涣散党组织整顿",
        body=reason,
        link=case.get_absolute_url(),
    )
    return case
