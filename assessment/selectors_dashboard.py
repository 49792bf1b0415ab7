"""考核看板: a reviewer's figures for a subtree, read from the rollups and a few grouped queries.

Every tile and chart comes from the rollups (``models_rollups``): the node's own rows for the
tiles and the monthly trend, its direct children's for the chart — O(children × months) rows
whatever the size of the subtree. The weakest-branches ranking reads the branches' year totals
(``BranchYear``, in ranking order from an index) and its reasons with one query per kind of
reason for the 20 together. The number of queries is fixed whatever the number of branches.

Definitions are those of ``assessment/indicators.py`` (DOMAIN §5), summed over the subtree:
a rate is the subtree's met periods over its met + short periods, not a mean of the branches'
rates — a branch with more periods weighs more, as it does in the committee's own ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from branches import access
from branches.db import path_range
from branches.models import Organisation, OrgKind, OrgStatus, Sector
from branches.rules import BRANCH_KINDS
from meetings.models import ComplianceRecord, ComplianceStatus

from . import indicators, rules
from .models import AcceptancePolicy, BranchYear, Rating, Rollup, Stage
from .models_rollups import STATE, YEAR

WEAKEST = 20
STARS = (1, 2, 3, 4, 5)
MONTHS = tuple(range(1, 13))
KIND_CHOICES = [
    (OrgKind.BRANCH.value, OrgKind.BRANCH.label),
    (OrgKind.JOINT_BRANCH.value, OrgKind.JOINT_BRANCH.label),
]
SECTOR_NAMES = dict(Sector.choices)
DEFAULT_TARGET = Decimal("0.900")


@dataclass(frozen=True)
class Filters:
    year: int
    sector: str = ""
    kind: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.kind else tuple(sorted(BRANCH_KINDS))

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        found = {"year": str(self.year)}
        if self.sector:
            found["sector"] = self.sector
        if self.kind:
            found["kind"] = self.kind
        return found


@dataclass
class Tiles:
    branches: int = 0
    members: int = 0
    met: int = 0
    short: int = 0
    compliance: Decimal | None = None
    theme_day: Decimal | None = None
    dues_lines: int = 0
    dues_on_time: int = 0
    dues: Decimal | None = None
    terms_overdue: int = 0
    structure_warnings: int = 0
    open_items: int = 0
    stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STARS, 0))
    stars_in_workflow: int = 0
    stars_year: int | None = None
    accepted: int = 0
    acceptance: Decimal | None = None
    acceptance_target: Decimal = Decimal("90.00")  # a percentage

    @property
    def stars_named(self) -> int:
        return sum(self.stars.values())

    @property
    def acceptance_reached(self) -> bool:
        """Compared exactly (accepted / branches ≥ target), not on the rounded percentage."""
        return self.branches > 0 and Decimal(self.accepted) * 100 >= self.acceptance_target * self.branches


@dataclass
class ChildBar:
    """One bar of the compliance-by-child chart; a click opens the child's dashboard (or the branch)."""

    pk: int
    name: str
    kind: str
    path: str
    met: int
    short: int
    rate: Decimal | None

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


@dataclass
class MonthPoint:
    month: int
    met: int
    short: int
    rate: Decimal | None


@dataclass
class Shortfall:
    """One requirement a weak branch fell short of: its name, how many periods, the notes given."""

    name: str
    periods: int
    notes: list[str]

    def __str__(self):
        text = f"{self.name}（{self.periods}个周期未达标）"
        if self.notes:
            text += "：" + "；".join(self.notes)
        return text


@dataclass
class WeakBranch:
    pk: int
    name: str
    path: str
    kind: str
    sector: str
    met: int
    short: int
    rate: Decimal | None
    shortfalls: list[Shortfall] = field(default_factory=list)
    term_overdue_days: int = 0
    structure_warnings: int = 0
    open_items: int = 0
    stars: int | None = None
    stars_named: bool = False

    @property
    def sector_name(self) -> str:
        return SECTOR_NAMES.get(self.sector, self.sector)

    @property
    def low_stars(self) -> bool:
        return self.stars is not None and self.stars <= rules.RECTIFY_AT_OR_BELOW

    @property
    def reasons(self) -> list[str]:
        """Every reason in words, most telling first."""
        found = [str(s) for s in self.shortfalls]
        if self.term_overdue_days:
            found.append(f"超期未换届{self.term_overdue_days}天")
        if self.structure_warnings:
            found.append(f"设置不规范{self.structure_warnings}项")
        if self.open_items:
            found.append(f"未销号整改事项{self.open_items}项")
        if self.low_stars:
            found.append(f"{'命名' if self.stars_named else '拟定'}{self.stars}星")
        return found


