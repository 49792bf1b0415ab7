"""Reads of the pipeline, transfers and the red-flag lists, always scoped through branches.access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from branches import access
from branches.models import Organisation, OrgKind
from branches.rules import add_years

from . import rules
from .models import (
    PIPELINE_STAGES,
    Member,
    MemberStatus,
    Stage,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from .selectors import get_branch_or_404, visible_members
from .selectors_dues import arrears_months
from .services.members import STAGE_DATE_FIELD
from .services.pipeline import NEXT_STAGE, STEP_LABELS, application_age_error

LAPSE_MONTHS = 6  # 连续6个月不参加组织生活或不交纳党费 → 自行脱党 review (DOMAIN §2)
REPORT_YEARS = 1  # a 流动党员 reports to the branch at least once a year


# --- scoped lookups ------------------------------------------------------------------------------


def _lists_scope(user) -> QuerySet[Organisation]:
    """Organisations whose lists of other people's records the user may read (not a member's own branch)."""
    return access.visible_organisations(user, as_member=False)


def get_list_branch_or_404(user, pk, *, record: bool = False) -> Organisation:
    """A branch whose member lists the user may read (a member-role grant is not enough); 404 otherwise."""
    org = get_branch_or_404(user, pk, record=record)
    if not _lists_scope(user).filter(pk=org.pk).exists():
        raise Http404("没有找到该支部，或您无权查看。")
    return org


def get_flag_org_or_404(user, pk) -> Organisation:
    """A branch, general branch or committee whose red-flag list the user may read; 404 otherwise."""
    org = access.get_organisation_or_404(user, pk)
    if org.kind == OrgKind.PARTY_GROUP or not _lists_scope(user).filter(pk=org.pk).exists():
        raise Http404("没有找到该组织，或您无权查看。")
    return org


def visible_transfers(user) -> QuerySet[Transfer]:
    """Transfers from or to an organisation the user oversees: both sides see a pending transfer."""
    orgs = _lists_scope(user)
    return Transfer.objects.filter(Q(from_organisation__in=orgs) | Q(to_organisation__in=orgs))


def get_withdrawable_transfer_or_404(user, pk) -> Transfer:
    """A pending in-portal transfer that the user's branch sent; 404 for anyone else."""
    transfer = get_transfer_or_404(user, pk)
    if not (
        transfer.direction == TransferDirection.OUT_INTERNAL
        and transfer.status == TransferStatus.PENDING
        and access.can_record(user, transfer.from_organisation)
    ):
        raise Http404("没有找到可撤回的转接。")
    return transfer


def get_transfer_or_404(user, pk, *, decide: bool = False) -> Transfer:
    """The transfer if the user oversees either side; with ``decide``, only a pending one they receive.

    The receiving secretary decides a transfer addressed to their branch although
    the member is not theirs yet; everyone else, the sending secretary included, gets 404.
    """
    try:
        transfer = (
            visible_transfers(user)
            .select_related("member", "from_organisation", "to_organisation", "requested_by")
            .get(pk=pk)
        )
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该转接记录，或您无权查看。") from None
    if decide and not (
        transfer.direction == TransferDirection.OUT_INTERNAL
        and transfer.status == TransferStatus.PENDING
        and access.can_record(user, transfer.to_organisation)
    ):
        raise Http404("没有找到待您接收的转接。")
    return transfer


# --- the pipeline page ---------------------------------------------------------------------------

STAGE_ORDER = Case(
    *[When(stage=s, then=Value(i)) for i, s in enumerate(PIPELINE_STAGES)],
    default=Value(len(PIPELINE_STAGES)),
    output_field=IntegerField(),
)


@dataclass
class PipelineRow:
    member: Member
    since: dt.date | None
    next_label: str
    due: dt.date | None
    state: str  # "ok", "ready", "waiting", "soon", "overdue", "problem"
    hint: str


