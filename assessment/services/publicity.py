"""公示 and 异议 (DOMAIN §7): items on the public board for a period, objections from anyone."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Organisation

from ..models import NoticeSubject, Publicity


@transaction.atomic
def publicity_open(
    *,
    organisation: Organisation,
    subject: str,
    title: str,
    body: str,
    starts_on: dt.date,
    ends_on: dt.date,
    rating=None,
    by=None,
) -> Publicity:
    """Put something under 公示 on the boards above ``organisation`` from ``starts_on`` to ``ends_on``."""
    if subject not in NoticeSubject.values:
        raise ValidationError({"subject": "未知的公示类别。"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "公示结束日期不能早于开始日期。"})
    return Publicity.objects.create(
        organisation=organisation,
        org_path=organisation.path,
        subject=subject,
        title=title[:200],
        body=body,
        starts_on=starts_on,
        ends_on=ends_on,
        rating=rating,
        created_by=by,
    )