@dataclass
class Dashboard:
    node: Organisation
    filters: Filters
    today: dt.date
    years: list[int]
    tiles: Tiles
    children: list[ChildBar]
    months: list[MonthPoint]
    sectors: dict[str, int]
    weakest: list[WeakBranch]

    @property
    def is_empty(self) -> bool:
        """Nothing to show: no branches, or not one compliance row counted in the year."""
        return self.tiles.branches == 0 or self.tiles.met + self.tiles.short == 0

    def chart_data(self) -> dict:
        """What ``static/js/dashboard.js`` draws (passed with ``json_script``)."""
        return {
            "children": [
                {
                    "pk": c.pk,
                    "name": c.name,
                    "branch": c.is_branch,
                    "rate": _num(c.rate),
                    "met": c.met,
                    "short": c.short,
                }
                for c in self.children
            ],
            "months": [{"month": m.month, "rate": _num(m.rate)} for m in self.months],
            "stars": [{"stars": s, "count": self.tiles.stars[s]} for s in STARS],
            "sectors": [{"sector": SECTOR_NAMES.get(k, k), "count": n} for k, n in self.sectors.items()],
        }


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# ---- filters ---------------------------------------------------------------------------------------


def parse_filters(params, today: dt.date, years: list[int]) -> tuple[Filters, list[str]]:
    """Year, sector and kind from query parameters; a bad value is dropped with a message (never an error)."""
    problems = []
    year = today.year
    raw = (params.get("year") or "").strip()
    if raw:
        try:
            wanted = int(raw)
        except ValueError:
            wanted = None
        if wanted is not None and (wanted in years or 2000 <= wanted <= today.year):
            year = wanted
        else:
            problems.append(f"年度“{raw[:20]}”无效，已显示{year}年。")
    sector = (params.get("sector") or "").strip()
    if sector and sector not in Sector.values:
        problems.append("领域筛选无效，已显示全部领域。")
        sector = ""
    kind = (params.get("kind") or "").strip()
    if kind and kind not in BRANCH_KINDS:
        problems.append("组织类别筛选无效，已显示全部支部。")
        kind = ""
    return Filters(year=year, sector=sector, kind=kind), problems


def get_dashboard_org_or_404(user, pk) -> Organisation:
    """An organisation the user reviews (a reviewer's subtree, an admin); 404 for everyone else."""
    org = access.get_organisation_or_404(user, pk)
    if not access.can_review(user, org):
        raise Http404("没有找到该组织，或您无权查看考核看板。")
    return org


def years_of(node: Organisation, today: dt.date) -> list[int]:
    """Years with compliance, dues, ratings or acceptance in the subtree (its rollups), newest first,
    always with this year."""
    found = set(
        Rollup.objects.filter(node=node, year__gt=STATE).order_by().values_list("year", flat=True).distinct()
    )
    found.add(today.year)
    return sorted(found, reverse=True)


def crumbs(user, node: Organisation) -> list[Organisation]:
    """Ancestors the user reviews (up to their scope root), top first, then the node: one query."""
    above = Organisation.objects.filter(path__in=node.ancestor_paths).order_by("path")
    return [o for o in above if access.can_review(user, o)] + [node]


# ---- the subtree's rows ----------------------------------------------------------------------------


def _branch_q(node: Organisation, filters: Filters, prefix: str = "", *, own_path: str = "") -> Q:
    """The filter that keeps the rows of the subtree's active branches after the filters.

    ``prefix`` leads to the organisation (``"member__organisation"``); ``own_path`` names a
    copy of the path on the row itself (``org_path``), which is indexed for the subtree scan.
    """
    p = f"{prefix}__" if prefix else ""
    q = Q(**{f"{p}kind__in": filters.kinds, f"{p}status": OrgStatus.ACTIVE})
    q &= path_range(own_path or f"{p}path", node.path)
    if filters.sector:
        q &= Q(**{f"{p}sector": filters.sector})
    return q


# ---- the dashboard ---------------------------------------------------------------------------------


def dashboard(
    user,
    node: Organisation,
    year: int | None = None,
    *,
    sector: str = "",
    kind: str = "",
    today: dt.date,
    years: list[int] | None = None,
) -> Dashboard:
    """Every figure of the 考核看板 of the subtree of ``node`` for a year; Http404 outside review scope."""
    if not access.can_review(user, node):
        raise Http404("没有找到该组织，或您无权查看考核看板。")
    filters = Filters(
        year=year or today.year,
        sector=sector if sector in Sector.values else "",
        kind=kind if kind in BRANCH_KINDS else "",
    )
    tiles = Tiles()
    sectors = _state_tiles(tiles, node, filters)
    months = _compliance_and_months(tiles, node, filters)
    _dues_tile(tiles, node, filters, today)
    _stars_tile(tiles, node, filters)
    _acceptance_tile(tiles, node, filters)
    return Dashboard(
        node=node,
        filters=filters,
        today=today,
        years=years if years is not None else years_of(node, today),
        tiles=tiles,
        children=children_chart(node, filters),
        months=months,
        sectors=sectors,
        weakest=weakest(node, filters, today=today),
    )