def pipeline_row(member: Member, today: dt.date) -> PipelineRow:
    """Where a person stands: the stage, since when, the next step and when it is due (pure)."""
    stage = member.stage
    since = getattr(member, STAGE_DATE_FIELD[stage])
    next_stage = NEXT_STAGE.get(stage)
    label = STEP_LABELS.get(next_stage, "")
    if stage == Stage.APPLICANT:
        if (
            member.applied_on
            and member.birth_date
            and application_age_error(member.birth_date, member.applied_on)
        ):
            return PipelineRow(member, since, label, None, "problem", "申请时未满18周岁")
        return PipelineRow(member, since, label, None, "ok", "由支部委员会研究确定")
    if stage == Stage.ACTIVIST:
        if member.activist_on is None:
            return PipelineRow(member, since, label, None, "problem", "缺少确定积极分子日期")
        allowed = rules.candidate_allowed_from(member.activist_on)
        days = (allowed - today).days
        if days <= 0:
            return PipelineRow(member, since, label, allowed, "ready", "培养已满1年，可确定为发展对象")
        return PipelineRow(member, since, label, allowed, "waiting", f"培养满1年还需{days}天")
    if stage == Stage.CANDIDATE:
        return PipelineRow(member, since, label, None, "ok", "政治审查、集中培训后提交支部党员大会表决")
    if stage == Stage.PROBATIONARY:
        if member.admitted_on is None:
            return PipelineRow(member, since, label, None, "problem", "缺少入党日期")
        end = rules.probation_end(member.admitted_on, member.probation_extension_months)
        days = (end - today).days
        extended = (
            f"（已延长{member.probation_extension_months}个月）" if member.probation_extension_months else ""
        )
        if days < 0:
            return PipelineRow(member, since, label, end, "overdue", f"预备期已超期{-days}天{extended}")
        if days == 0:
            return PipelineRow(member, since, label, end, "soon", f"预备期今日届满{extended}")
        if days <= rules.PROBATION_WARNING_DAYS:
            return PipelineRow(member, since, label, end, "soon", f"预备期{days}天后届满{extended}")
        return PipelineRow(member, since, label, end, "ok", f"预备期{days}天后届满{extended}")
    return PipelineRow(member, since, "", None, "ok", "")


def pipeline_members(user, branch: Organisation, *, stage: str = "") -> QuerySet[Member]:
    """Everyone in the branch's pipeline (applicant to probationary), by stage, longest waiting first.

    Ordering by the stage date pushes those who have waited longest, the ones
    with work due, to the top of each stage.
    """
    qs = visible_members(user).filter(
        organisation=branch, status=MemberStatus.ACTIVE, stage__in=PIPELINE_STAGES
    )
    if stage in PIPELINE_STAGES:
        qs = qs.filter(stage=stage)
    since = Case(
        *[When(stage=s, then=STAGE_DATE_FIELD[s]) for s in PIPELINE_STAGES],
        default=Value(None),
        output_field=DateField(),
    )
    return qs.annotate(stage_order=STAGE_ORDER, since_on=since).order_by(
        "stage_order", "since_on", "name", "pk"
    )


