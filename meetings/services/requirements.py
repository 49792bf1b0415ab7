"""Admins adjust a requirement for a sector or one organisation, from a date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organisation, Sector

from ..models import Period, Requirement, RequirementOverride


def _enqueue_refresh_all(years: set[int]) -> None:
    from ..tasks import refresh_all_compliance

    for year in sorted(years):
        transaction.on_commit(lambda year=year: refresh_all_compliance.delay(year))


@transaction.atomic
def override_save(
    *,
    requirement: Requirement,
    effective_from: dt.date,
    reason: str,
    sector: str = "",
    organisation: Organisation | None = None,
    applies: bool = True,
    period: str | None = None,
    min_count: int | None = None,
    min_attendance: int | None = None,
    by=None,
    today: dt.date | None = None,
) -> RequirementOverride:
    if bool(sector) == (organisation is not None):
        raise ValidationError("请选择一个领域，或者一个组织（二者选一）。")
    if sector and sector not in Sector.values:
        raise ValidationError({"sector": "请选择领域。"})
    if organisation is not None and organisation.kind != requirement.org_kind:
        raise ValidationError({"organisation": f"该要求只适用于{requirement.get_org_kind_display()}。"})
    if effective_from is None or effective_from.year < 2000:
        raise ValidationError({"effective_from": "请填写生效日期。"})
    period = period or requirement.period
    if period not in Period.values:
        raise ValidationError({"period": "请选择周期。"})
    min_count = requirement.min_count if min_count is None else min_count
    if not 1 <= min_count <= 31:
        raise ValidationError({"min_count": "次数应在1到31之间。"})
    if min_attendance is not None and not 1 <= min_attendance <= 100:
        raise ValidationError({"min_attendance": "出席率应在1%到100%之间。"})
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError({"reason": "请填写调整依据（文件或会议决定）。"})
    override = RequirementOverride.objects.create(
        requirement=requirement,
        sector=sector or "",
        organisation=organisation,
        effective_from=effective_from,
        applies=applies,
        period=period,
        min_count=min_count,
        min_attendance=min_attendance,
        reason=reason,
        created_by=by,
    )
    this_year = (today or timezone.localdate()).year
    _enqueue_refresh_all({y for y in (effective_from.year, this_year) if y <= this_year})
    return override


@transaction.atomic
def override_delete(*, override: RequirementOverride, today: dt.date | None = None) -> None:
    year = override.effective_from.year
    override.delete()
    this_year = (today or timezone.localdate()).year
    _enqueue_refresh_all({y for y in (year, this_year) if y <= this_year})