def rollups(nodes, filters: Filters) -> QuerySet[Rollup]:
    """The rollup rows of these organisations (a queryset of them, or one) that the filters keep."""
    found = Rollup.objects.filter(kind__in=filters.kinds)
    found = found.filter(node=nodes) if isinstance(nodes, Organisation) else found.filter(node__in=nodes)
    return found.filter(sector=filters.sector) if filters.sector else found


def _state_tiles(tiles: Tiles, node: Organisation, filters: Filters) -> dict[str, int]:
    """Branches, party members, branches with structure warnings, overdue terms and open rectification
    items now; returns branches by sector (the pie, largest first), whose sum is the branches tile."""
    rows = (
        rollups(node, filters)
        .filter(year=STATE, month=STATE)
        .order_by()
        .values("sector")
        .annotate(
            branches=Sum("branches"),
            members=Sum("members"),
            warned=Sum("warned"),
            terms_overdue=Sum("terms_overdue"),
            open_items=Sum("open_items"),
        )
    )
    sectors = {}
    for r in rows:
        tiles.members += r["members"]
        tiles.structure_warnings += r["warned"]
        tiles.terms_overdue += r["terms_overdue"]
        tiles.open_items += r["open_items"]
        if r["branches"]:
            sectors[r["sector"]] = r["branches"]
    tiles.branches = sum(sectors.values())
    return dict(sorted(sectors.items(), key=lambda kv: (-kv[1], kv[0])))


def _compliance_and_months(tiles: Tiles, node: Organisation, filters: Filters) -> list[MonthPoint]:
    """The compliance and theme-day tiles and the monthly trend from the node's twelve months of rollups."""
    rows = (
        rollups(node, filters)
        .filter(year=filters.year, month__gt=YEAR)
        .order_by()
        .values("month")
        .annotate(met=Sum("met"), short=Sum("short"), rate_sum=Sum("theme_sum"), rates=Sum("theme_n"))
    )
    months = {month: [0, 0] for month in MONTHS}
    rate_sum, rates = Decimal(0), 0
    for r in rows:
        figures = months[r["month"]]
        figures[0] += r["met"]
        figures[1] += r["short"]
        rate_sum += r["rate_sum"] or 0
        rates += r["rates"]
    tiles.met = sum(m for m, _s in months.values())
    tiles.short = sum(s for _m, s in months.values())
    tiles.compliance = rules.percent(tiles.met, tiles.met + tiles.short)
    tiles.theme_day = rules.percent(rate_sum, rates)
    return [
        MonthPoint(month=month, met=met, short=short, rate=rules.percent(met, met + short))
        for month, (met, short) in months.items()
    ]


def _dues_tile(tiles: Tiles, node: Organisation, filters: Filters, today: dt.date) -> None:
    """Dues lines of the year's months before the current one (``indicators.dues_lines``), from rollups."""
    months = rollups(node, filters).filter(year=filters.year)
    if filters.year >= today.year:
        months = months.filter(year=today.year, month__lt=today.month)
    row = months.aggregate(n=Sum("dues_lines"), on_time=Sum("dues_on_time"))
    tiles.dues_lines, tiles.dues_on_time = row["n"] or 0, row["on_time"] or 0
    tiles.dues = rules.percent(tiles.dues_on_time, tiles.dues_lines)


def _stars_tile(tiles: Tiles, node: Organisation, filters: Filters) -> None:
    """The stars of the latest rating year up to the chosen one that has named ratings in the subtree.

    A year's ratings are named in the following year, so this year's dashboard shows last year's
    stars (and says which year); with none named at all, the chosen year's ratings in the workflow.
    One query: the node's rating rows of every year up to the chosen one.
    """
    named = [f"named_{s}" for s in STARS]
    by_year = {
        r["year"]: r
        for r in rollups(node, filters)
        .filter(year__gt=STATE, year__lte=filters.year, month=YEAR)
        .order_by()
        .values("year")
        .annotate(in_workflow=Sum("in_workflow"), **{f: Sum(f) for f in named})
    }
    tiles.stars_year = max((y for y, r in by_year.items() if any(r[f] for f in named)), default=filters.year)
    row = by_year.get(tiles.stars_year, {})
    tiles.stars = {s: row.get(f"named_{s}", 0) for s in STARS}
    tiles.stars_in_workflow = row.get("in_workflow", 0)