def pipeline_stage_counts(user, branch: Organisation) -> dict[str, int]:
    rows = (
        visible_members(user)
        .filter(organisation=branch, status=MemberStatus.ACTIVE, stage__in=PIPELINE_STAGES)
        .values_list("stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(PIPELINE_STAGES, 0)
    counts.update(dict(rows))
    return counts


# --- transfers -----------------------------------------------------------------------------------


def branch_transfers(user, branch: Organisation, *, box: str) -> QuerySet[Transfer]:
    """``incoming`` (to the branch, from inside the portal or outside) or ``outgoing``; pending first."""
    qs = visible_transfers(user)
    qs = qs.filter(to_organisation=branch) if box == "incoming" else qs.filter(from_organisation=branch)
    pending_first = Case(When(status=TransferStatus.PENDING, then=Value(0)), default=Value(1))
    return qs.select_related("member", "from_organisation", "to_organisation").order_by(
        pending_first, "-requested_on", "-pk"
    )


def transfer_counts(user, branch: Organisation) -> dict[str, int]:
    """Pending incoming and outgoing transfers of the branch (one query)."""
    return visible_transfers(user).aggregate(
        incoming_pending=Count("pk", filter=Q(to_organisation=branch, status=TransferStatus.PENDING)),
        outgoing_pending=Count("pk", filter=Q(from_organisation=branch, status=TransferStatus.PENDING)),
    )


def transfer_target_branches(branch: Organisation) -> QuerySet[Organisation]:
    """Active branches under the same parent: the usual destinations, offered as suggestions by code."""
    return (
        Organisation.objects.active()
        .branches()
        .filter(parent_id=branch.parent_id)
        .exclude(pk=branch.pk)
        .order_by("path")
    )


def find_transfer_target(code: str) -> Organisation | None:
    """The receiving branch by its organisation code: any active branch in the portal may receive."""
    return Organisation.objects.active().branches().filter(code__iexact=(code or "").strip()).first()


# --- red flags: 自行脱党 review, 流动党员, 失联党员 -------------------------------------------------


def members_with_dues_arrears(queryset, months: int = LAPSE_MONTHS, *, today: dt.date) -> dict[int, int]:
    """Members of ``queryset`` with ``months`` or more consecutive months without dues: pk → months.

    The dues work owns what counts as unpaid (members/selectors_dues.py: counted back
    from the last complete month, a month paid when a payment with a date is recorded,
    nothing counted before the branch kept its register in the portal). Three queries.
    """
    return {a.member.pk: a.months for a in arrears_months(queryset, as_of=today, min_months=months)}


# Hook for the meetings issue: meetings sits above members, so it registers its own
# function here (from its AppConfig.ready) instead of members importing it.
# ``func(queryset, months, today) -> queryset`` returns the members of ``queryset``
# who attended no organisational life (meetings of their branch or party group)
# in the ``months`` whole months before the current one, without a valid reason.
_organisational_life_sources: list[Callable] = []


def register_organisational_life_source(func: Callable) -> Callable:
    if func not in _organisational_life_sources:
        _organisational_life_sources.append(func)
    return func


def unregister_organisational_life_source(func: Callable) -> None:
    if func in _organisational_life_sources:
        _organisational_life_sources.remove(func)


def members_without_organisational_life(queryset, months: int = LAPSE_MONTHS, *, today: dt.date) -> set[int]:
    """Pks of members of ``queryset`` without organisational life for ``months`` months.

    Nobody until the meetings issue registers its source (one query a source).
    """
    found: set[int] = set()
    for func in _organisational_life_sources:
        found.update(func(queryset, months, today).values_list("pk", flat=True))
    return found


def flag_scope_members(user, org: Organisation) -> QuerySet[Member]:
    """Active members of the organisation's subtree (a branch: its own) that the user oversees."""
    return Member.objects.filter(
        organisation__in=_lists_scope(user).filter(path__startswith=org.path), status=MemberStatus.ACTIVE
    )


@dataclass
class LapseFlags:
    """Who is up for 自行脱党 review, and why."""

    dues_months: dict[int, int]  # member pk → consecutive months without dues
    no_life: set[int]  # member pks without organisational life

    @property
    def member_ids(self) -> set[int]:
        return set(self.dues_months) | self.no_life


def lapse_flags(user, org: Organisation, *, today: dt.date) -> LapseFlags:
    """Six consecutive months without dues or without organisational life (DOMAIN §2)."""
    scope = flag_scope_members(user, org)
    return LapseFlags(
        dues_months=members_with_dues_arrears(scope, LAPSE_MONTHS, today=today),
        no_life=members_without_organisational_life(scope, LAPSE_MONTHS, today=today),
    )


def lapse_review(user, org: Organisation, flags: LapseFlags) -> QuerySet[Member]:
    """The members of ``flags`` in the organisation's subtree, for a paginated list."""
    return (
        flag_scope_members(user, org)
        .filter(pk__in=flags.member_ids)
        .select_related("organisation")
        .order_by("organisation__path", "name", "pk")
    )


def report_missing(mobile_since: dt.date | None, last_report_on: dt.date | None, today: dt.date) -> bool:
    """A 流动党员 away a year or more with no report in the last 12 months (pure)."""
    cutoff = add_years(today, -REPORT_YEARS)
    if last_report_on is not None:
        return last_report_on < cutoff
    return mobile_since is None or mobile_since < cutoff


def _report_missing_q(today: dt.date) -> Q:
    cutoff = add_years(today, -REPORT_YEARS)
    return Q(last_report_on__lt=cutoff) | Q(last_report_on__isnull=True) & (
        Q(mobile_since__isnull=True) | Q(mobile_since__lt=cutoff)
    )


def mobile_members(user, org: Organisation, *, today: dt.date) -> QuerySet[Member]:
    """流动党员 of the subtree, those missing their yearly report first."""
    missing = Case(
        When(_report_missing_q(today), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        flag_scope_members(user, org)
        .filter(is_mobile=True)
        .annotate(report_missing=missing)
        .select_related("organisation")
        .order_by("-report_missing", "organisation__path", "name", "pk")
    )


def lost_members(user, org: Organisation) -> QuerySet[Member]:
    """失联党员 of the subtree, longest lost first."""
    return (
        flag_scope_members(user, org)
        .filter(is_lost=True)
        .select_related("organisation")
        .order_by("lost_since", "organisation__path", "name", "pk")
    )


def flag_counts(user, org: Organisation, *, today: dt.date, flags: LapseFlags) -> dict[str, int]:
    """How many in each list, for the tabs (one query besides the lapse flags already computed)."""
    counts = flag_scope_members(user, org).aggregate(
        mobile=Count("pk", filter=Q(is_mobile=True)),
        report_missing=Count("pk", filter=Q(is_mobile=True) & _report_missing_q(today)),
        lost=Count("pk", filter=Q(is_lost=True)),
    )
    counts["lapse"] = len(flags.member_ids)
    return counts
