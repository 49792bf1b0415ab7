"""Demo transfers and mobility: one pending transfer between two demo branches, two 流动党员 (one
without a report for over a year), one 失联党员. Idempotent: each part is skipped once it exists.

Runs after the demo members exist (members/demo.py); without the demo tree it does nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from branches.models import Organisation
from branches.rules import add_months

from .models import Appointment, Member, Stage, Transfer
from .services import transfers as services

FROM_CODE, TO_CODE = "XQ0101", "XQ0102"  # 东风村 → 红旗村, both under 城关镇党委
MOBILE_CODE = "XQ0104"  # 新华村
LOST_CODE = "XQ0108"  # 幸福社区


def _plain_full_members(branch: Organisation):
    """Full members without a committee post, in a fixed order."""
    return (
        Member.objects.active()
        .filter(organisation=branch, stage=Stage.FULL, is_mobile=False, is_lost=False)
        .exclude(pk__in=Appointment.objects.filter(ended_on__isnull=True).values("member_id"))
        .order_by("name", "pk")
    )


@transaction.atomic
def seed(*, today: dt.date) -> str:
    orgs = {
        o.code: o for o in Organisation.objects.filter(code__in=[FROM_CODE, TO_CODE, MOBILE_CODE, LOST_CODE])
    }
    if len(orgs) < 4:
        return ""
    done = []

    source, target = orgs[FROM_CODE], orgs[TO_CODE]
    if not Transfer.objects.filter(from_organisation=source, to_organisation=target).exists():
        member = _plain_full_members(source).first()
        if member is not None:
            secretary = get_user_model().objects.filter(username=f"sec_{FROM_CODE.lower()}").first()
            services.transfer_out_internal(
                member=member,
                to_organisation=target,
                on=today - dt.timedelta(days=3),
                letter_no=f"城关组转〔{today.year}〕8号",
                requested_by=secretary,
            )
            done.append(f"待接收转接 1 笔（{member.name}：{source.name} → {target.name}）")

    mobile_branch = orgs[MOBILE_CODE]
    if not Member.objects.filter(organisation=mobile_branch, is_mobile=True).exists():
        people = list(_plain_full_members(mobile_branch)[:2])
        plans = [
            # Away for two years, last report 14 months ago: the yearly report is missing.
            ("广东省深圳市 电子厂务工", add_months(today, -24), add_months(today, -14)),
            ("浙江省杭州市 物流公司", add_months(today, -10), add_months(today, -2)),
        ]
        for member, (destination, since, report) in zip(people, plans, strict=False):
            services.mobility_update(
                member=member,
                is_mobile=True,
                mobile_destination=destination,
                mobile_since=since,
                last_report_on=report,
            )
        if people:
            done.append(f"流动党员 {len(people)} 人（{people[0].name}缺少年度汇报）")

    lost_branch = orgs[LOST_CODE]
    if not Member.objects.filter(organisation=lost_branch, is_lost=True).exists():
        member = _plain_full_members(lost_branch).last()
        if member is not None:
            services.mobility_update(
                member=member, is_mobile=False, is_lost=True, lost_since=add_months(today, -8)
            )
            done.append(f"失联党员 1 人（{member.name}）")

    return f"转接与流动演示数据：{'；'.join(done)}。" if done else ""