def _acceptance_tile(tiles: Tiles, node: Organisation, filters: Filters) -> None:
    """达标验收: accepted branches (the node's rollups) over branches, against the year's target."""
    tiles.accepted = (
        rollups(node, filters).filter(year=filters.year, month=YEAR).aggregate(n=Sum("accepted"))["n"] or 0
    )
    tiles.acceptance = rules.percent(tiles.accepted, tiles.branches)
    target = AcceptancePolicy.objects.filter(year=filters.year).values_list("target_share", flat=True).first()
    tiles.acceptance_target = rules.cents((target if target is not None else DEFAULT_TARGET) * 100)


def children_chart(node: Organisation, filters: Filters) -> list[ChildBar]:
    """Compliance by direct child organisation: the children's rollups of the year, one grouped query."""
    rows = (
        rollups(Organisation.objects.filter(parent=node), filters)
        .filter(year=filters.year, month=YEAR)
        .order_by()
        .values("node_id")
        .annotate(periods=Sum("periods"), met=Sum("met"), short=Sum("short"))
        .filter(periods__gt=0)
        .values_list("node_id", "node__name", "node__short_name", "node__kind", "node__path", "met", "short")
    )
    return [
        ChildBar(
            pk=pk,
            name=short_name or name,
            kind=kind,
            path=path,
            met=met,
            short=short,
            rate=rules.percent(met, met + short),
        )
        for pk, name, short_name, kind, path, met, short in sorted(rows, key=lambda r: r[4])
    ]


def weakest(
    node: Organisation, filters: Filters, *, today: dt.date, limit: int = WEAKEST
) -> list[WeakBranch]:
    """The branches with the lowest meeting compliance, with their reasons: six queries for all of them.

    Order: lowest rate first, then more short periods, then tree order. A branch without one
    met or short period in the year has no rate and is not listed.
    """
    ranked = (
        BranchYear.objects.filter(
            path_range("org_path", node.path), year=filters.year, kind__in=filters.kinds
        )
        .filter(Q(met__gt=0) | Q(short__gt=0))
        .filter(**({"sector": filters.sector} if filters.sector else {}))
        .order_by("ratio", "-short", "org_path")
        .values_list("branch_id", "org_path", "kind", "sector", "met", "short")[:limit]
    )
    ranked = list(ranked)  # the twenty first, then their names: no join over the whole subtree
    names = dict(Organisation.objects.filter(pk__in=[r[0] for r in ranked]).values_list("pk", "name"))
    weak = {
        pk: WeakBranch(
            pk=pk,
            name=names[pk],
            path=path,
            kind=kind,
            sector=sector,
            met=met,
            short=short,
            rate=rules.percent(met, met + short),
        )
        for pk, path, kind, sector, met, short in ranked
    }
    if not weak:
        return []
    ids = list(weak)
    _shortfalls(weak, ids, filters.year)
    for pk, expires_on in (
        indicators.overdue_terms(today)
        .filter(organisation_id__in=ids)
        .values_list("organisation_id", "expires_on")
    ):
        weak[pk].term_overdue_days = (today - expires_on).days
    for pk, warnings in indicators.with_structure(Organisation.objects.filter(pk__in=ids)).values_list(
        "pk", "warnings"
    ):
        weak[pk].structure_warnings = warnings
    for pk, n in (
        indicators.open_items()
        .filter(case__organisation_id__in=ids)
        .order_by()
        .values("case__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("case__organisation_id", "n")
    ):
        weak[pk].open_items = n
    # Each branch's latest rating up to the year (last year's is named this year); later years overwrite.
    for pk, stage, final, proposed in (
        Rating.objects.filter(organisation_id__in=ids, year__lte=filters.year)
        .order_by("year")
        .values_list("organisation_id", "stage", "final_stars", "proposed_stars")
    ):
        named = stage == Stage.NAMED and final is not None
        weak[pk].stars = final if named else (final if final is not None else proposed)
        weak[pk].stars_named = named
    return list(weak.values())


def _shortfalls(weak: dict[int, WeakBranch], ids: list[int], year: int) -> None:
    """The short requirements of the weak branches, by requirement kind, with their distinct notes."""
    rows = (
        ComplianceRecord.objects.filter(organisation_id__in=ids, year=year, status=ComplianceStatus.SHORT)
        .order_by("organisation_id", "requirement__kind__order", "requirement__kind_id", "period_start")
        .values_list("organisation_id", "requirement__kind_id", "requirement__kind__name", "note")
    )
    found: dict[tuple[int, int], Shortfall] = {}
    for pk, kind_id, name, note in rows:
        shortfall = found.get((pk, kind_id))
        if shortfall is None:
            shortfall = found[(pk, kind_id)] = Shortfall(name=name, periods=0, notes=[])
            weak[pk].shortfalls.append(shortfall)
        shortfall.periods += 1
        note = (note or "").strip()
        if note and note not in shortfall.notes and len(shortfall.notes) < 3:
            shortfall.notes.append(note)
