"""The figures the portal already holds, per branch, for automatic rating items and the dashboards.

Every function reads a set of branches with a fixed number of grouped queries, whatever
their number; none loops over branches issuing queries. The same SQL expressions serve the
dashboard's subtree totals (``assessment/selectors_dashboard.py``), so a branch's item and
the dashboard can never disagree.

Definitions (DOMAIN §5):
- meeting compliance: met periods / (met + short) of the year's compliance rows — periods
  still open and not yet met, and requirements that do not apply, do not count;
- theme-day attendance: the mean attendance rate of the year's 主题党日 rows that have one;
- dues on time: recorded monthly dues lines of the year (months before the current one,
  something due) paid in full within their month, over all such lines;
- development: pipeline steps recorded in the year (入党积极分子 … 正式党员);
- term overdue: days since the current term's expiry (0 when not overdue);
- structure warnings: the count of 设置不规范 warnings (members.rules.structure_warnings);
- open rectification: rectification items not yet verified.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from branches.models import Organisation, OrgKind, OrgStatus, Term, TermStatusChoice
from meetings.models import ComplianceRecord, ComplianceStatus
from members import rules as member_rules
from members.models import PARTY_STAGES, Appointment, DuesPayment, Member, MemberStatus, Stage, StageChange

from . import rules
from .models import Indicator, ItemStatus, RectificationItem

THEME_DAY = "theme_day"
DEVELOPMENT_STAGES = (Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY, Stage.FULL)

MET = Count("pk", filter=Q(status=ComplianceStatus.MET))
SHORT = Count("pk", filter=Q(status=ComplianceStatus.SHORT))


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` (already filtered by an OuterRef), 0 when empty."""
    return Coalesce(
        Subquery(queryset.order_by().values(k=Value(1)).annotate(n=Count("*")).values("n")[:1]),
        0,
        output_field=IntegerField(),
    )


def with_structure(branches: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Annotate each branch with its counts and ``warnings``, the number of 设置不规范 warnings.

    The SQL twin of ``members.rules.structure_warnings``: one warning per rule broken, one per
    small group and one per group without a 正式党员.
    """
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    group_members = active.filter(party_group=OuterRef("pk"), stage__in=PARTY_STAGES)
    groups = Organisation.objects.filter(
        parent=OuterRef("pk"), kind=OrgKind.PARTY_GROUP, status=OrgStatus.ACTIVE
    ).annotate(
        n=_count(group_members),
        n_full=_count(group_members.filter(stage=Stage.FULL)),
    )
    annotated = branches.annotate(
        s_full=_count(active.filter(organisation=OuterRef("pk"), stage=Stage.FULL)),
        s_members=_count(active.filter(organisation=OuterRef("pk"), stage__in=PARTY_STAGES)),
        s_committee=_count(
            Appointment.objects.filter(
                term__organisation=OuterRef("pk"),
                term__status=TermStatusChoice.CURRENT,
                ended_on__isnull=True,
            )
        ),
        s_groups=_count(groups),
        s_small_groups=_count(groups.filter(n__lt=member_rules.MIN_GROUP_MEMBERS)),
        s_groups_without_full=_count(groups.filter(n_full__lt=1)),
    )

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    return annotated.annotate(
        warnings=flag(Q(s_full__lt=member_rules.MIN_FULL_MEMBERS))
        + flag(Q(s_members__gt=member_rules.LARGE_BRANCH_MEMBERS))
        + flag(
            Q(
                s_full__gte=member_rules.COMMITTEE_FULL_MEMBERS,
                s_committee__lt=member_rules.MIN_COMMITTEE_SIZE,
            )
        )
        + flag(Q(s_members__gte=member_rules.GROUPS_FROM_MEMBERS, s_groups=0))
        + F("s_small_groups")
        + F("s_groups_without_full")
    )


def dues_lines(year: int, today: dt.date) -> QuerySet[DuesPayment]:
    """The year's monthly dues lines that count: months before the current one, something due."""
    lines = DuesPayment.objects.filter(month__year=year, amount_due__gt=0)
    if year >= today.year:
        lines = lines.filter(month__lt=today.replace(day=1))
    return lines.annotate(paid_month=TruncMonth("paid_on"))


ON_TIME = Q(paid_on__isnull=False, amount_paid__gte=F("amount_due"), paid_month__lte=F("month"))


def overdue_terms(today: dt.date) -> QuerySet[Term]:
    return Term.objects.filter(status=TermStatusChoice.CURRENT, expires_on__lt=today)


def open_items() -> QuerySet[RectificationItem]:
    return RectificationItem.objects.exclude(status=ItemStatus.VERIFIED)


def for_branches(branch_ids: list[int], year: int, *, today: dt.date) -> dict[int, dict[str, Decimal | None]]:
    """Every indicator of every branch: ``{branch id: {indicator: value or None}}``; eight queries."""
    values: dict[int, dict[str, Decimal | None]] = {pk: dict.fromkeys(Indicator.values) for pk in branch_ids}
    compliance = ComplianceRecord.objects.filter(organisation_id__in=branch_ids, year=year)
    for row in compliance.values("organisation_id").annotate(met=MET, short=SHORT):
        values[row["organisation_id"]][Indicator.MEETING_COMPLIANCE] = rules.percent(
            row["met"], row["met"] + row["short"]
        )
    for row in (
        compliance.filter(requirement__kind__code=THEME_DAY, attendance_rate__isnull=False)
        .values("organisation_id")
        .annotate(rate_sum=Sum("attendance_rate"), n=Count("pk"))
    ):
        values[row["organisation_id"]][Indicator.THEME_DAY_ATTENDANCE] = rules.percent(
            row["rate_sum"], row["n"]
        )
    for row in (
        dues_lines(year, today)
        .filter(member__organisation_id__in=branch_ids)
        .values("member__organisation_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=ON_TIME))
    ):
        values[row["member__organisation_id"]][Indicator.DUES_ON_TIME] = rules.percent(
            row["on_time"], row["n"]
        )
    steps = dict(
        StageChange.objects.filter(
            member__organisation_id__in=branch_ids, on__year=year, stage__in=DEVELOPMENT_STAGES
        )
        .values("member__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("member__organisation_id", "n")
    )
    terms = dict(
        overdue_terms(today)
        .filter(organisation_id__in=branch_ids)
        .values_list("organisation_id", "expires_on")
        .order_by("organisation_id", "expires_on")
    )
    warnings = dict(
        with_structure(Organisation.objects.filter(pk__in=branch_ids)).values_list("pk", "warnings")
    )
    items = dict(
        open_items()
        .filter(case__organisation_id__in=branch_ids)
        .values("case__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("case__organisation_id", "n")
    )
    for pk in branch_ids:
        row = values[pk]
        row[Indicator.DEVELOPMENT] = Decimal(steps.get(pk, 0))
        expired = terms.get(pk)
        row[Indicator.TERM_OVERDUE] = Decimal((today - expired).days if expired else 0)
        row[Indicator.STRUCTURE_WARNINGS] = Decimal(warnings.get(pk, 0))
        row[Indicator.OPEN_RECTIFICATION] = Decimal(items.get(pk, 0))
    return values
