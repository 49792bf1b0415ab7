"""谈心谈话 and 民主评议党员 results."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organisation
from members.models import Member, MemberStatus

from ..models import Appraisal, AppraisalResult, Talk, TalkOccasion
from .meetings import schedule_refresh


def _branch_member(organisation: Organisation, member: Member | None, field: str) -> Member:
    if member is None or member.organisation_id != organisation.pk or member.status != MemberStatus.ACTIVE:
        raise ValidationError({field: "请选择本支部在册的党员。"})
    return member


@transaction.atomic
def talk_record(
    *,
    organisation: Organisation,
    member_a: Member | None,
    member_b: Member | None,
    on: dt.date,
    occasion: str = TalkOccasion.REGULAR,
    note: str = "",
    by=None,
) -> Talk:
    member_a = _branch_member(organisation, member_a, "member_a")
    member_b = _branch_member(organisation, member_b, "member_b")
    if member_a.pk == member_b.pk:
        raise ValidationError({"member_b": "谈话双方不能是同一人。"})
    if on is None or on > timezone.localdate():
        raise ValidationError({"on": "谈话日期不能晚于今天。"})
    if on.year < 2000:
        raise ValidationError({"on": "谈话日期不正确。"})
    if occasion not in TalkOccasion.values:
        raise ValidationError({"occasion": "请选择谈话类别。"})
    talk = Talk.objects.create(
        organisation=organisation,
        member_a=member_a,
        member_b=member_b,
        on=on,
        occasion=occasion,
        note=(note or "").strip()[:5000],
        recorded_by=by,
    )
    schedule_refresh(organisation.pk, on.year)
    return talk


@transaction.atomic
def appraisals_save(
    *, organisation: Organisation, year: int, results: dict[int, tuple[str, str]], by=None
) -> int:
    """Upsert the year's 民主评议 results for members of the branch; an empty result clears one."""
    if year > timezone.localdate().year or year < 2000:
        raise ValidationError({"year": "评议年度不正确。"})
    members = set(
        Member.objects.filter(organisation=organisation, pk__in=list(results)).values_list("pk", flat=True)
    )
    if set(results) - members:
        raise ValidationError("评议名单中有不属于本支部的人员，请刷新后重试。")
    saved = 0
    for member_id, (result, note) in results.items():
        if not result:
            Appraisal.objects.filter(organisation=organisation, member_id=member_id, year=year).delete()
            continue
        if result not in AppraisalResult.values:
            raise ValidationError("评议结果只能是优秀、合格、基本合格或不合格。")
        Appraisal.objects.update_or_create(
            member_id=member_id,
            year=year,
            defaults={
                "organisation": organisation,
                "result": result,
                "note": (note or "").strip()[:200],
                "recorded_by": by,
            },
        )
        saved += 1
    schedule_refresh(organisation.pk, year)
    return saved
