"""Reads of 达标验收 and the on-site checks, scoped through branches.access (DOMAIN §5, §8).

Every figure is one grouped query over the subtree's branches (a ``FilteredRelation`` to the
year's acceptance row), never a loop over branches. ``acceptance_share`` is what the
dashboard calls; its signature stays as it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation, OrgKind, OrgStatus, Sector
from branches.rules import BRANCH_KINDS

from . import rules
from .models import Acceptance, AcceptanceStatus, SpotCheck, SpotCheckDraw
from .services.acceptance import policy_for, split_application

NOT_APPLIED = "none"  # the status filter for branches without a row for the year
NOT_APPLIED_LABEL = "未申请"
STATUS_FILTERS = [*AcceptanceStatus.choices, (NOT_APPLIED, NOT_APPLIED_LABEL)]


# ---------------------------------------------------------------- scoped lookups


def get_acceptance_org_or_404(user, pk) -> Organisation:
    """An organisation whose acceptance page the user may open: a reviewer over it (or an admin),
    or the secretary of that branch. Party groups, members and everyone else: 404."""
    org = access.get_organisation_or_404(user, pk)
    if org.kind == OrgKind.PARTY_GROUP:
        raise Http404("党小组不参加达标验收。")
    if access.can_review(user, org):
        return org
    if org.kind in BRANCH_KINDS and access.can_record(user, org):
        return org
    raise Http404("没有找到该组织，或您无权查看。")


def _may_read(user, org: Organisation) -> bool:
    return access.can_review(user, org) or (org.kind in BRANCH_KINDS and access.can_record(user, org))


def get_acceptance_or_404(user, pk) -> Acceptance:
    try:
        acceptance = (
            Acceptance.objects.filter(organisation__in=access.visible_organisations(user, as_member=False))
            .select_related("organisation", "applied_by", "checked_by", "accepted_by")
            .get(pk=pk)
        )
    except (Acceptance.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该验收申请，或您无权查看。") from None
    if not _may_read(user, acceptance.organisation):
        raise Http404("没有找到该验收申请，或您无权查看。")
    return acceptance


def get_spot_check_or_404(user, pk) -> SpotCheck:
    try:
        check = (
            SpotCheck.objects.filter(
                acceptance__organisation__in=access.visible_organisations(user, as_member=False)
            )
            .select_related("draw", "draw__organisation", "acceptance", "acceptance__organisation", "by")
            .get(pk=pk)
        )
    except (SpotCheck.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该抽查记录，或您无权查看。") from None
    if not access.can_review(user, check.acceptance.organisation):
        raise Http404("没有找到该抽查记录，或您无权查看。")
    return check


def get_draw_or_404(user, pk) -> tuple[SpotCheckDraw, list[SpotCheck]]:
    """A draw whose scope the user reviews (with all its checks), or one that picked a branch the
    user reviews (with those checks only)."""
    try:
        draw = SpotCheckDraw.objects.select_related("organisation", "drawn_by").get(pk=pk)
    except (SpotCheckDraw.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该抽查批次，或您无权查看。") from None
    checks = list(
        draw.checks.select_related("acceptance__organisation", "by").order_by("acceptance__org_path", "pk")
    )
    if not access.can_review(user, draw.organisation):
        # Grants are cached on the user: this filter issues no query per check.
        checks = [c for c in checks if access.can_review(user, c.acceptance.organisation)]
        if not checks:
            raise Http404("没有找到该抽查批次，或您无权查看。")
    return draw, checks


# ---------------------------------------------------------------- figures


def _branches(organisation: Organisation, *, sector: str | None = None, kind: str | None = None):
    """The subtree's active branches (党支部, 联合党支部), optionally of one sector or kind."""
    qs = Organisation.objects.filter(
        path__startswith=organisation.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
    )
    if sector in Sector.values:
        qs = qs.filter(sector=sector)
    if kind in BRANCH_KINDS:
        qs = qs.filter(kind=kind)
    return qs


def _with_year(qs: QuerySet[Organisation], year: int) -> QuerySet[Organisation]:
    return qs.annotate(acc=FilteredRelation("acceptances", condition=Q(acceptances__year=year)))


def _pct_text(value: Decimal | None, places: str = "0.1") -> str:
    if value is None:
        return "—"
    return format(value.quantize(Decimal(places)), "f")


def ratio_text(ratio: Decimal) -> str:
    """0.050 → "5", 0.025 → "2.5": a ratio as a percentage without trailing zeros."""
    text = format((ratio * 100).quantize(Decimal("0.1")), "f")
    return text.removesuffix(".0")


def acceptance_figures(organisation: Organisation, year: int, *, sector=None, kind=None) -> dict:
    """Counts per status, 未申请, and the accepted share against the year's target: one grouped query
    (and one for the policy)."""
    counts = _with_year(_branches(organisation, sector=sector, kind=kind), year).aggregate(
        branches=Count("pk"),
        **{s: Count("acc__pk", filter=Q(acc__status=s)) for s in AcceptanceStatus.values},
        applications=Count("acc__pk"),
    )
    policy = policy_for(year)
    branches = counts["branches"]
    accepted = counts[AcceptanceStatus.ACCEPTED]
    share = rules.percent(accepted, branches)
    target = rules.cents(policy.target_share * 100)
    # Compared exactly, not on the rounded percentage.
    met = bool(branches) and Decimal(accepted) >= policy.target_share * branches
    target_text = ratio_text(policy.target_share)
    label = (
        f"已达标 {accepted}/{branches} = {_pct_text(share)}%，目标 {target_text}%"
        if branches
        else f"没有党支部，目标 {target_text}%"
    )
    return {
        "year": year,
        "branches": branches,
        "by_status": [(s, lbl, counts[s]) for s, lbl in AcceptanceStatus.choices],
        "not_applied": branches - counts["applications"],
        "accepted": accepted,
        "share": share,
        "target": target,
        "met": met,
        "label": label,
        "bar": min(share or Decimal(0), Decimal(100)),
        "policy": policy,
        "ratio_text": ratio_text(policy.spot_check_ratio),
    }


def acceptance_share(
    organisation: Organisation, year: int, *, sector: str | None = None, kind: str | None = None
) -> tuple[int, int, Decimal | None, Decimal]:
    """For the dashboard: (accepted, branches, share %, target %) of the subtree's active branches.

    ``share`` is a percentage to the cent (Decimal("88.89")), None without branches; ``target``
    is the year's target as a percentage (Decimal("90.00")). The caller has checked access.
    """
    f = acceptance_figures(organisation, year, sector=sector, kind=kind)
    return f["accepted"], f["branches"], f["share"], f["target"]


# ---------------------------------------------------------------- lists


def branch_rows(
    organisation: Organisation, year: int, *, status: str | None = None
) -> QuerySet[Organisation]:
    """The subtree's active branches with their acceptance of the year (``acc_pk``, ``acc_status``),
    branches without one included (未申请): one query per page."""
    qs = _with_year(_branches(organisation), year).annotate(
        acc_pk=F("acc__pk"), acc_status=F("acc__status"), acc_applied_at=F("acc__applied_at")
    )
    if status == NOT_APPLIED:
        qs = qs.filter(acc__pk__isnull=True)
    elif status in AcceptanceStatus.values:
        qs = qs.filter(acc__status=status)
    return qs.order_by("path")


def status_label(value: str | None) -> str:
    if not value:
        return NOT_APPLIED_LABEL
    return AcceptanceStatus(value).label


def branch_acceptances(organisation: Organisation) -> QuerySet[Acceptance]:
    """A branch's applications, newest year first (the secretary's view)."""
    return Acceptance.objects.filter(organisation=organisation).order_by("-year")


def draws_for(organisation: Organisation, year: int) -> list[SpotCheckDraw]:
    """The year's draws over this subtree, and draws above it that picked one of its branches;
    each with its checks inside the subtree. Three queries."""
    inside = Q(acceptance__organisation__path__startswith=organisation.path)
    draws = (
        SpotCheckDraw.objects.filter(year=year)
        .filter(
            Q(organisation__path__startswith=organisation.path)
            | Q(
                organisation__path__in=organisation.ancestor_paths,
                pk__in=SpotCheck.objects.filter(inside).values("draw_id"),
            )
        )
        .select_related("organisation", "drawn_by")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=SpotCheck.objects.filter(inside)
                .select_related("acceptance__organisation", "by")
                .order_by("acceptance__org_path", "pk"),
                to_attr="visible_checks",
            )
        )
        .order_by("-drawn_at", "-pk")
    )
    draws = list(draws)
    for draw in draws:
        draw.ratio_text = ratio_text(draw.ratio)
    return draws


def acceptance_spot_checks(acceptance: Acceptance) -> QuerySet[SpotCheck]:
    return acceptance.spot_checks.select_related("draw", "draw__organisation", "by").order_by(
        "-draw__drawn_at"
    )


def application_parts(acceptance: Acceptance) -> tuple[str, list[str]]:
    """The current application text and the earlier rounds."""
    return split_application(acceptance.application)
